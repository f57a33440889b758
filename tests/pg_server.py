"""A throwaway PostgreSQL cluster for tests and benchmarks: ``initdb`` in a temporary folder, a
``postgres`` server on 127.0.0.1 and a free port, trust authentication, removed afterwards.

    with PostgresCluster() as pg:                # ~1.5 s: initdb + start
        url = pg.create_database("t1")           # postgresql://exportkit@127.0.0.1:PORT/t1
        ...

The binaries come from ``$EXPORTKIT_PG_BINDIR``, else the ``initdb`` on ``PATH``, else the newest
Debian ``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package does not put them
on ``PATH``). ``unavailable_reason()`` says why a cluster cannot be made here (tests skip with
it).

PostgreSQL refuses to run as root (``initdb``/``postgres`` check the effective user), and
``make test`` runs as root in CI. As root, the cluster's files are owned by the ``postgres``
system user (created by Debian's package) and ``initdb``/``postgres`` are started with
``subprocess``'s ``user=``/``group=`` (a setuid in the child before exec, no ``su``/``runuser``
process in between, so the server is our direct child and stops with a signal). The temporary
folder is made in the system temp dir (``/tmp``), which that user can reach; pytest's
``tmp_path`` (mode 0700, root's) would not be.

The server is started with ``postgres`` directly, not ``pg_ctl`` (which daemonises it): the
fixture owns the process, and SIGINT is PostgreSQL's "fast shutdown". The Debian package's own
cluster (``main``, port 5432) is never touched: this one has its own data folder, port and socket
folder.

Run by hand: ``python tests/pg_server.py`` prints a URL and serves until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import free_port

SUPERUSER = "exportkit"  # the cluster's superuser (trust auth: no password)
ENV_BINDIR = "EXPORTKIT_PG_BINDIR"
DEBIAN_ROOT = Path("/usr/lib/postgresql")

#: durability off: a test cluster is thrown away, and fsync per commit would dominate test time
FAST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
#: no settings changed: what a real server does (benchmarks use these)
DURABLE_SETTINGS: dict[str, str] = {}


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``, or None."""

    def usable(folder: Path) -> bool:
        return (folder / "initdb").is_file() and (folder / "postgres").is_file()

    env = os.environ.get(ENV_BINDIR)
    if env:
        return Path(env) if usable(Path(env)) else None
    on_path = shutil.which("initdb")
    if on_path and usable(Path(on_path).resolve().parent):
        return Path(on_path).resolve().parent
    versions = []
    if DEBIAN_ROOT.is_dir():
        for child in DEBIAN_ROOT.iterdir():
            if re.fullmatch(r"\d+(\.\d+)?", child.name) and usable(child / "bin"):
                versions.append((float(child.name), child / "bin"))
    return max(versions)[1] if versions else None


def _run_as() -> str | None:
    """The system user to run PostgreSQL as when we are root (None when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def unavailable_reason() -> str | None:
    """Why no test cluster can be made on this machine, or None when one can."""
    if find_bindir() is None:
        where = os.environ.get(ENV_BINDIR) or f"PATH or {DEBIAN_ROOT}/<version>/bin"
        return (
            f"PostgreSQL server binaries (initdb, postgres) not found in {where}; "
            "install them with: apt-get install --no-install-recommends postgresql "
            "(or run `make sysdeps` as root)"
        )
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and no 'postgres' or 'nobody' user to run PostgreSQL as"
    return None


class PostgresError(RuntimeError):
    pass


class PostgresCluster:
    """One PostgreSQL cluster in a temporary folder; ``start()``/``stop()`` or ``with``."""

    def __init__(
        self,
        settings: dict[str, str] | None = None,
        *,
        bindir: Path | None = None,
        keep: bool = False,
    ) -> None:
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise PostgresError(unavailable_reason() or "PostgreSQL not found")
        self.settings = dict(FAST_SETTINGS if settings is None else settings)
        self.keep = keep  # leave the folder behind (to read the log after a failure)
        self.user = _run_as()
        self.dir: Path | None = None
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log = None

    # -- addresses -------------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL for ``dbname`` (TCP on 127.0.0.1, as the cluster's superuser)."""
        assert self.port is not None, "cluster not started"
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @property
    def log_path(self) -> Path:
        assert self.dir is not None
        return self.dir / "postgres.log"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- lifecycle -------------------------------------------------------------------------
    def _as_owner(self) -> dict:
        return {"user": self.user, "group": self._group()} if self.user else {}

    def _group(self) -> int:
        return pwd.getpwnam(self.user).pw_gid

    def start(self, timeout: float = 30.0) -> PostgresCluster:
        self.dir = Path(tempfile.mkdtemp(prefix="exportkit-pg-"))
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        data = self.dir / "data"
        done = subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
            capture_output=True,
            text=True,
            cwd=self.dir,
            **self._as_owner(),
        )
        if done.returncode != 0:
            self._remove()
            raise PostgresError(f"initdb failed ({done.returncode}): {done.stderr.strip()}")
        last_error = ""
        for _attempt in range(5):  # another worker may take the port between probe and bind
            self.port = free_port()
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            args = [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port)]
            options = {
                "listen_addresses": "127.0.0.1",
                "unix_socket_directories": str(self.dir),
                "max_connections": "100",
                **self.settings,
            }
            for name, value in options.items():
                args += ["-c", f"{name}={value}"]
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                cwd=self.dir,
                **self._as_owner(),
            )
            if self._wait_ready(timeout):
                return self
            last_error = self.log_tail()
            self._stop_process()
        self._remove()
        raise PostgresError(f"PostgreSQL did not start:\n{last_error}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            # accepting TCP is not yet accepting queries (the startup checkpoint may still run)
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return True
            time.sleep(0.05)
        return False

    def _stop_process(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT: fast shutdown (rolls back open transactions)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _remove(self) -> None:
        if self.dir is not None and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def stop(self) -> None:
        """Stop the server and delete its folder (idempotent)."""
        self._stop_process()
        self._remove()

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases -------------------------------------------------------------------------
    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL with ``psql`` (no Python driver needed); returns its output."""
        done = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url(dbname),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise PostgresError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def create_database(self, name: str, template: str = "template1") -> str:
        """Create database ``name`` (a fresh copy of ``template``); returns its URL."""
        _check_identifier(name)
        _check_identifier(template)
        # FILE_COPY: ~60 ms here against ~180 ms for PostgreSQL 15's default WAL_LOG
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        _check_identifier(name)
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check_identifier(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")


if __name__ == "__main__":  # pragma: no cover - manual use
    reason = unavailable_reason()
    if reason:
        sys.exit(reason)
    with PostgresCluster() as pg:
        print(pg.url(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
