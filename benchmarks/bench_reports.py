"""Benchmark: country briefs to HTML (1,000) and PDF (60), serially and across both cores.

Briefs are built from the TEST DATA of ``tests/report_samples.py`` (firms × the 18 New
Southbound markets, half with trade figures and a real ``fit_trend`` trend, half with
missing figures). In the same run:

* HTML: 1,000 briefs in this process (one core) → ``html_briefs_per_s_per_core``; then the
  same across all cores in worker processes → ``html_parallel_s``.
* Baseline for the charts: one trend chart drawn by matplotlib (SVG) vs hand-built SVG.
* PDF: 60 briefs with ``render_batch(workers=1)`` (serial) and ``render_batch(workers=N)``
  → ``pdf_parallel_ratio`` = parallel / serial time (target ≤ 0.6 on 2 cores).

    python benchmarks/bench_reports.py [--quick]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from _machine import finish

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import report_samples as S  # noqa: E402

from exportkit.countries import NSB18  # noqa: E402
from exportkit.render import RenderJob, render_batch, render_brief  # noqa: E402
from exportkit.render.batch import default_workers  # noqa: E402


def make_jobs(count: int, start: int = 0) -> list[tuple]:
    """(brief, trend, trade_source) for ``count`` firm × market pairs (test data)."""
    trend = S.sample_trend()
    jobs = []
    for i in range(start, start + count):
        iso3 = NSB18[i % len(NSB18)]
        with_trade = i % 2 == 0
        lang = "zh-TW" if i % 3 else "en"
        brief = S.brief(
            iso3,
            lang=lang,
            name=f"測試企業 {i // len(NSB18):04d} 股份有限公司",
            with_trade=with_trade,
        )
        jobs.append((brief, trend if with_trade else None, S.TRADE_SOURCE if with_trade else None))
    return jobs


def render_all(jobs) -> list[str]:
    return [render_brief(b, trend=t, trade_source=s) for b, t, s in jobs]


def _render_range(args: tuple[int, int]) -> float:
    """In a worker: build its share of the briefs, then time rendering them (seconds)."""
    start, count = args
    jobs = make_jobs(count, start)
    render_all(jobs[:5])  # warm this process's template cache
    began = time.perf_counter()
    render_all(jobs)
    return time.perf_counter() - began


def matplotlib_chart_ms(repeat: int) -> float:
    """Milliseconds for one matplotlib SVG trend chart like the brief's (the baseline)."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    fit = S.sample_trend()
    start = time.perf_counter()
    for _ in range(repeat):
        fig, ax = plt.subplots(figsize=(6.2, 2.8))
        ax.plot(fit.years, fit.values, marker="o")
        ax.plot(fit.years, fit.fitted, linestyle="--")
        ax.fill_between(fit.forecast_years, fit.lower, fit.upper, alpha=0.2)
        ax.plot(fit.forecast_years, fit.forecast, linestyle="--")
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        plt.close(fig)
    return (time.perf_counter() - start) / repeat * 1000


def handbuilt_chart_ms(repeat: int) -> float:
    from exportkit.render import charts
    from exportkit.render.trend import trend_view

    view = trend_view(S.sample_trend())
    start = time.perf_counter()
    for _ in range(repeat):
        charts.data_uri(charts.trend(view.series, "t", ("a", "b", "c"), lambda v: f"{v:.0f}"))
    return (time.perf_counter() - start) / repeat * 1000


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 HTML and 6 PDF briefs")
    args = parser.parse_args()
    n_html = 200 if args.quick else 1000
    n_pdf = 6 if args.quick else 60
    workers = default_workers()
    load_start = os.getloadavg()[0]

    jobs = make_jobs(n_html)
    render_all(jobs[:20])  # warm the template cache, Babel and country names
    start = time.perf_counter()
    pages = render_all(jobs)
    html_serial_s = time.perf_counter() - start
    html_bytes = sum(len(p) for p in pages)

    chunks = [(i * n_html // workers, n_html // workers) for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        # The workers render at the same time; the slower one's time is the batch's.
        html_parallel_s = max(pool.map(_render_range, chunks))

    mpl_ms = matplotlib_chart_ms(5 if args.quick else 20)
    svg_ms = handbuilt_chart_ms(200)

    pdf_jobs = [(b, t, s) for b, t, s in jobs[:n_pdf]]
    htmls = render_all(pdf_jobs)
    with tempfile.TemporaryDirectory() as tmp:
        serial = [RenderJob(h, Path(tmp, "serial", f"{i}.pdf")) for i, h in enumerate(htmls)]
        parallel = [RenderJob(h, Path(tmp, "parallel", f"{i}.pdf")) for i, h in enumerate(htmls)]
        start, cpu = time.perf_counter(), cpu_seconds()
        serial_results = render_batch(serial, workers=1)
        pdf_serial_s = time.perf_counter() - start
        pdf_serial_cpu = cpu_seconds() - cpu
        start, cpu = time.perf_counter(), cpu_seconds()
        parallel_results = render_batch(parallel, workers=workers)
        pdf_parallel_s = time.perf_counter() - start
        pdf_parallel_cpu = cpu_seconds() - cpu
        failed = [r for r in serial_results + parallel_results if not r.ok]
        pdf_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*.pdf")) / 2 / 1e6

    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "quick": args.quick,
        "html_briefs": n_html,
        "html_serial_s": round(html_serial_s, 3),
        "html_briefs_per_s_per_core": round(n_html / html_serial_s, 1),
        "html_parallel_s": round(html_parallel_s, 3),
        "html_parallel_briefs_per_s": round(n_html / html_parallel_s, 1),
        "html_kb_per_brief": round(html_bytes / n_html / 1024, 1),
        "chart_matplotlib_ms": round(mpl_ms, 2),
        "chart_handbuilt_ms": round(svg_ms, 3),
        "pdf_briefs": n_pdf,
        "pdf_workers": workers,
        "pdf_serial_s": round(pdf_serial_s, 2),
        "pdf_parallel_s": round(pdf_parallel_s, 2),
        "pdf_parallel_ratio": round(pdf_parallel_s / pdf_serial_s, 3),
        "pdf_s_per_brief_serial": round(pdf_serial_s / n_pdf, 3),
        # CPU seconds used: when the machine is shared, wall time hides how the work divides.
        "pdf_serial_cpu_s": round(pdf_serial_cpu, 2),
        "pdf_parallel_cpu_s": round(pdf_parallel_cpu, 2),
        "pdf_cpu_s_per_brief": round(pdf_serial_cpu / n_pdf, 3),
        "load_avg_1m_start": round(load_start, 2),
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
        "pdf_mb_per_run": round(pdf_mb, 1),
        "pdf_failures": len(failed),
        "peak_rss_mb": round(max(self_mb, child_mb), 1),
        "peak_rss_main_mb": round(self_mb, 1),
        "peak_rss_worker_mb": round(child_mb, 1),
    }
    print(
        f"HTML {n_html} briefs: {html_serial_s:.2f} s on one core "
        f"({result['html_briefs_per_s_per_core']}/s; target ≥ 100/s), "
        f"{html_parallel_s:.2f} s on {workers} cores"
    )
    print(f"trend chart: matplotlib {mpl_ms:.1f} ms, hand-built SVG {svg_ms:.3f} ms")
    print(
        f"PDF {n_pdf} briefs: serial {pdf_serial_s:.1f} s, {workers} workers {pdf_parallel_s:.1f} s "
        f"(ratio {result['pdf_parallel_ratio']}; target ≤ 0.6)"
    )
    finish(
        result,
        libs=["jinja2", "weasyprint", "matplotlib"],
        baseline="the same briefs serially, one core (html_serial_s, pdf_serial_s); "
        "a matplotlib chart vs the hand-built SVG (chart_matplotlib_ms)",
    )


if __name__ == "__main__":
    main()
