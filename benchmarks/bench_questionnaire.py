"""Benchmark: import + validate + score filled questionnaires vs. common ways to read xlsx.

    python benchmarks/bench_questionnaire.py [--quick] [--n N]

Generates N filled export-readiness workbooks (1,000; --quick: 100) through the template, then
times, in one run over the same files:
  exportkit   score_files(): open + safety checks + read answers + validate + score + stats
  pandas      pandas.read_excel(path, sheet_name=None) with the openpyxl engine
  calamine    bare python-calamine read of every sheet's values (close to the floor)
The last line is one JSON object. Targets: >= 10x faster than pandas/openpyxl, within 2x of
bare calamine, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 workbooks instead of 1,000")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    n = args.n or (100 if args.quick else 1000)

    with tempfile.TemporaryDirectory(prefix="bench-questionnaire-") as tmp:
        t0 = time.perf_counter()
        paths = generate(n, Path(tmp), args.workers)
        gen_s = time.perf_counter() - t0
        print(f"generated {len(paths)} workbooks in {gen_s:.1f} s", file=sys.stderr)

        from exportkit.questionnaire import score_files

        t0 = time.perf_counter()
        batch = score_files(paths)
        exportkit_s = time.perf_counter() - t0
        exportkit_rss = rss_mb()
        assert not batch.failures, batch.failures[0].messages()
        assert len(batch.results) == n
        print(f"exportkit import+validate+score: {exportkit_s:.2f} s", file=sys.stderr)

        import python_calamine

        t0 = time.perf_counter()
        cells = 0
        for p in paths:
            wb = python_calamine.CalamineWorkbook.from_path(str(p))
            for name in wb.sheet_names:
                cells += len(wb.get_sheet_by_name(name).to_python())
        calamine_s = time.perf_counter() - t0
        print(f"bare python-calamine read: {calamine_s:.2f} s", file=sys.stderr)

        import pandas as pd

        t0 = time.perf_counter()
        for p in paths:
            pd.read_excel(p, sheet_name=None, engine="openpyxl")
        pandas_s = time.perf_counter() - t0
        print(f"pandas.read_excel(openpyxl): {pandas_s:.2f} s", file=sys.stderr)

    finish(
        {
            "benchmark": "questionnaire",
            "files": n,
            "exportkit_s": round(exportkit_s, 3),
            "pandas_openpyxl_s": round(pandas_s, 3),
            "calamine_s": round(calamine_s, 3),
            "speedup_vs_pandas": round(pandas_s / exportkit_s, 1),
            "ratio_to_calamine": round(exportkit_s / calamine_s, 2),
            "exportkit_peak_rss_mb": round(exportkit_rss, 1),
            "peak_rss_mb": round(rss_mb(), 1),
            "generate_s": round(gen_s, 1),
        },
        libs=["python-calamine", "pandas", "openpyxl"],
        baseline="bare python-calamine read of every sheet and pandas.read_excel(openpyxl), "
        "same files (calamine_s, pandas_openpyxl_s)",
    )


if __name__ == "__main__":
    main()
