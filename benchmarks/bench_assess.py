"""Benchmark: `exportkit assess` for 1,000 firms × 18 markets → results.json + portfolio.xlsx.

    python benchmarks/bench_assess.py [--quick] [--n N] [--html]

Generates N filled export-readiness workbooks through the template (varied firms: size,
experience, B2B/B2C, HS codes from a pool), and a market database holding the bundled snapshot
plus SYNTHETIC trade flows and tariffs for the HS pool (benchmark-only data, never shipped), so
the product view is exercised. Then, each in its own process so peak memory is its own:

  assess     run_assessment(): import + validate + score every workbook, rank markets once,
             product view per HS set, market fit + entry modes per firm × market, history
             (save + previous), results.json (schema-validated), firms/*.json, portfolio.xlsx
  scoring    score_files() alone on the same workbooks (the import floor assess builds on)
  naive      the per-firm way: market_profile() per firm × market (ranks markets again for
             every call), timed on a sample of firms and reported per firm
  html       (--html only) the same run with --format json,xlsx,html: index.html and per firm
             its readiness report and country briefs (default --briefs 3 + named targets);
             reported, no target (PDF throughput is bench_reports.py's)

Last line: one JSON object with firms, markets, assess_s, peak_rss_mb (and children_peak_rss_mb, the
largest of its forked helpers) and the baselines.
Targets (issue 14, 2-core machine, 1,000 firms × 18 markets): assess_s ≤ 8,
assess_over_scoring ≤ 2.6 (the same run's scoring_only_s as the floor), peak_rss_mb < 500,
results_json_mb ≤ 20. ``targets_met`` is null at any other size (--quick, --n): the figures
are printed, the verdict is not.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from _machine import finish

DEFINITION = "export-readiness"
TARGET_FIRMS = 1000  # the size the targets are for
TARGETS = {"assess_s": 8.0, "assess_over_scoring": 2.6, "peak_rss_mb": 500, "results_json_mb": 20}
HS_POOL = ["8466", "846693", "848340", "1905", "170490", "330499", "330410", "851762",
           "903180", "847150", "871494", "871493"]  # fmt: skip
MARKET_NAMES_ZH = ["越南", "泰國", "馬來西亞", "印尼", "菲律賓", "印度", "新加坡", "澳洲"]
CUSTOMER = {"zh-TW": ["一般消費者（B2C）", "企業或機構客戶（B2B）", "兩者皆有"], "en": ["Consumers (B2C)", "Businesses or institutions (B2B)", "Both"]}  # fmt: skip


def _profile(i: int, rng: random.Random, lang: str) -> dict:
    from exportkit.questionnaire.answers import valid_tax_id

    prefix = f"{rng.randrange(1_000_000, 9_999_999)}"
    tax_id = next(prefix + d for d in "0123456789" if valid_tax_id(prefix + d))
    zh = lang == "zh-TW"
    big = rng.random() < 0.25
    markets = rng.sample(MARKET_NAMES_ZH, rng.randrange(0, 4))
    return {
        "firm_name": f"測試企業{i:04d}股份有限公司" if zh else f"Bench Firm {i:04d} Ltd.",
        "tax_id": tax_id,
        "contact_person": "王小明" if zh else "Alex Wang",
        "industry": "其他" if zh else "Other",
        "founded": rng.randrange(1970, 2024),
        "employees": str(rng.randrange(200, 1500) if big else rng.randrange(3, 200)),
        "revenue_ntd": rng.randrange(5, 3000) * 1_000_000,
        "export_share": rng.randrange(0, 95),
        "products": "精密零組件" if zh else "Precision parts",
        "hs_codes": ", ".join(rng.sample(HS_POOL, rng.randrange(1, 4))),
        "current_markets": "、".join(markets) if markets else None,
        "target_markets": rng.choice(["越南、泰國", "印度、印尼", "馬來西亞、菲律賓"]),
        "customer_type": rng.choice(CUSTOMER[lang]),
        "sells_online": rng.choice(["是", "否"] if zh else ["Yes", "No"]),
        "tacit_knowhow_share": rng.randrange(0, 100),
        "invest_willingness": rng.randrange(1, 6),
        "invest_budget_ntd": rng.choice([None, 1_000_000, 10_000_000, 50_000_000]),
        "after_sales_need": rng.randrange(1, 6),
    }


def _generate(args: tuple[int, int, str]) -> int:
    """Worker: workbooks [start, stop) from one loaded template per language."""
    start, stop, out_dir = args
    from openpyxl import load_workbook

    from exportkit.questionnaire import load_definition, write_template
    from exportkit.questionnaire.filling import answers_for_levels, fill_workbook

    dims = [s.id for s in load_definition(DEFINITION).dimensions]
    books = {}
    for lang in ("zh-TW", "en"):
        blank = write_template(DEFINITION, lang, Path(out_dir) / f"_blank-{start}-{lang}.tmp.xlsx")
        books[lang] = load_workbook(blank)
        blank.unlink()
    for i in range(start, stop):
        rng = random.Random(i)
        lang = "zh-TW" if i % 3 else "en"
        base = rng.random()
        levels = {d: min(1.0, max(0.0, base + rng.uniform(-0.25, 0.25))) for d in dims}
        answers = answers_for_levels(
            DEFINITION, levels, lang, seed=i, profile=_profile(i, rng, lang)
        )
        wb = fill_workbook(books[lang], answers)
        wb.save(Path(out_dir) / f"firm-{i:05d}.xlsx")
    return stop - start


def generate(n: int, out_dir: Path, workers: int) -> list[Path]:
    chunks = [(s, min(n, s + 50), str(out_dir)) for s in range(0, n, 50)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        assert sum(pool.map(_generate, chunks)) == n
    return sorted(out_dir.glob("firm-*.xlsx"))


def build_database(path: Path) -> None:
    """Bundled snapshot + synthetic trade flows and tariffs for the HS pool (benchmark only)."""
    from exportkit.countries import NSB18
    from exportkit.models import Tariff, TradeFlow
    from exportkit.store import open_store

    rng = random.Random(42)
    now = datetime(2026, 1, 1)
    src, url = "synthetic benchmark data", "https://example.invalid/bench"
    flows, tariffs = [], []
    for iso3 in NSB18:
        for code in HS_POOL:
            base = 10 ** rng.uniform(5, 9)
            growth = rng.uniform(-0.05, 0.15)
            for k, year in enumerate(range(2018, 2024)):
                world = base * (1 + growth) ** k
                for partner, share in (("WLD", 1.0), ("TWN", rng.uniform(0.01, 0.2)), ("CHN", 0.3)):
                    flows.append(
                        TradeFlow(iso3, partner, code, year, "M", world * share, src, url, now)
                    )
            tariffs.append(
                Tariff(iso3, "WLD", code, 2023, "MFN", rng.uniform(0, 25), src, url, now)
            )
    with open_store(path) as store:
        store.upsert_trade_flows(flows)
        store.upsert_tariffs(tariffs)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_assess(paths, out, db, formats, queue) -> None:
    from exportkit.assess import run_assessment

    t0 = time.perf_counter()
    run = run_assessment(paths, markets="nsp18", formats=formats, outdir=out, db=db)
    elapsed = time.perf_counter() - t0
    queue.put(
        {
            "s": elapsed,
            "rss": _peak_mb(),
            # its forked helpers (questionnaire workers, the half of the recommendations, the
            # portfolio writer): the largest of them, alive at the same time as this process
            "children_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "firms": len(run.firms),
            "failures": len(run.failures) + len(run.document_failures),
            "documents": run.documents_written,
            "json_mb": (Path(out) / "results.json").stat().st_size / 1e6,
            "xlsx_mb": (Path(out) / "portfolio.xlsx").stat().st_size / 1e6,
        }
    )


def _child_scoring(paths, queue) -> None:
    from exportkit.questionnaire import score_files

    t0 = time.perf_counter()
    batch = score_files(paths)
    queue.put({"s": time.perf_counter() - t0, "rss": _peak_mb(), "firms": len(batch.results)})


def _child_naive(paths, db, queue) -> None:
    """Per firm × market market_profile() (what a straightforward loop would do)."""
    from exportkit.countries import NSB18
    from exportkit.entry_mode.recommend import recommend_markets
    from exportkit.markets import market_profile
    from exportkit.questionnaire import score_files
    from exportkit.store import open_store

    batch = score_files(paths)
    by_file = {a.file: a for a in batch.answers}
    t0 = time.perf_counter()
    with open_store(db) as store:
        for score in batch.results:
            firm = by_file[score.file].firm
            profiles = [market_profile(store, iso3, firm.hs_codes) for iso3 in NSB18]
            recommend_markets(firm, score, profiles)
    queue.put({"s": time.perf_counter() - t0, "firms": len(batch.results)})


def _targets_met(n: int, assess: dict, scoring: dict) -> bool | None:
    """The verdict on the targets, which are for TARGET_FIRMS firms (None at another size)."""
    if n != TARGET_FIRMS:
        return None
    return (
        assess["s"] <= TARGETS["assess_s"]
        and assess["s"] / scoring["s"] <= TARGETS["assess_over_scoring"]
        and assess["rss"] < TARGETS["peak_rss_mb"]
        and assess["json_mb"] <= TARGETS["results_json_mb"]
    )


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 firms instead of 1,000")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument(
        "--naive-sample", type=int, default=None, help="firms timed the naive way (20; --quick 5)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--html", action="store_true", help="also time the run with HTML reports (no target)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="generate the workbooks and database into this folder once; reuse them later",
    )
    args = parser.parse_args()
    n = args.n or (100 if args.quick else 1000)

    with tempfile.TemporaryDirectory(prefix="bench-assess-") as tmp:
        tmp = Path(tmp)
        keep = args.keep or tmp
        (keep / "in").mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        paths = sorted(str(p) for p in (keep / "in").glob("firm-*.xlsx"))[:n]
        if len(paths) < n:
            paths = [str(p) for p in generate(n, keep / "in", args.workers)]
        db = tmp / "market.duckdb"  # fresh each run: the history of earlier runs stays out
        if args.keep and (keep / "market.duckdb").exists():
            shutil.copy(keep / "market.duckdb", db)
        else:
            build_database(db)
            if args.keep:
                shutil.copy(db, keep / "market.duckdb")
        print(
            f"generated {len(paths)} workbooks and the database in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )

        assess = _in_child(_child_assess, paths, str(tmp / "out"), str(db), "json,xlsx")
        assert assess["firms"] == n and assess["failures"] == 0, assess
        print(f"assess: {assess['s']:.1f} s, peak {assess['rss']:.0f} MB", file=sys.stderr)
        html = None
        if args.html:
            html = _in_child(_child_assess, paths, str(tmp / "out-html"), str(db), "json,xlsx,html")
            assert html["firms"] == n and html["failures"] == 0, html
            print(
                f"assess with html: {html['s']:.1f} s, {html['documents']} documents, "
                f"peak {html['rss']:.0f} MB",
                file=sys.stderr,
            )
        scoring = _in_child(_child_scoring, paths)
        print(f"scoring only: {scoring['s']:.1f} s", file=sys.stderr)
        sample = paths[: args.naive_sample or (5 if args.quick else 20)]
        naive = _in_child(_child_naive, sample, str(db))
        print(f"naive profiles for {len(sample)} firms: {naive['s']:.1f} s", file=sys.stderr)

    naive_per_firm = naive["s"] / max(1, naive["firms"])
    assess_per_firm = assess["s"] / n
    extra = {}
    if html is not None:
        extra = {
            "html_assess_s": round(html["s"], 2),
            "html_peak_rss_mb": round(html["rss"], 1),
            "html_documents": html["documents"],
            "html_extra_s_per_document": round((html["s"] - assess["s"]) / html["documents"], 4),
        }
    finish(
        {
            "benchmark": "assess",
            "firms": n,
            "markets": 18,
            "assess_s": round(assess["s"], 2),
            "peak_rss_mb": round(assess["rss"], 1),
            "children_peak_rss_mb": round(assess["children_rss"], 1),
            "scoring_only_s": round(scoring["s"], 2),
            "scoring_only_peak_rss_mb": round(scoring["rss"], 1),
            "assess_over_scoring": round(assess["s"] / scoring["s"], 2),
            "naive_markets_recommend_s_per_firm": round(naive_per_firm, 4),
            "naive_sample_firms": naive["firms"],
            "assess_s_per_firm": round(assess_per_firm, 4),
            "results_json_mb": round(assess["json_mb"], 1),
            "portfolio_xlsx_mb": round(assess["xlsx_mb"], 1),
            "targets_met": _targets_met(n, assess, scoring),
            **extra,
        },
        libs=["python-calamine", "duckdb", "numpy", "openpyxl", "jsonschema"],
        baseline="score_files() alone on the same workbooks (scoring_only_s); per firm "
        "market_profile() calls on a sample (naive_markets_recommend_s_per_firm)",
    )


if __name__ == "__main__":
    main()
