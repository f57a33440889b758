"""The HTML documents opened in headless Chromium, as a reader would open an attachment.

Network requests are observed without the DevTools protocol: Chromium is pointed at a local
"proxy" that only records connections (``--proxy-server``, with loopback not bypassed), so any
request the page makes arrives there. Chromium's own background services (component updates,
account checks at Google) also go through it; they are not the page's and are listed apart.
Console messages come from ``--enable-logging=stderr``. A control page proves that both
detectors see what they are meant to see.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import report_samples as S

from exportkit.render import IndexRow, render_brief, render_index, render_readiness

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("chromium")]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_SERVICES = re.compile(rb"(googleapis\.com|google\.com|gvt1\.com|gstatic\.com)")


class ConnectionRecorder:
    """A TCP listener that records the first bytes of every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.requests.append(conn.recv(300).split(b"\r\n", 1)[0])
            except OSError:
                self.requests.append(b"?")
            finally:
                conn.close()

    def page_requests(self) -> list[bytes]:
        # An empty connection is Chromium preconnecting to its proxy and closing unused: it
        # asked for nothing (seen once in CI); any request sends its first line.
        return [r for r in self.requests if r and not BROWSER_SERVICES.search(r)]

    def close(self) -> None:
        self.sock.close()


def open_in_chromium(path: Path, tmp_path: Path, screenshot: Path | None = None):
    """Load ``path``; return (dumped DOM, console lines, page requests)."""
    recorder = ConnectionRecorder()
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-pings",
        "--disable-domain-reliability",
        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--proxy-server=http://127.0.0.1:{recorder.port}",
        "--proxy-bypass-list=<-loopback>",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=2000",
    ]
    if screenshot:
        args += [f"--screenshot={screenshot}", "--window-size=1100,1500", "--hide-scrollbars"]
    else:
        args.append("--dump-dom")
    try:
        done = subprocess.run([*args, path.as_uri()], capture_output=True, text=True, timeout=90)
    finally:
        recorder.close()
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console, recorder.page_requests()


@pytest.fixture
def need_chromium():
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install --no-install-recommends chromium)")


def test_control_page_shows_the_detectors_work(need_chromium, tmp_path):
    page = tmp_path / "control.html"
    page.write_text(
        '<html><body><img src="http://example.invalid/x.png">'
        '<script>console.error("boom"); notDefined();</script></body></html>'
    )
    _, console, requests = open_in_chromium(page, tmp_path)
    assert any(b"example.invalid" in r for r in requests), requests
    assert any("boom" in line for line in console)
    assert any("notDefined" in line for line in console)


@pytest.mark.parametrize("kind", ["brief", "readiness", "index"])
def test_documents_render_without_console_errors_or_network(need_chromium, tmp_path, kind):
    hostile = "<script>alert(1)</script>"
    if kind == "brief":
        html = render_brief(
            S.brief(lang="zh-TW", name=hostile), trend=S.sample_trend(), trade_source=S.TRADE_SOURCE
        )
    elif kind == "readiness":
        html = render_readiness(S.readiness(hostile), S.firm(hostile), "en")
    else:
        rows = [
            IndexRow(S.readiness(n, shift=s), S.firm(n), "r.html", (("THA", "t.html"),), "THA")
            for n, s in [(hostile, 0), ('=HYPERLINK("http://x")', 12), ("甲公司", -10)]
        ]
        html = render_index(rows, "zh-TW")
    page = tmp_path / f"{kind}.html"
    page.write_text(html, encoding="utf-8")
    dom, console, requests = open_in_chromium(page, tmp_path)
    assert requests == []
    assert console == []
    assert "alert(1)" in dom and "<script>alert(1)" not in dom  # shown as text, never run
    if kind == "index":
        assert 'tabindex="0"' in dom  # the sorting script ran and wired the headings
