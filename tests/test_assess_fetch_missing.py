"""`exportkit assess --fetch-missing`: the Comtrade imports a batch's HS codes lack are crawled
(from the local replay server only) before the assessment, or, when the source cannot be
reached, one line says what is missing and how to get it and the assessment completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import free_port
from replay_server import ReplayServer

from exportkit.cli import main
from exportkit.countries import to_m49
from exportkit.resources import examples_dir
from exportkit.results import expand
from exportkit.store import open_store

pytestmark = pytest.mark.slow

COSMETICS = next(Path(str(examples_dir())).glob("03-*.xlsx"))  # HS 330410, 330499
CODES = ("330410", "330499")
MARKETS = ("THA", "VNM")
YEARS = (2019, 2020, 2021, 2022, 2023)  # the spider's default years
PRODUCT_HOW = "Product-level figures"  # the brief's sentence when it has no product data
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
    "RETRY_BACKOFF_BASE": "0",
}
# world imports (US$) in 2019, growing 8 % a year; Taiwan's part 3 %
BASE = {("THA", "330410"): 120e6, ("THA", "330499"): 610e6, ("VNM", "330410"): 85e6}
BASE[("VNM", "330499")] = 390e6


def query(iso3: str, path: str = "/public/v1/preview/C/A/HS") -> str:
    """The call the spider plans for one reporter: all the firm's codes fit under the cap."""
    return (
        f"{path}?reporterCode={to_m49(iso3)}&period={','.join(map(str, YEARS))}"
        f"&partnerCode=0,490&cmdCode={','.join(CODES)}&flowCode=M&includeDesc=True"
    )


def world_imports(iso3: str, code: str, year: int) -> float:
    return round(BASE[(iso3, code)] * 1.08 ** (year - YEARS[0]))


def answer(iso3: str) -> bytes:
    """A Comtrade answer in the API's record layout (generated figures, not real ones)."""
    records = []
    for code in CODES:
        for year in YEARS:
            world = world_imports(iso3, code, year)
            for partner, iso, value in ((0, "W00", world), (490, "S19", round(world * 0.03))):
                records.append(
                    {
                        "typeCode": "C", "freqCode": "A", "refYear": year, "period": str(year),
                        "reporterCode": to_m49(iso3), "reporterISO": iso3, "flowCode": "M",
                        "partnerCode": partner, "partnerISO": iso, "classificationCode": "H6",
                        "cmdCode": code, "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": None,
                        "cifvalue": value, "primaryValue": value, "isReported": True,
                    }
                )  # fmt: skip
    return json.dumps({"elapsedTime": "0.2 secs", "count": len(records), "data": records}).encode()


@pytest.fixture(scope="module")
def server():
    with ReplayServer() as s:
        for iso3 in MARKETS:
            s.add(query(iso3), answer(iso3))
            s.add(query(iso3, "/data/v1/get/C/A/HS"), answer(iso3))
        yield s


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Its own HTTP cache and database; no key unless a test sets one; fast politeness."""
    monkeypatch.setenv("EXPORTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    for name, value in FAST.items():
        monkeypatch.setenv(f"EXPORTKIT_SCRAPY_{name}", value)
    return tmp_path


def assess(runner, out: Path, *args: str):
    return runner.invoke(
        main,
        ["assess", str(COSMETICS), "--markets", "TH,VN", "-o", str(out), *args],
        catch_exceptions=False,
    )


def products(out: Path) -> dict[str, dict]:
    """Market → the product view of the firm's codes in results.json."""
    doc = expand(json.loads((out / "results.json").read_text(encoding="utf-8")))
    (firm,) = doc["firms"]
    return {m["iso3"]: m["product"] for m in firm["markets"]}


def brief(out: Path, iso3: str) -> str:
    (path,) = out.glob(f"*/{iso3}.html")
    return path.read_text(encoding="utf-8")


def comtrade_rows(db: Path) -> list[tuple]:
    with open_store(db) as store:
        return store.con.execute(
            "SELECT reporter_iso3, partner_iso3, hs_code, year, value_usd FROM trade_flows "
            "WHERE source = 'comtrade' ORDER BY 1, 3, 4, 2"
        ).fetchall()


def test_missing_codes_are_fetched_stored_and_assessed(runner, server, env):
    db = env / "market.duckdb"
    without = assess(runner, env / "before", "--format", "json,html")
    assert without.exit_code == 0, without.output
    assert all(p["imports_usd"] is None for p in products(env / "before").values())
    assert PRODUCT_HOW in brief(env / "before", "THA")

    mark = server.mark()
    result = assess(
        runner,
        env / "out",
        "--format",
        "json,html",
        "--fetch-missing",
        "--comtrade-url",
        server.url,
    )
    assert result.exit_code == 0, result.output
    # one call per reporter: the firm's two codes × 5 years × 2 partners fit under the cap
    asked = sorted(r.path for r in server.log[mark:] if r.path.startswith("/public/"))
    assert asked == sorted(query(m) for m in MARKETS)
    assert all(r.status == 200 for r in server.log[mark:])
    lines = [line for line in result.stderr.splitlines() if "Comtrade" in line]
    # robots.txt and one call per reporter
    assert lines == ["Fetched 40 UN Comtrade rows (2 market(s) × 2 HS code(s), 3 request(s))."]

    rows = comtrade_rows(db)
    assert len(rows) == len(MARKETS) * len(CODES) * len(YEARS) * 2
    assert ("THA", "WLD", "330499", 2023, float(world_imports("THA", "330499", 2023))) in rows
    assert ("VNM", "TWN", "330410", 2019, float(round(85e6 * 0.03))) in rows

    for iso3, product in products(env / "out").items():
        expected = sum(world_imports(iso3, c, 2023) for c in CODES)
        assert product["imports_usd"] == pytest.approx(expected)
        assert product["imports_growth_5y"] == pytest.approx(8.0, abs=0.01)
        assert product["taiwan_share"] == pytest.approx(3.0, abs=0.01)
        assert product["trade_source"]["source"] == "comtrade"
        assert product["trade_source"]["url"].startswith(server.url + "/public/v1/")

    for iso3 in MARKETS:  # the briefs show the product section instead of the placeholder
        html = brief(env / "out", iso3)
        assert PRODUCT_HOW not in html
        assert "UN Comtrade (API) · 2023" in html  # the figures' source, by name, and year
        assert ">comtrade" not in html and " comtrade ·" not in html  # never the spider's name

    # Asked again: nothing is missing, nothing is requested.
    mark = server.mark()
    again = assess(runner, env / "again", "--fetch-missing", "--comtrade-url", server.url)
    assert again.exit_code == 0, again.output
    assert server.log[mark:] == []
    assert "nothing to fetch" in again.stderr


def test_with_an_api_key_the_data_endpoint_is_used_and_the_line_is_in_chinese(
    runner, server, env, monkeypatch
):
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key-not-real")
    mark = server.mark()
    result = runner.invoke(
        main,
        ["--lang", "zh-TW", "assess", str(COSMETICS), "--markets", "TH,VN", "-o",
         str(env / "out"), "--fetch-missing", "--comtrade-url", server.url],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    asked = sorted(r.path for r in server.log[mark:] if not r.path.startswith("/robots"))
    assert asked == sorted(query(m, "/data/v1/get/C/A/HS") for m in MARKETS)
    assert "test-key-not-real" not in "".join(asked)  # the key travels in a header
    assert "已自 UN Comtrade 擷取 40 筆資料" in result.stderr
    assert all(p["imports_usd"] for p in products(env / "out").values())


@pytest.mark.parametrize(
    ("lang", "start"), [("en", "Could not fetch UN Comtrade figures"), ("zh-TW", "無法取得")]
)
def test_an_unreachable_source_gives_one_line_and_the_assessment_completes(
    runner, env, monkeypatch, lang, start
):
    monkeypatch.setenv("EXPORTKIT_SCRAPY_RETRY_TIMES", "0")
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(
        main,
        ["--lang", lang, "assess", str(COSMETICS), "--markets", "TH,VN", "-o", str(env / "out"),
         "--fetch-missing", "--comtrade-url", url],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "Comtrade" in line]
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith(start)
    assert "4" in line  # 2 markets × 2 codes missing
    assert "exportkit crawl comtrade --countries THA,VNM --hs 330410,330499" in line
    assert "exportkit data import-baci" in line
    assert "Traceback" not in result.output
    assert all(p["imports_usd"] is None for p in products(env / "out").values())
    assert comtrade_rows(env / "market.duckdb") == []


def test_a_malformed_comtrade_url_is_refused_before_any_work(runner, env):
    result = assess(runner, env / "out", "--fetch-missing", "--comtrade-url", "127.0.0.1:9")
    assert result.exit_code == 2
    assert "expected SOURCE=http(s)://HOST[:PORT]" in result.output
    assert not (env / "out").exists()


def test_codes_comtrade_lacks_stay_missing_and_the_line_says_how_to_get_them(runner, server, env):
    server.fault(query("VNM"), body=b'{"elapsedTime": "0.1 secs", "count": 0, "data": []}')
    result = assess(runner, env / "out", "--fetch-missing", "--comtrade-url", server.url)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "Comtrade" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fetched 20 UN Comtrade rows; imports are still missing for 2 ")
    assert "exportkit crawl comtrade --countries VNM --hs 330410,330499" in lines[0]
    found = products(env / "out")
    assert found["THA"]["imports_usd"] and found["VNM"]["imports_usd"] is None
