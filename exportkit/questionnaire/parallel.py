"""Run one function over many workbooks on every core, results in the order given.

Reading a workbook is CPU work (unzip, check, read the answers, score: ~3 ms a file here), so a batch
is split over worker processes; a small batch stays in this process, where starting workers
would cost more than it saves. Where that crossover lies was measured with
``python benchmarks/bench_questionnaire.py --crossover`` (see docs/questionnaire.md).

Workers are forked when this process runs a single thread: a fork costs ~20 ms and the
child inherits the loaded questionnaire definitions. With other threads alive (the CLI's
progress bar draws from one) forking could copy a lock another thread holds, so the workers
come from a fork server instead, which costs more to start: they load the definitions
themselves (~0.5 s each).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from exportkit.beside import usable_cores

T = TypeVar("T")
R = TypeVar("R")

# The smallest batch that goes to worker processes, by start method; below it the batch is
# read in this process. From serial vs pool timings on small batches on 2 cores
# (bench_questionnaire.py --crossover, docs/questionnaire.md): since a workbook takes ~3 ms,
# forked workers lost at 32 workbooks and won from 64 (the crossover between: 48);
# fork-server workers won from 128 — kept at 200, as each must load the definitions first and
# the measurement was made on a loaded machine.
PARALLEL_MIN_FILES = {"fork": 48, "forkserver": 200, "spawn": 200}
# Files a worker takes at a time: big enough that the hand-offs cost little, small enough
# that both cores stay busy to the end.
MAX_CHUNK = 32


def pool_context() -> BaseContext:
    """``fork`` when this process runs one thread (and the platform has it), else safer."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["exportkit.questionnaire.scoring"])
    return ctx


def map_files(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int | None = None,
    progress: Callable[[int], Any] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, on up to ``workers`` processes (default: every core).

    ``fn`` must be a module-level function whose result pickles. ``workers=1``, a single
    core or a batch below ``PARALLEL_MIN_FILES`` runs in this process. ``progress(1)`` is
    called after each item, in order.

    >>> map_files(len, ["a", "bb", "ccc"])
    [1, 2, 3]
    """
    items = list(items)
    n_workers = min(workers or usable_cores(), len(items))
    ctx = pool_context() if n_workers > 1 else None
    if ctx is None or len(items) < PARALLEL_MIN_FILES[ctx.get_start_method()]:
        out = []
        for item in items:
            out.append(fn(item))
            if progress:
                progress(1)
        return out
    chunk = max(1, min(MAX_CHUNK, len(items) // (n_workers * 4)))
    out = []
    with ProcessPoolExecutor(n_workers, mp_context=ctx) as pool:
        for result in pool.map(fn, items, chunksize=chunk):
            out.append(result)
            if progress:
                progress(1)
    return out
