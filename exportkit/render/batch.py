"""Render many PDFs in parallel across cores.

WeasyPrint is single-threaded and CPU-bound (~0.5–1 s per brief), so a batch uses processes.
The pool uses the ``spawn`` start method: safe with threads in the parent (DuckDB, logging)
and the same on every platform. Scripts that call :func:`render_batch` with ``workers > 1``
need the usual ``if __name__ == "__main__":`` guard. One failed document is recorded in its
:class:`JobResult` and the rest of the batch completes.

No worker outlives the batch: workers ignore Ctrl-C (the parent stops them, so a second Ctrl-C
cannot leave one behind), an interrupted batch terminates them, and on Linux a worker whose
parent died (SIGKILL) is killed by the kernel.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from exportkit.errors import ExportkitError
from exportkit.safe_output import shielded


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One PDF to write: a rendered HTML document and where its PDF goes."""

    html: str
    pdf_path: Path


@dataclass(frozen=True, slots=True)
class JobResult:
    """The outcome of one job: ``ok`` with the path written, or the error message."""

    path: Path
    ok: bool
    error: str | None = None
    seconds: float = 0.0
    error_zh: str | None = None  # the error in Traditional Chinese, when it has one


def _render_one(job: RenderJob) -> JobResult:
    from exportkit.render.pdf import write_pdf

    start = time.perf_counter()
    try:
        write_pdf(job.html, job.pdf_path)
    except ExportkitError as exc:
        return JobResult(
            Path(job.pdf_path),
            False,
            exc.message(),
            time.perf_counter() - start,
            error_zh=exc.message("zh-TW"),
        )
    except Exception as exc:  # one broken document must not stop the batch
        return JobResult(
            Path(job.pdf_path), False, f"{type(exc).__name__}: {exc}", time.perf_counter() - start
        )
    return JobResult(Path(job.pdf_path), True, None, time.perf_counter() - start)


def _warm_up(parent: int) -> None:
    # Ctrl-C reaches every process of the terminal's group: the parent alone decides, and
    # stops the workers (see _stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:  # die with the parent, even when it is killed with SIGKILL
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    # Import WeasyPrint and build the font configuration once per worker, not per document.
    from exportkit.render.pdf import _font_config

    _font_config()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C, SIGTERM or an error mid-batch: cancel what is queued and end every worker now
    (``shutdown(wait=True)`` would first render the whole queue)."""
    with shielded():
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()


def default_workers() -> int:
    """The cores this process may use (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def render_batch(
    jobs: Sequence[RenderJob],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[JobResult]:
    """Write every job's PDF, ``workers`` at a time (default: all cores); results in job order.

    ``progress(n)`` is called once per finished document. ``workers=1`` renders in this
    process (no pool), which is also what a batch of one does.
    """
    jobs = list(jobs)
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(_render_one(job))
            if progress:
                progress(1)
        return results
    results: list[JobResult | None] = [None] * len(jobs)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=get_context("spawn"),
        initializer=_warm_up,
        initargs=(os.getpid(),),
    )
    try:
        futures = {pool.submit(_render_one, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:  # a worker died (out of memory, killed)
                results[i] = JobResult(Path(jobs[i].pdf_path), False, f"worker failed: {exc}")
            if progress:
                progress(1)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]
