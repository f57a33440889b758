"""`exportkit crawl --scrapyd`: spiders deployed to a real Scrapyd server with the real
scrapyd-deploy, scheduled and followed by exportkit, writing into the server's PostgreSQL
store, whose rows then appear in `exportkit markets --db postgresql://…`. Only 127.0.0.1 is
contacted (Scrapyd, PostgreSQL and the replay server of the public sources)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from replay_server import ReplayServer
from scrapyd_server import scrapyd_deploy

from exportkit.cli import main
from exportkit.errors import ScrapydError, UsageError
from exportkit.ingest.scrapyd import run_scrapyd_crawl
from exportkit.store import open_store

pytestmark = pytest.mark.slow

FAST = [
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "DOWNLOAD_DELAY_JITTER=0",
    "RETRY_BACKOFF_BASE=0",
]


TEAM_DOC = Path(__file__).resolve().parents[1] / "docs" / "team.md"


def deploy_folder_from_the_docs(folder: Path, url: str) -> Path:
    """The deploy folder exactly as docs/team.md section 3 writes it (its ``cat > … <<'EOF'``
    blocks), aimed at ``url``: the test deploys what the office set-up tells people to."""
    text = TEAM_DOC.read_text(encoding="utf-8")
    files = dict(re.findall(r"cat > (scrapy\.cfg|setup\.py) <<'EOF'\n(.*?)\nEOF", text, re.S))
    assert set(files) == {"scrapy.cfg", "setup.py"}, "docs/team.md lost its deploy files"
    assert "url = http://localhost:6800/" in files["scrapy.cfg"]
    folder.mkdir(parents=True)
    (folder / "scrapy.cfg").write_text(
        files["scrapy.cfg"].replace("http://localhost:6800/", url.rstrip("/") + "/") + "\n"
    )
    (folder / "setup.py").write_text(files["setup.py"] + "\n")
    return folder


@pytest.fixture
def deployed(tmp_path, pg_url, scrapyd_factory, monkeypatch):
    """A Scrapyd server whose jobs write into ``pg_url`` (its own EXPORTKIT_DB), with
    exportkit's spiders deployed to it."""
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    scrapyd = scrapyd_factory(
        {"EXPORTKIT_DB": pg_url, "EXPORTKIT_CACHE_DIR": str(tmp_path / "server-cache")}
    )
    folder = deploy_folder_from_the_docs(tmp_path / "deploy", scrapyd.url)
    done = scrapyd_deploy(folder, "--version", "r1")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == "ok" and answer["spiders"] == 6
    return scrapyd


def test_a_scrapyd_crawl_lands_in_postgresql_and_shows_in_markets(deployed, pg_url, runner):
    with ReplayServer(["comtrade"]) as replay:
        result = runner.invoke(
            main,
            [
                "crawl", "comtrade", "--scrapyd", deployed.url,
                "--countries", "THA,IND", "--years", "2022:2023", "--hs", "TOTAL,8471,847130",
                "--source-url", f"comtrade={replay.url}",
                *[a for s in FAST for a in ("-s", s)],
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert replay.log, "the job never reached the replay server"
    assert "comtrade" in result.output and "26 stored" in result.output, result.output

    with open_store(pg_url) as store:  # the server's store: this test never passed --db
        run = store.crawl_runs("comtrade").iloc[0]
        flows = store.trade_flows(["THA"], ["847130"], partners=["WLD"], flow="M")
    assert run["status"] == "ok" and json.loads(run["counts"])["items_stored"] == 26
    latest = flows.sort_values("year").iloc[-1]
    assert latest["source"] == "comtrade" and latest["value_usd"] > 0

    ranked = runner.invoke(
        main,
        ["markets", "--markets", "TH,IN", "--hs", "847130", "--format", "json", "--db", pg_url],
    )
    assert ranked.exit_code == 0, ranked.output
    tha = next(m for m in json.loads(ranked.output) if m["iso3"] == "THA")
    assert tha["imports_usd"] == latest["value_usd"]
    assert tha["product_year"] == latest["year"]


def test_progress_is_followed_while_another_process_reads_the_store(deployed, pg_url):
    """The library call behind the command: every job is scheduled, reported while it runs
    and finished with the run's counts; the store stays readable (here: by this process)
    while the Scrapyd job writes into it."""
    events, reads = [], []

    def progress(event):
        events.append(event)
        with open_store(pg_url, snapshot=False) as reader:  # never blocked by the writer
            reads.append(reader.counts()["indicators"])

    with ReplayServer(["worldbank"]) as replay:
        result = run_scrapyd_crawl(
            deployed.url,
            ["worldbank"],
            countries="THA,VNM",
            years="2021:2023",
            indicators="NY.GDP.MKTP.CD,SP.POP.TOTL",
            source_urls=[f"worldbank={replay.url}"],
            settings=FAST,
            progress=progress,
            poll_seconds=0.2,
        )
    (source,) = result.sources
    assert result.ok and source.counts["items_stored"] == 12 and source.run_id
    kinds = [e["event"] for e in events]
    assert kinds[0] == "scheduled" and "started" in kinds and kinds[-1] == "finished"
    assert {e["job"] for e in events} == {events[0]["job"]}
    assert reads and reads[-1] >= reads[0]
    with open_store(pg_url) as store:
        run = store.crawl_runs("worldbank").iloc[0]
        assert run["run_id"] == source.run_id and run["status"] == "ok"


def test_a_server_without_exportkit_deployed_says_how_to_deploy(scrapyd_factory):
    scrapyd = scrapyd_factory()
    with pytest.raises(ScrapydError, match="deploy exportkit's spiders there first"):
        run_scrapyd_crawl(scrapyd.url, ["worldbank"])


def test_a_local_file_is_refused_as_the_servers_store(tmp_path):
    with pytest.raises(UsageError, match="cannot be written by the Scrapyd server"):
        run_scrapyd_crawl("http://127.0.0.1:6800", ["worldbank"], db=tmp_path / "m.duckdb")


def test_an_unreachable_server_is_one_clear_error(runner):
    from loopback import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(main, ["crawl", "worldbank", "--scrapyd", url])
    assert result.exit_code == 1 and f"cannot reach the Scrapyd server {url}" in result.output
    assert "Traceback" not in result.output


def test_the_follower_reads_progress_split_across_polls_and_reports_a_lost_job():
    """Without a server: listjobs answers and log bytes as a Scrapyd server would give them
    over three polls, a progress line cut in the middle by a poll, and a second job that ends
    without its finished event (killed)."""
    from exportkit.ingest import scrapyd as sd

    marker = "2026-12-03 [exportkit.progress] WARNING: exportkit-progress "
    lines = [
        marker + json.dumps({"event": "started", "source": "worldbank", "requests": 0}),
        "2026-12-03 [scrapy.core.engine] WARNING: something to keep",
        marker + json.dumps({"event": "progress", "source": "worldbank", "requests": 3}),
        marker + json.dumps({"event": "finished", "source": "worldbank", "status": "ok",
                             "counts": {"items_stored": 12}, "errors": [], "run_id": 7}),
    ]  # fmt: skip
    log = ("\n".join(lines) + "\n").encode()
    cut = log.index(b"progress", len(lines[0]) + 40) + 3  # inside the second progress line
    chunks = {"a": [log[:cut], log[cut:], b""], "b": [b"Traceback: killed\n", b"", b""]}
    states = [("running", "running"), ("running", "finished"), ("finished", "finished")]

    class FakeClient(sd.ScrapydClient):
        polls = 0

        def jobs(self):
            a, b = states[min(self.polls, 2)]
            self.polls += 1
            return {"a": (a, {"log_url": "/logs/a.log"}), "b": (b, {})}

        def log_from(self, path, offset):
            job = "a" if path == "/logs/a.log" else "b"
            return chunks[job].pop(0) if chunks[job] else b""

    follows = [sd._Follow("worldbank", "a"), sd._Follow("comtrade", "b")]
    events = []
    sd._follow_all(FakeClient("http://127.0.0.1:1"), follows, events.append, 0, lambda s: None)
    assert [e["event"] for e in events] == ["started", "progress", "finished"]
    assert [e["requests"] for e in events[:2]] == [0, 3] and {e["job"] for e in events} == {"a"}
    ok, lost = (sd._result(f, "http://127.0.0.1:1") for f in follows)
    assert (ok.status, ok.counts, ok.run_id) == ("ok", {"items_stored": 12}, 7)
    assert lost.status == "failed" and "killed" in lost.errors[0].detail
    assert "something to keep" in " ".join(follows[0].tail)


def test_ctrl_c_while_following_cancels_the_job_on_the_server(deployed, pg_url):
    """Ctrl-C on the consultant's laptop must not leave a crawl running on the office server:
    the job is cancelled there, and what it stored so far stays (nothing half-written)."""
    from exportkit.ingest.scrapyd import ScrapydClient

    def interrupt(seconds):
        raise KeyboardInterrupt

    slow = [s for s in FAST if not s.startswith("DOWNLOAD_DELAY=")] + ["DOWNLOAD_DELAY=3"]
    with ReplayServer(["worldbank"]) as replay:
        with pytest.raises(KeyboardInterrupt):
            run_scrapyd_crawl(
                deployed.url,
                ["worldbank"],
                countries="THA,VNM,MYS,IND,IDN,PHL",
                years="2019:2023",
                source_urls=[f"worldbank={replay.url}"],
                settings=slow,
                sleep=interrupt,
            )
        client = ScrapydClient(deployed.url)
        (job,) = client.jobs()
        for _ in range(150):  # cancelled: the job ends long before its slow crawl would
            state, entry = client.jobs()[job]
            if state == "finished":
                break
            time.sleep(0.2)
        assert state == "finished", f"job {job} still {state} after cancel"
        started, ended = (entry.get(k) for k in ("start_time", "end_time"))
    assert started and ended
    with open_store(pg_url) as store:
        runs = store.crawl_runs("worldbank")
    assert len(runs) <= 1
    if len(runs):
        assert runs.iloc[0]["status"] != "ok", runs.iloc[0].to_dict()
