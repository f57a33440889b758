"""Benchmark: import + validate + score filled questionnaires vs. common ways to read xlsx.

    python benchmarks/bench_questionnaire.py [--quick] [--n N] [--crossover]

Generates N filled export-readiness workbooks (1,000; --quick: 100) through the template, then
times, in one run over the same files:
  exportkit   score_files(): open + safety checks + read answers + validate + score + stats,
              in a fresh process: first serially (workers=1, ``serial_s``), then the default
              parallel path (every core; ``exportkit_s``); the two results must be identical
  calamine    bare python-calamine read of every sheet's values on one core (close to the
              floor), timed before and after exportkit; the faster of the two is the baseline
  pandas      pandas.read_excel(path, sheet_name=None) with the openpyxl engine, on the first
              --pandas-files workbooks (100), scaled to N
  crossover   (--crossover) serial vs worker processes on batches of 2 … 256 workbooks, forked
              and fork-server workers: where parallel.PARALLEL_MIN_FILES comes from
The last line is one JSON object. Targets (2 cores): >= 10x faster than pandas/openpyxl,
ratio_to_calamine <= 1.0 (parallel path), peak RSS (parent + workers) < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _machine import finish

DEFINITION = "export-readiness"


def _profile(i: int, rng: random.Random, lang: str) -> dict:
    from exportkit.questionnaire.answers import valid_tax_id

    prefix = f"{rng.randrange(1_000_000, 9_999_999)}"
    # The last digit has weight 1, so one of 0–9 always completes a valid checksum.
    tax_id = next(prefix + d for d in "0123456789" if valid_tax_id(prefix + d))
    zh = lang == "zh-TW"
    return {
        "firm_name": f"測試企業{i:04d}股份有限公司" if zh else f"Bench Firm {i:04d} Ltd.",
        "tax_id": tax_id,
        "contact_person": "王小明" if zh else "Alex Wang",
        "industry": "其他" if zh else "Other",
        "founded": rng.randrange(1970, 2024),
        "employees": str(rng.randrange(3, 900)),
        "revenue_ntd": rng.randrange(5, 3000) * 1_000_000,
        "export_share": rng.randrange(0, 95),
        "products": "精密零組件" if zh else "Precision parts",
        "hs_codes": rng.choice(["8466, 846693", "1905", "330499, 330410", "871494"]),
        "current_markets": rng.choice(["日本, 美國", "Vietnam, TH", ""]),
        "target_markets": rng.choice(["越南、泰國", "India, Indonesia", "MY, PH, other"]),
        "customer_type": "兩者皆有" if zh else "Both",
        "sells_online": rng.choice(["是", "否", "Y", "N"]),
        "tacit_knowhow_share": rng.randrange(0, 100),
        "invest_willingness": rng.randrange(1, 6),
        "after_sales_need": rng.randrange(1, 6),
    }


def _generate(args: tuple[int, int, str]) -> int:
    """Worker: write files [start, stop) into out_dir, reusing one loaded template per language."""
    start, stop, out_dir = args
    from openpyxl import load_workbook

    from exportkit.questionnaire import load_definition, write_template
    from exportkit.questionnaire.filling import answers_for_levels, fill_workbook

    dims = [s.id for s in load_definition(DEFINITION).dimensions]
    blanks = {}
    for lang in ("zh-TW", "en"):
        blank = Path(out_dir) / f"_blank-{lang}-{start}.tmp.xlsx"  # one per chunk: no races
        blanks[lang] = write_template(DEFINITION, lang, blank)
    books = {lang: load_workbook(path) for lang, path in blanks.items()}
    for i in range(start, stop):
        rng = random.Random(i)
        lang = "zh-TW" if i % 3 else "en"
        base = rng.random()
        levels = {d: min(1.0, max(0.0, base + rng.uniform(-0.25, 0.25))) for d in dims}
        answers = answers_for_levels(
            DEFINITION, levels, lang, seed=i, profile=_profile(i, rng, lang)
        )
        answers = {k: (v if v != "" else None) for k, v in answers.items()}
        wb = fill_workbook(books[lang], answers)
        wb.save(Path(out_dir) / f"firm-{i:05d}.xlsx")
    return stop - start


def generate(n: int, out_dir: Path, workers: int) -> list[Path]:
    chunks = [(s, min(n, s + 50), str(out_dir)) for s in range(0, n, 50)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = sum(pool.map(_generate, chunks))
    assert done == n
    for tmp in out_dir.glob("_blank-*.tmp.xlsx"):
        tmp.unlink()
    return sorted(out_dir.glob("firm-*.xlsx"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_import(paths: list[str], queue) -> None:
    """In a fresh process (its peak memory is its own): serial, then the parallel path."""
    from exportkit.questionnaire import load_definition, score_files
    from exportkit.questionnaire.parallel import usable_cores

    load_definition(DEFINITION)  # read once per process by either path; not the files' cost
    t0, c0 = time.perf_counter(), _cpu_s()
    serial = score_files(paths, workers=1)
    serial_s, serial_cpu = time.perf_counter() - t0, _cpu_s() - c0
    t0, c0 = time.perf_counter(), _cpu_s()
    parallel = score_files(paths)  # every core above PARALLEL_MIN_FILES
    parallel_s, parallel_cpu = time.perf_counter() - t0, _cpu_s() - c0
    same = (
        serial.results == parallel.results
        and serial.answers == parallel.answers
        and serial.alpha == parallel.alpha
        and [f.messages() for f in serial.failures] == [f.messages() for f in parallel.failures]
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    queue.put(
        {
            "serial_s": serial_s,
            "parallel_s": parallel_s,
            "serial_cpu_s": serial_cpu,
            "parallel_cpu_s": parallel_cpu,
            "identical": same,
            "firms": len(parallel.results),
            "failures": [f.messages() for f in parallel.failures][:1],
            "rss_mb": rss_mb(),
            "worker_rss_mb": children,
            "workers": usable_cores(),
        }
    )


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children: on a shared machine the work
    done, whatever the wall clock says."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _calamine_read(paths: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a bare python-calamine read of every sheet of ``paths``."""
    import python_calamine

    t0, c0 = time.perf_counter(), _cpu_s()
    for p in paths:
        wb = python_calamine.CalamineWorkbook.from_path(p)
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return time.perf_counter() - t0, _cpu_s() - c0


def crossover(paths: list[str], sizes=(2, 4, 8, 16, 32, 64, 128, 256)) -> dict:
    """Serial vs pool time for small batches (best of 3): where workers start to pay.

    The pool is forced for every size (``PARALLEL_MIN_FILES`` set to 1), forked workers and,
    separately, fork-server workers (what a process with other threads alive gets).
    """
    import multiprocessing

    from exportkit.questionnaire import load_definition, parallel, score_files

    load_definition(DEFINITION)
    saved = dict(parallel.PARALLEL_MIN_FILES), parallel.pool_context
    parallel.PARALLEL_MIN_FILES.update(dict.fromkeys(saved[0], 1))
    out: dict[str, dict[int, float]] = {"serial": {}, "fork": {}, "forkserver": {}}
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(["exportkit.questionnaire.scoring"])
    try:
        for size in sizes:
            batch = paths[:size]
            if len(batch) < size:
                break
            for name, workers, ctx in (
                ("serial", 1, None),
                ("fork", None, multiprocessing.get_context("fork")),
                ("forkserver", None, server),
            ):
                if ctx is not None:
                    parallel.pool_context = lambda ctx=ctx: ctx
                best = float("inf")
                for _ in range(3):
                    t0 = time.perf_counter()
                    score_files(batch, workers=workers)
                    best = min(best, time.perf_counter() - t0)
                out[name][size] = round(best, 4)
    finally:
        parallel.PARALLEL_MIN_FILES.update(saved[0])
        parallel.pool_context = saved[1]
    for name in ("fork", "forkserver"):
        wins = [n for n, t in out[name].items() if t < out["serial"][n]]
        out[f"{name}_wins_from"] = min(wins) if wins else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 workbooks instead of 1,000")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--pandas-files",
        type=int,
        default=100,
        help="workbooks pandas reads (it takes ~0.15 s each; its time is scaled to all files)",
    )
    parser.add_argument(
        "--crossover",
        action="store_true",
        help="also time serial vs worker processes on small batches (2 … 256 files)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="generate the workbooks into this folder once and reuse them on later runs",
    )
    args = parser.parse_args()
    n = args.n or (100 if args.quick else 1000)
    wanted = max(n, 256 if args.crossover else 0)

    with tempfile.TemporaryDirectory(prefix="bench-questionnaire-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        paths = sorted(str(p) for p in folder.glob("firm-*.xlsx"))
        if len(paths) < wanted:
            paths = [str(p) for p in generate(wanted, folder, args.workers)]
        gen_s = time.perf_counter() - t0
        print(f"{len(paths)} workbooks ready in {gen_s:.1f} s", file=sys.stderr)
        cross = crossover(paths) if args.crossover else None
        if cross:
            print(f"crossover: {json.dumps(cross)}", file=sys.stderr)
        paths = paths[:n]

        # Interleaved: the calamine floor, then exportkit (serial, then parallel), then the
        # floor again; the faster floor is the baseline (a shared machine slows runs at random).
        before = _calamine_read(paths)
        ek = _in_child(_child_import, paths)
        calamine_s, calamine_cpu = min(before, _calamine_read(paths))
        assert ek["firms"] == n and not ek["failures"], ek
        assert ek["identical"], "the parallel path differs from the serial path"
        print(
            f"exportkit import+validate+score: serial {ek['serial_s']:.2f} s, "
            f"parallel {ek['parallel_s']:.2f} s; bare python-calamine read: {calamine_s:.2f} s",
            file=sys.stderr,
        )

        import pandas as pd

        sample = paths[: args.pandas_files]
        t0 = time.perf_counter()
        for p in sample:
            pd.read_excel(p, sheet_name=None, engine="openpyxl")
        pandas_s = (time.perf_counter() - t0) * n / len(sample)
        print(f"pandas.read_excel(openpyxl), scaled to {n}: {pandas_s:.2f} s", file=sys.stderr)

    exportkit_s = ek["parallel_s"]
    # parent + every worker at the largest worker's peak (forked pages shared with the parent
    # are counted twice: an upper bound)
    peak = ek["rss_mb"] + ek["worker_rss_mb"] * ek["workers"]
    result = {
        "benchmark": "questionnaire",
        "files": n,
        "exportkit_s": round(exportkit_s, 3),
        "serial_s": round(ek["serial_s"], 3),
        "parallel_speedup": round(ek["serial_s"] / exportkit_s, 2),
        "identical_to_serial": ek["identical"],
        "calamine_s": round(calamine_s, 3),
        "ratio_to_calamine": round(exportkit_s / calamine_s, 2),
        "serial_ratio_to_calamine": round(ek["serial_s"] / calamine_s, 2),
        # the work, load aside: CPU seconds per path (parallel: parent + workers)
        "serial_cpu_s": round(ek["serial_cpu_s"], 3),
        "parallel_cpu_s": round(ek["parallel_cpu_s"], 3),
        "calamine_cpu_s": round(calamine_cpu, 3),
        "serial_cpu_ratio_to_calamine": round(ek["serial_cpu_s"] / calamine_cpu, 2),
        "pandas_openpyxl_s": round(pandas_s, 3),
        "pandas_files_timed": len(sample),
        "speedup_vs_pandas": round(pandas_s / exportkit_s, 1),
        "exportkit_peak_rss_mb": round(ek["rss_mb"], 1),
        "exportkit_worker_peak_rss_mb": round(ek["worker_rss_mb"], 1),
        "exportkit_total_peak_rss_mb": round(peak, 1),
        "generate_s": round(gen_s, 1),
    }
    if cross:
        result["crossover"] = cross
    finish(
        result,
        libs=["python-calamine", "pandas", "openpyxl", "pyyaml"],
        baseline="bare python-calamine read of every sheet, one core, same files (calamine_s); "
        f"pandas.read_excel(openpyxl) on {len(sample)} of them (pandas_openpyxl_s, scaled)",
    )


if __name__ == "__main__":
    main()
