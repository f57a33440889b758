"""A throwaway Scrapyd server for tests: ``scrapyd`` in a temporary folder on 127.0.0.1 and a
free port, with exportkit's spiders deployable to it by the real ``scrapyd-deploy``.

    with ScrapydServer(env={"EXPORTKIT_DB": str(db)}) as scrapyd:
        scrapyd.deploy(build_settings_egg(tmp_path))          # addversion.json
        job = scrapyd.schedule("worldbank", countries="THA")  # schedule.json
        scrapyd.wait(job)                                     # listjobs.json until finished
        scrapyd.log("worldbank", job)                         # the job's Scrapy log

How the spiders reach the server (checked here with Scrapyd 1.6 and scrapyd-client 2.0):

* Scrapyd runs each job as ``python -m scrapyd.runner crawl SPIDER -a ARG=… -s NAME=…`` with
  *its own* interpreter, after activating the project's egg (appended to ``sys.path``). The
  spiders import ``exportkit.models``, ``exportkit.store`` and the compiled dependencies (DuckDB,
  pandas, psycopg), so exportkit itself must be installed in the Scrapyd server's environment
  (``pip install 'exportkit[team]'``), as Scrapyd's own deployment docs do for a project's
  dependencies. The egg then only has to name the settings module: its ``scrapy`` entry point
  ``settings = exportkit.spiders.settings`` (``build_settings_egg`` below).
* The store a spider writes to comes from the server's settings: ``EXPORTKIT_DB`` in the
  environment of the ``scrapyd`` process (inherited by every job), or per job with
  ``setting=EXPORTKIT_DB=…`` in ``schedule.json`` (passed as ``-s``, Scrapy's command-line
  priority).
* Spider arguments are the other ``schedule.json`` fields (``countries``, ``years``,
  ``indicators``, ``hs``, ``source_url``), as ``exportkit crawl`` passes them to the runner.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from loopback import free_port

PROJECT = "exportkit"
SETTINGS_MODULE = "exportkit.spiders.settings"

_SETUP_PY = '''\
"""Scrapyd egg for exportkit's spiders: only the settings entry point. The code comes from the
exportkit installed in the Scrapyd server's environment (pip install 'exportkit[team]')."""
from setuptools import setup

setup(
    name="exportkit-scrapyd",
    version="1.0",
    packages=[],
    entry_points={"scrapy": ["settings = %s"]},
)
'''


def scrapy_cfg(url: str = "http://127.0.0.1:6800/", project: str = PROJECT) -> str:
    """The ``scrapy.cfg`` scrapyd-deploy reads: the settings module and a deploy target."""
    return (
        f"[settings]\ndefault = {SETTINGS_MODULE}\n\n[deploy]\nurl = {url}\nproject = {project}\n"
    )


def _console_script(name: str) -> str:
    """A console script of this interpreter's environment (``.venv/bin/scrapyd-deploy``)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def write_deploy_project(directory: Path, url: str = "http://127.0.0.1:6800/") -> Path:
    """Write the deploy folder: ``scrapy.cfg`` (settings module, deploy target ``url``) and
    the egg's ``setup.py``. A folder of its own: scrapyd-deploy runs ``setup.py`` in the
    folder of the nearest ``scrapy.cfg`` and *creates* a ``setup.py`` there when there is none
    (one that would find the wrong packages at the repository root)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "scrapy.cfg").write_text(scrapy_cfg(url), encoding="utf-8")
    (directory / "setup.py").write_text(_SETUP_PY % SETTINGS_MODULE, encoding="utf-8")
    return directory


def scrapyd_deploy(directory: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the real ``scrapyd-deploy`` in a deploy folder (see ``write_deploy_project``)."""
    return subprocess.run(
        [_console_script("scrapyd-deploy"), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def build_settings_egg(directory: Path) -> Path:
    """The settings-only egg, built by ``scrapyd-deploy --build-egg``; returns its path."""
    write_deploy_project(directory)
    egg = directory / "exportkit-scrapyd.egg"
    done = scrapyd_deploy(directory, f"--build-egg={egg}")
    if done.returncode != 0 or not egg.exists():
        raise RuntimeError(f"scrapyd-deploy --build-egg failed: {done.stderr.strip()}")
    return egg


def unavailable_reason() -> str | None:
    """Why no Scrapyd server can be run from this environment, or None when one can."""
    import importlib.util

    for module, package in (("scrapyd", "scrapyd"), ("scrapyd_client", "scrapyd-client")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed (pip install -e '.[team]')"
    if importlib.util.find_spec("pkg_resources") is None:
        # Scrapyd 1.6 activates eggs with pkg_resources, which setuptools 81 removed
        return "setuptools without pkg_resources (>= 81): Scrapyd 1.6 needs setuptools < 81"
    return None


class ScrapydError(RuntimeError):
    pass


class ScrapydServer:
    """One ``scrapyd`` process; ``start()``/``stop()`` or ``with``."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        directory: Path | None = None,
        python: str = sys.executable,
        poll_interval: float = 0.2,
        max_proc: int = 2,
    ) -> None:
        self.env = dict(env or {})
        self.python = python
        self.poll_interval = poll_interval
        self.max_proc = max_proc
        self._own_dir = directory is None
        self.dir = directory
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}/"

    @property
    def logs_dir(self) -> Path:
        return self.dir / "logs"

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> ScrapydServer:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="exportkit-scrapyd-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        last = ""
        for _attempt in range(3):  # the probed port may be taken before scrapyd binds it
            self.port = free_port()
            # Scrapyd reads scrapyd.conf from its working directory (and /etc/scrapyd, ~/)
            (self.dir / "scrapyd.conf").write_text(
                "[scrapyd]\n"
                "bind_address = 127.0.0.1\n"
                f"http_port = {self.port}\n"
                f"eggs_dir = {self.dir / 'eggs'}\n"
                f"logs_dir = {self.logs_dir}\n"
                f"dbs_dir = {self.dir / 'dbs'}\n"
                "items_dir =\n"
                f"poll_interval = {self.poll_interval}\n"
                f"max_proc = {self.max_proc}\n",
                encoding="utf-8",
            )
            log = open(self.dir / "scrapyd.log", "ab")  # noqa: SIM115 - child keeps it
            try:
                self.process = subprocess.Popen(
                    [self.python, "-m", "scrapyd", "--pidfile="],
                    cwd=self.dir,
                    env={**os.environ, **self.env},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            finally:
                log.close()
            if self._wait_ready(timeout):
                return self
            last = self.log_text()[-2000:]
            self._stop_process()
        raise ScrapydError(f"scrapyd did not start:\n{last}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self.get("daemonstatus.json").get("status") == "ok":
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        return False

    def _stop_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # twistd: stop, ending running jobs
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop the server (idempotent) and delete its folder if this object made it."""
        self._stop_process()
        if self._own_dir and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ScrapydServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_text(self) -> str:
        try:
            return (self.dir / "scrapyd.log").read_text(errors="replace")
        except OSError:
            return ""

    # -- the JSON API ----------------------------------------------------------------------
    def get(self, endpoint: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url + endpoint + query, timeout=30) as answer:
            return json.loads(answer.read())

    def post(self, endpoint: str, fields: dict[str, object], egg: bytes | None = None) -> dict:
        """POST form fields (a list value repeats the field, as ``setting=`` needs)."""
        pairs = [
            (k, str(x)) for k, v in fields.items() for x in (v if isinstance(v, list) else [v])
        ]
        if egg is None:
            body = urllib.parse.urlencode(pairs).encode()
            ctype = "application/x-www-form-urlencoded"
        else:
            boundary = uuid.uuid4().hex
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                for k, v in pairs
            ]
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; '
                'filename="project.egg"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + egg
                + b"\r\n"
            )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            ctype = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(
            self.url + endpoint, data=body, headers={"Content-Type": ctype}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            result = json.loads(answer.read())
        if result.get("status") != "ok":
            raise ScrapydError(f"{endpoint}: {result.get('message', result)}")
        return result

    def deploy(self, egg: Path, version: str = "1", project: str = PROJECT) -> dict:
        """Upload an egg (what ``scrapyd-deploy`` does); returns addversion.json's answer."""
        return self.post("addversion.json", {"project": project, "version": version}, egg.read_bytes())  # fmt: skip

    def schedule(
        self,
        spider: str,
        settings: dict[str, str] | None = None,
        project: str = PROJECT,
        **spider_args: str,
    ) -> str:
        """Schedule ``spider`` with Scrapy settings and spider arguments; returns the job id."""
        fields: dict[str, object] = {"project": project, "spider": spider, **spider_args}
        if settings:
            fields["setting"] = [f"{k}={v}" for k, v in settings.items()]
        return self.post("schedule.json", fields)["jobid"]

    def job_state(self, job: str, project: str = PROJECT) -> dict | None:
        """The job's entry in listjobs.json with its state ("pending", "running", "finished")."""
        jobs = self.get("listjobs.json", project=project)
        for state in ("pending", "running", "finished"):
            for entry in jobs.get(state, []):
                if entry.get("id") == job:
                    return {**entry, "state": state}
        return None

    def wait(self, job: str, timeout: float = 120.0, project: str = PROJECT) -> dict:
        """Poll listjobs.json until ``job`` is finished; returns its entry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entry = self.job_state(job, project)
            if entry and entry["state"] == "finished":
                return entry
            time.sleep(0.2)
        raise ScrapydError(f"job {job} did not finish within {timeout} s: {self.job_state(job)}")

    def log(self, spider: str, job: str, project: str = PROJECT) -> str:
        """The job's Scrapy log (logs_dir/PROJECT/SPIDER/JOB.log)."""
        path = self.logs_dir / project / spider / f"{job}.log"
        return path.read_text(errors="replace") if path.exists() else ""
