"""One spider per public data source."""
