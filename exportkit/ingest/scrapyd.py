"""Crawls on a Scrapyd server: :func:`run_scrapyd_crawl` schedules one job per source and
follows each to its end (``exportkit crawl --scrapyd URL SOURCE…``).

The server runs exportkit's Scrapy project as deployed with ``scrapyd-deploy`` (docs/team.md:
exportkit installed in the server's environment, a settings-only egg). Each job writes into the
store the *server's* settings name — ``EXPORTKIT_DB`` in the environment of the ``scrapyd``
process, e.g. the office's PostgreSQL — or into ``db`` when given (a ``postgresql://`` URL the
server can reach; a file on this computer it could not).

Following a job: ``listjobs.json`` says pending / running / finished; the job's log (Scrapyd's
``log_url``, read from where the last poll stopped) holds the ``exportkit-progress {…}`` lines
the spiders' ``ProgressReporter`` writes when scheduled with ``EXPORTKIT_PROGRESS_LOG``, the
last one the ``finished`` event with the run's status, counts and errors — the same events
``run_crawl`` gets from its child process, so the same progress display and summary serve both.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exportkit.errors import ScrapydError, SourceError, UsageError
from exportkit.ingest.crawl import CrawlResult, ProgressCallback, SourceResult, build_job
from exportkit.spiders.config import PROGRESS_LOG_MARKER as LOG_MARKER
from exportkit.store import is_url

PROJECT = "exportkit"
POLL_SECONDS = 1.0
#: seconds between a job's progress lines in its log (the server's default would be 0.5)
PROGRESS_INTERVAL = "2"
#: polls a job may be missing from listjobs.json before it counts as lost
MISSING_POLLS = 30
LOG_TAIL_LINES = 40  # per job, kept for the summary of a failed one


class ScrapydClient:
    """Scrapyd's JSON API (schedule, listjobs, cancel) and its job logs, over HTTP."""

    def __init__(self, url: str, project: str = PROJECT, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"--scrapyd {url!r}: expected http(s)://HOST:PORT of a Scrapyd server",
                zh=f"--scrapyd {url!r}：請給 Scrapyd 伺服器的 http(s)://主機:埠",
            )
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.url = urllib.parse.urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
        self.project = project
        self.timeout = timeout
        self._auth = None
        if parts.username:  # http://user:password@host:6800 (Scrapyd's username/password)
            pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            self._auth = "Basic " + base64.b64encode(pair.encode()).decode()

    def _open(self, request: urllib.request.Request):
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(
                f"cannot reach the Scrapyd server {self.url}: {reason}",
                zh=f"無法連上 Scrapyd 伺服器 {self.url}：{reason}",
            ) from None

    def _json(self, request: urllib.request.Request) -> dict:
        try:
            with self._open(request) as answer:
                doc = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            hint = " (check the user name and password in the URL)" if exc.code == 401 else ""
            raise ScrapydError(
                f"the Scrapyd server {self.url} answered {exc.code} {exc.reason}{hint}",
                zh=f"Scrapyd 伺服器 {self.url} 回應 {exc.code} {exc.reason}",
            ) from None
        except ValueError:
            raise ScrapydError(
                f"{self.url} did not answer like a Scrapyd server (no JSON)",
                zh=f"{self.url} 的回應不像 Scrapyd 伺服器（不是 JSON）",
            ) from None
        if doc.get("status") != "ok":
            message = str(doc.get("message", doc)).strip()
            hint = ""
            if "not found" in message and "project" in message:
                hint = "; deploy exportkit's spiders there first (docs/team.md: scrapyd-deploy)"
            raise ScrapydError(
                f"the Scrapyd server {self.url} refused: {message}{hint}",
                zh=f"Scrapyd 伺服器 {self.url} 拒絕：{message}"
                + ("；請先部署 exportkit 的爬蟲（docs/team.md：scrapyd-deploy）" if hint else ""),
            )
        return doc

    def get(self, endpoint: str, **params: str) -> dict:
        """GET ``endpoint`` (``listjobs.json`` …) with query parameters; its JSON answer."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._json(urllib.request.Request(f"{self.url}/{endpoint}{query}"))

    def post(self, endpoint: str, fields: Sequence[tuple[str, str]]) -> dict:
        """POST form fields (a field may repeat, as ``setting=`` does); its JSON answer."""
        body = urllib.parse.urlencode(list(fields)).encode()
        return self._json(urllib.request.Request(f"{self.url}/{endpoint}", data=body))

    def schedule(self, spider: str, args: Mapping[str, str], settings: Mapping[str, Any]) -> str:
        """Schedule ``spider`` with spider arguments and Scrapy settings; the job id."""
        fields = [("project", self.project), ("spider", spider)]
        fields += [(k, str(v)) for k, v in args.items()]
        fields += [("setting", f"{k}={v}") for k, v in settings.items()]
        return self.post("schedule.json", fields)["jobid"]

    def cancel(self, job: str) -> None:
        """Ask the server to stop ``job`` (finished batches stay stored)."""
        self.post("cancel.json", [("project", self.project), ("job", job)])

    def jobs(self) -> dict[str, tuple[str, dict]]:
        """Every job of the project the server knows: id → (state, its listjobs entry)."""
        listing = self.get("listjobs.json", project=self.project)
        return {
            entry["id"]: (state, entry)
            for state in ("pending", "running", "finished")
            for entry in listing.get(state, [])
        }

    def log_from(self, path: str, offset: int) -> bytes:
        """The job log's bytes from ``offset`` on (a Range request; none when nothing new)."""
        request = urllib.request.Request(f"{self.url}/{path.lstrip('/')}")
        request.add_header("Range", f"bytes={offset}-")
        try:
            with self._open(request) as answer:
                data = answer.read()
                return data if answer.status == 206 else data[offset:]
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 416):  # no log yet / nothing past offset
                return b""
            raise ScrapydError(
                f"cannot read the job log {self.url}/{path}: {exc.code} {exc.reason}",
                zh=f"無法讀取工作記錄 {self.url}/{path}：{exc.code} {exc.reason}",
            ) from None


@dataclass
class _Follow:
    """One scheduled job: where its log was read up to, and what it said."""

    source: str
    job: str
    offset: int = 0
    partial: bytes = b""
    finished: dict | None = None
    missing: int = 0
    tail: deque = field(default_factory=lambda: deque(maxlen=LOG_TAIL_LINES))


def _events(follow: _Follow, data: bytes) -> list[dict]:
    """The progress events in newly read log bytes (complete lines only)."""
    follow.offset += len(data)
    lines = (follow.partial + data).split(b"\n")
    follow.partial = lines.pop()
    events = []
    for raw in lines:
        line = raw.decode("utf-8", "replace")
        at = line.find(LOG_MARKER)
        if at < 0:
            if line.strip():
                follow.tail.append(line)
            continue
        try:
            events.append(json.loads(line[at + len(LOG_MARKER) :]))
        except ValueError:
            follow.tail.append(line)
    return events


def _result(follow: _Follow, server: str) -> SourceResult:
    event = follow.finished
    if event is None:  # the job ended without its last event: killed, or crashed early
        detail = " ".join(list(follow.tail)[-3:]) or f"job {follow.job} on {server} ended early"
        return SourceResult(
            follow.source,
            "failed",
            errors=[SourceError(follow.source, detail=detail, kind="crash")],
        )
    return SourceResult(
        source=follow.source,
        status=event.get("status") or "failed",
        counts=event.get("counts") or {},
        errors=[SourceError.from_record(e, follow.source) for e in event.get("errors") or []],
        run_id=event.get("run_id"),
        reason=event.get("reason"),
    )


def run_scrapyd_crawl(
    server: str,
    sources: Sequence[str] = (),
    countries: str | Sequence[str] | None = None,
    years: str | None = None,
    hs: str | Sequence[str] | None = None,
    indicators: str | Sequence[str] | None = None,
    db: str | os.PathLike | None = None,
    use_cache: bool = True,
    source_urls: Sequence[str] | Mapping[str, str] | None = None,
    settings: Sequence[str] | Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    *,
    project: str = PROJECT,
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> CrawlResult:
    """Schedule ``sources`` (default: all) on the Scrapyd server at ``server`` and follow every
    job to its end; each source's result as ``run_crawl`` gives it.

    ``progress`` receives ``{"event": "scheduled"|"started"|"progress"|"finished", "source",
    …}`` (with ``job``: the Scrapyd job id). Ctrl-C cancels the jobs still running. Raises
    ``ScrapydError`` when the server cannot be reached or refuses (exportkit not deployed).
    """
    if db is not None and not is_url(str(db)):
        raise UsageError(
            f"--db {db}: a file on this computer cannot be written by the Scrapyd server; give "
            "a postgresql:// URL the server can reach, or leave --db out to use the server's "
            "own store (EXPORTKIT_DB of its scrapyd process)",
            zh=f"--db {db}：Scrapyd 伺服器無法寫入這台電腦上的檔案；請給伺服器連得到的 "
            "postgresql:// 網址，或省略 --db，使用伺服器自己的資料庫（scrapyd 的 EXPORTKIT_DB）",
        )
    client = ScrapydClient(server, project)
    job = build_job(sources, countries, years, hs, indicators, db, use_cache, source_urls, settings)
    job_settings = {
        "EXPORTKIT_PROGRESS_LOG": "True",
        "EXPORTKIT_PROGRESS_INTERVAL": PROGRESS_INTERVAL,
        **job["settings"],
    }
    follows: list[_Follow] = []
    try:
        for source in job["sources"]:
            job_id = client.schedule(source, job["spider_args"][source], job_settings)
            follows.append(_Follow(source, job_id))
            if progress is not None:
                progress({"event": "scheduled", "source": source, "job": job_id})
        _follow_all(client, follows, progress, poll_seconds, sleep)
    except BaseException:
        for follow in follows:  # Ctrl-C or a lost server: stop what is still running
            if follow.finished is None:
                try:
                    client.cancel(follow.job)
                except ScrapydError:
                    pass
        raise
    log = "\n".join(f"[{f.source} {f.job}] {line}" for f in follows for line in f.tail)
    return CrawlResult([_result(f, client.url) for f in follows], log)


def _follow_all(
    client: ScrapydClient,
    follows: list[_Follow],
    progress: ProgressCallback | None,
    poll_seconds: float,
    sleep: Callable[[float], None],
) -> None:
    """Poll listjobs.json and the logs until every job is finished."""
    done: set[str] = set()
    while len(done) < len(follows):
        listing = client.jobs()
        for follow in follows:
            if follow.job in done:
                continue
            state, entry = listing.get(follow.job, (None, {}))
            if state is None:
                follow.missing += 1
                if follow.missing > MISSING_POLLS:  # e.g. the server restarted: jobs forgotten
                    follow.tail.append(f"job {follow.job} is no longer known to {client.url}")
                    done.add(follow.job)
                continue
            if state in ("running", "finished"):
                path = (
                    entry.get("log_url")
                    or f"logs/{client.project}/{follow.source}/{follow.job}.log"
                )
                for event in _events(follow, client.log_from(path, follow.offset)):
                    event = {**event, "source": event.get("source") or follow.source}
                    if event.get("event") == "finished":
                        follow.finished = event
                    if progress is not None:
                        progress({**event, "job": follow.job})
            if state == "finished":
                done.add(follow.job)
        if len(done) < len(follows):
            sleep(poll_seconds)
