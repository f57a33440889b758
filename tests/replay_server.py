"""A local HTTP server that replays recorded responses, for offline spider tests and benchmarks.

Recorded responses live in ``tests/fixtures/responses/<source>/``; each source directory has an
``index.json`` mapping the request's path+query (exactly as the real API is called) to a file:

    {"/v2/country/THA;VNM/indicator/SP.POP.TOTL?format=json&...&page=1":
        {"file": "pop_p1.json", "content_type": "application/json;charset=utf-8"}}

The server listens on 127.0.0.1, port 0 (the OS picks a free port), runs in a thread, logs
every request, and can inject faults per path+query: a status code (with headers such as
``Retry-After``), a replacement body, a delay (a stalled answer) or a truncated body (the
connection closes before ``Content-Length`` bytes were sent). Faults are consumed in order, so
"429 then success" is one fault with ``times=1``.

Run by hand: ``python tests/replay_server.py worldbank comtrade`` prints the base URL.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

FIXTURES = Path(__file__).parent / "fixtures" / "responses"
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


def key_of(path_and_query: str) -> str:
    """Requests are matched on the unquoted path+query (``%3B`` and ``;`` are the same key)."""
    return unquote(path_and_query)


@dataclass
class Recorded:
    body: bytes
    content_type: str = "application/json;charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int | None = None  # send only this many bytes of the body, then close
    content_type: str | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    status: int
    user_agent: str
    at: float = 0.0  # time.monotonic() when the request arrived


class ReplayServer:
    """``with ReplayServer(["worldbank"]) as server: server.url`` → ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        sources: list[str] | tuple[str, ...] = (),
        root: Path = FIXTURES,
        delay: float = 0.0,
    ) -> None:
        self.routes: dict[str, Recorded] = {}
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.log: list[LoggedRequest] = []
        self.delay = delay  # added to every answer (benchmarks: 50 ms)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests being answered at once (politeness checks)
        for source in sources:
            self.load(root / source)
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- content ---------------------------------------------------------------------------
    def load(self, directory: Path) -> None:
        index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        for path, entry in index.items():
            self.add(
                path,
                (directory / entry["file"]).read_bytes(),
                content_type=entry.get("content_type", "application/json;charset=utf-8"),
                status=entry.get("status", 200),
                headers=entry.get("headers", {}),
            )

    def add(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/json;charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[key_of(path)] = Recorded(body, content_type, status, dict(headers or {}))

    def fault(self, path: str, times: int = 1, **kwargs) -> None:
        """Inject a fault for the next ``times`` requests of ``path`` (see ``Fault``)."""
        for _ in range(times):
            self.faults[key_of(path)].append(Fault(**kwargs))

    def mark(self) -> int:
        """A position in the log: pass it as ``since`` to see only the requests made after."""
        with self.lock:
            return len(self.log)

    def requests_for(self, path: str, since: int = 0) -> list[LoggedRequest]:
        """The requests of ``path`` logged at or after position ``since`` of the whole log
        (a per-path list must not be sliced with an index into the whole log)."""
        with self.lock:
            return [r for r in self.log[since:] if key_of(r.path) == key_of(path)]

    def data_requests(self) -> list[LoggedRequest]:
        return [r for r in self.log if not r.path.startswith("/robots.txt")]

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.httpd is not None, "server not started"
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm on, the body's
            # last segment can wait for the client's delayed ACK (~40 ms on Linux) on a kept-
            # alive connection. Real servers avoid that; so does this one.
            disable_nagle_algorithm = True

            def log_message(self, format, *args):  # noqa: A002 - silence stderr logging
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                server._answer(self)

        class Server(ThreadingHTTPServer):
            # http.server's listen backlog is 5: a burst of new connections beyond it has its
            # SYNs dropped and retried by the client's TCP stack a second later, which would
            # punish exactly the concurrent client being measured.
            request_queue_size = 128

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- answering -------------------------------------------------------------------------
    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._respond(handler)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        key = key_of(handler.path)
        with self.lock:
            fault = self.faults[key].popleft() if self.faults.get(key) else None
        recorded = self.routes.get(key)
        if recorded is None and key.startswith("/robots.txt"):
            recorded = Recorded(ROBOTS_TXT, "text/plain")
        if recorded is None:
            recorded = Recorded(
                b"<html><body><h1>404 Not Found</h1></body></html>", "text/html", 404
            )
        status, body = recorded.status, recorded.body
        ctype, headers = recorded.content_type, dict(recorded.headers)
        truncate = None
        delay = self.delay
        if fault is not None:
            status = fault.status or status
            body = fault.body if fault.body is not None else body
            ctype = fault.content_type or ctype
            headers.update(fault.headers)
            truncate = fault.truncate
            delay += fault.delay
        with self.lock:
            self.log.append(
                LoggedRequest(
                    "GET",
                    handler.path,
                    status,
                    handler.headers.get("User-Agent", ""),
                    time.monotonic(),
                )
            )
        if delay:
            time.sleep(delay)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            if truncate is not None:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(body if truncate is None else body[:truncate])
            handler.wfile.flush()
            if truncate is not None:
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


if __name__ == "__main__":  # pragma: no cover - manual use
    with ReplayServer(sys.argv[1:] or [p.name for p in FIXTURES.iterdir() if p.is_dir()]) as s:
        print(s.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
