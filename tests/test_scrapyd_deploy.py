"""exportkit's spiders on a real Scrapyd server (tests/scrapyd_server.py): deployed with the
real scrapyd-deploy, scheduled through schedule.json, followed through listjobs.json, writing
into the store the server's settings name. Only 127.0.0.1 is contacted (the replay server)."""

from __future__ import annotations

import json

import pytest
from replay_server import ReplayServer
from scrapyd_server import PROJECT, scrapyd_deploy, write_deploy_project

from exportkit.store import open_store

pytestmark = pytest.mark.slow

FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
    "RETRY_BACKOFF_BASE": "0",
}
GDP, POP = "NY.GDP.MKTP.CD", "SP.POP.TOTL"


def worldbank_rows(db) -> list[tuple]:
    with open_store(db) as store:
        return store.con.execute(
            "SELECT iso3, indicator, year, value FROM indicators WHERE source = 'worldbank' "
            "ORDER BY iso3, indicator, year"
        ).fetchall()


def test_deployed_spider_is_scheduled_finishes_and_writes_the_servers_store(
    tmp_path, scrapyd_factory
):
    server_db, job_db = tmp_path / "server.duckdb", tmp_path / "job.duckdb"
    with ReplayServer(["worldbank"]) as replay:
        scrapyd = scrapyd_factory(
            {"EXPORTKIT_DB": str(server_db), "EXPORTKIT_CACHE_DIR": str(tmp_path / "cache")}
        )
        deploy_dir = write_deploy_project(tmp_path / "deploy", scrapyd.url)
        done = scrapyd_deploy(deploy_dir, "--version", "r1")
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["status"] == "ok" and answer["project"] == PROJECT
        assert answer["spiders"] == 6  # every source, found through the settings-only egg
        spiders = scrapyd.get("listspiders.json", project=PROJECT)["spiders"]
        assert {"worldbank", "comtrade", "wits_tariffs", "market_news"} <= set(spiders)

        args = {"countries": "THA,VNM", "years": "2021:2023", "source_url": replay.url}
        job = scrapyd.schedule("worldbank", FAST, indicators=f"{GDP},{POP}", **args)
        entry = scrapyd.wait(job)
        log = scrapyd.log("worldbank", job)
        assert entry["state"] == "finished" and " ERROR: " not in log, log[-2000:]

        # the store named by the server's environment got the crawl and its run record
        rows = worldbank_rows(server_db)
        assert len(rows) == 11  # 12 stored; VNM's 2023 null never erased the snapshot's figure
        assert rows[0] == ("THA", GDP, 2021, 506256299257.04)
        with open_store(server_db) as store:
            run = store.crawl_runs("worldbank").iloc[0].to_dict()
        assert run["status"] == "ok" and json.loads(run["counts"])["items_stored"] == 12
        assert any(r.path.startswith("/v2/country/THA;VNM/indicator/") for r in replay.log)

        # a job's own setting=EXPORTKIT_DB=… overrides the server's store
        job2 = scrapyd.schedule("worldbank", {**FAST, "EXPORTKIT_DB": str(job_db)}, indicators=GDP, **args)  # fmt: skip
        scrapyd.wait(job2)
    assert [r[:3] for r in worldbank_rows(job_db)] == [
        ("THA", GDP, 2021), ("THA", GDP, 2022), ("THA", GDP, 2023),
        ("VNM", GDP, 2021), ("VNM", GDP, 2022), ("VNM", GDP, 2023),
    ]  # fmt: skip
    assert len(worldbank_rows(server_db)) == 11  # untouched by the second job


def test_schedule_refuses_an_unknown_spider(tmp_path, scrapyd_factory):
    from scrapyd_server import ScrapydError, build_settings_egg

    scrapyd = scrapyd_factory()
    scrapyd.deploy(build_settings_egg(tmp_path / "deploy"))
    with pytest.raises(ScrapydError, match="spider 'nosuch' not found"):
        scrapyd.schedule("nosuch")
