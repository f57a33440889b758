"""Cyclic garbage collection held off while a batch builds its long-lived results.

A 1,000-firm assessment keeps millions of small objects alive until it ends (recommendations,
reasons, table rows). CPython's collector scans the old generation again and again as it
grows — 11 full collections, ~1.5 s of CPU on the 2-core machine, a fifth of the run — and
finds almost nothing to free: the objects are results, not garbage. The batch functions run
with the collector off and put it back as it was (reference counting still frees everything
that is not in a cycle; the few cycles made meanwhile are collected afterwards).

Every object made meanwhile is still in the youngest generation when the collector comes
back, so its first collection would scan them all (~0.4 s after 1,000 firms). They are moved
to the oldest generation instead (``gc.freeze`` then ``gc.unfreeze``, no scan), where a
long-lived object would have ended up anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, restoring its previous state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # everything tracked → the permanent generation (no scan) …
        gc.unfreeze()  # … → the oldest one, collected as rarely as long-lived objects are
        if was_enabled:
            gc.enable()
