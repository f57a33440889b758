"""One view module per document: what it shows, computed from the model as plain objects
for its template (``readiness``, ``brief``, ``index``; ``common`` holds what they share)."""
