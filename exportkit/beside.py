"""Work done in a forked child while this process does other work: the two use two cores.

``beside(compute)`` forks; the child runs ``compute()`` and pickles its result into a
temporary file the two share; the block gets a function that waits for the child and returns
that result. It is computed in this process instead (when the function is called) where
forking is not safe: no ``fork``, one core, or other threads alive (a fork could copy a lock
one of them holds). A child that fails leaves nothing behind that counts: ``compute()`` then
runs again here, raising what went wrong. A block that fails or is interrupted ends the child.

Pickling costs: 9,000 recommendations (half a 1,000-firm run) pickle in 0.4 s and load in
0.3 s with the cyclic collector off (``gc_pause``), against 1.3 s to compute them.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """True where a forked child can work beside this process (see the module docstring)."""
    return hasattr(os, "fork") and threading.active_count() == 1 and usable_cores() >= 2


@contextmanager
def beside(compute: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Run ``compute`` in a forked child while the block runs; yields the function that waits
    for it and returns its result (see the module docstring)."""
    if not can_fork():
        yield compute
        return
    with tempfile.TemporaryFile() as shared:
        pid = os.fork()
        if pid == 0:  # the child: compute, say how it went in the exit code, never return
            code = 1
            try:
                for sig in (signal.SIGINT, signal.SIGTERM):  # an interruption simply ends it
                    signal.signal(sig, signal.SIG_DFL)
                pickle.dump(compute(), shared, protocol=pickle.HIGHEST_PROTOCOL)
                shared.flush()
                code = 0
            except BaseException:  # noqa: BLE001 - reported by the exit code; the parent retries
                pass
            finally:
                os._exit(code)
        waited: list[int] = []

        def result() -> T:
            _, status = os.waitpid(pid, 0)
            waited.append(status)
            if os.waitstatus_to_exitcode(status) == 0:
                shared.seek(0)
                with suppress(Exception):  # a result that does not load is computed again
                    return pickle.load(shared)
            return compute()  # failed in the child: again here, where its error is raised

        try:
            yield result
        finally:
            if not waited:  # the block failed or was interrupted: the child's work is not wanted
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
