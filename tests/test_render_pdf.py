"""PDFs as a person would look at them: fonts embedded, pages drawn, nothing fetched.

Needs the system packages of ``scripts/install-system-deps.sh`` (poppler-utils, fonts-noto-cjk,
fonts-noto-core); each test that needs one skips with the reason when it is missing.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import report_samples as S

from exportkit.models import MarketNote, Text
from exportkit.render import RenderJob, render_batch, render_brief, render_readiness, write_pdf
from exportkit.render.pdf import RefusedURL, check_url, pdf_bytes, static_root

pytestmark = pytest.mark.slow

THAI = "กรุงเทพมหานคร"
VIET = "Công ty Đông Á"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils)")


def _has_font(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return any(family in line for line in out.splitlines())


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def zh_brief_pdf(tmp_path_factory) -> Path:
    """A zh-TW brief whose firm has a Vietnamese name and whose notes quote Thai."""
    b = S.brief(lang="zh-TW", name=f"臺越精密 {VIET}")
    note = MarketNote(
        "THA",
        "news",
        Text(f"曼谷（{THAI}）展覽", f"Bangkok ({THAI}) fair"),
        Text(f"地點：{THAI}。", f"Venue: {THAI}."),
        S.FAKE,
        S.FAKE_URL,
        None,
        S.RETRIEVED,
    )
    b = replace(b, market=replace(b.market, notes=(*b.market.notes, note)))
    html = render_brief(b, trend=S.sample_trend(), trade_source=S.TRADE_SOURCE)
    return write_pdf(html, tmp_path_factory.mktemp("pdf") / "brief-zh.pdf")


def test_pdf_is_a4_with_a_cover_and_numbered_pages(zh_brief_pdf):
    _need("pdfinfo")
    info = _run("pdfinfo", str(zh_brief_pdf))
    assert "(A4)" in info
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 3
    page2 = _run("pdftotext", "-f", "2", "-l", "2", "-layout", str(zh_brief_pdf), "-")
    assert re.search(rf"\b2 ?/ ?{pages}\b", page2)  # footer "2 / N"
    assert "國別市場簡報" in page2  # running header


def test_chinese_thai_and_vietnamese_come_from_embedded_noto_fonts(zh_brief_pdf):
    _need("pdffonts")
    if not (_has_font("Noto Sans CJK TC") and _has_font("Noto Sans Thai")):
        pytest.skip("fonts-noto-cjk / fonts-noto-core not installed")
    fonts = _run("pdffonts", str(zh_brief_pdf)).splitlines()[2:]
    names = [line.split()[0].split("+")[-1] for line in fonts]
    assert "Noto-Sans-CJK-TC" in names, names
    assert any(n.startswith("Noto-Sans-Thai") for n in names), names
    assert not any("JP" in n or "Serif" in n for n in names), names  # no Japanese Han forms
    assert all(" yes " in line for line in fonts)  # every font embedded
    text = _run("pdftotext", str(zh_brief_pdf), "-")
    for expected in ("泰國", "主要競爭供應國", THAI, VIET, "臺灣"):
        assert expected in text, expected


def test_first_page_renders_to_a_nonblank_png(zh_brief_pdf, tmp_path):
    _need("pdftoppm")
    from PIL import Image

    _run(
        "pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(zh_brief_pdf), str(tmp_path / "p")
    )
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        im = Image.open(png).convert("L")
        assert abs(im.height / im.width - 297 / 210) < 0.02
        histogram = im.histogram()
        non_white = sum(histogram[:200]) / (im.width * im.height)
        assert non_white > 0.01, png  # something is drawn


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", '=HYPERLINK("http://x")'])
def test_hostile_names_are_plain_text_in_the_pdf(name, tmp_path):
    _need("pdftotext")
    pdf = write_pdf(render_readiness(S.readiness(name), S.firm(name), "en"), tmp_path / "r.pdf")
    text = _run("pdftotext", str(pdf), "-")
    assert name in text
    raw = pdf.read_bytes()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    assert b"http://x" not in raw.replace(b" ", b"")  # no link annotation to it


def test_url_checks_allow_only_data_and_the_packages_static_files():
    css = static_root() / "report.css"
    assert check_url("data:image/svg+xml;base64,AAAA")
    assert check_url(css.as_uri())
    for url in (
        "http://127.0.0.1/x.png",
        "https://example.com/font.woff",
        "file:///etc/passwd",
        (static_root() / ".." / "templates" / "labels.yaml").as_uri(),
        "ftp://example.com/x",
        "//example.com/x.png",
    ):
        with pytest.raises(RefusedURL):
            check_url(url)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_pdf_engine_fetches_nothing_from_the_network():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    hostile = (
        f'<html><head><link rel="stylesheet" href="{url}/a.css"></head><body>'
        f'<img src="{url}/b.png"><p style="background:url({url}/c.png)">x</p>'
        f'<img src="file:///etc/hostname"></body></html>'
    )
    try:
        _Counter.hits.clear()
        assert pdf_bytes(hostile).startswith(b"%PDF")
        assert _Counter.hits == []
        # Control: WeasyPrint's default fetcher does reach the server, so the count is real.
        from weasyprint import HTML

        HTML(string=hostile).write_pdf()
        assert _Counter.hits
    finally:
        server.shutdown()


def test_a_batch_renders_in_parallel_and_reports_a_failure_without_stopping(tmp_path):
    html = render_readiness(S.readiness(), S.firm(), "en")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    jobs = [
        RenderJob(html, tmp_path / "a.pdf"),
        RenderJob(html, blocker / "b.pdf"),  # its parent is a file: cannot be written
        RenderJob(html, tmp_path / "c.pdf"),
    ]
    done = []
    results = render_batch(jobs, workers=2, progress=done.append)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error and "not-a-dir" in results[1].error
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    assert len(done) == 3
    assert not list(tmp_path.glob("*.part"))


def test_the_closing_note_never_stands_alone_on_the_last_page(tmp_path):
    # Briefs whose sources table grows a row at a time: wherever the table ends, the last
    # page holds more than the closing note (it used to be left alone on a page of its own).
    _need("pdftotext")
    from exportkit.render.labels import label_catalog

    disclaimer = label_catalog()["labels"]["disclaimer"]["zh-TW"]
    base = S.brief(lang="zh-TW")
    lonely = []
    for extra in range(5):  # with the old style sheet, 3 extra notes left it alone
        notes = tuple(
            MarketNote(
                "THA",
                "news",
                Text(f"展覽 {i}", f"Fair {i}"),
                Text("地點：曼谷。", "Venue: Bangkok."),
                S.FAKE,
                f"{S.FAKE_URL}/{i}",
                None,
                S.RETRIEVED,
            )
            for i in range(extra)
        )
        b = replace(base, market=replace(base.market, notes=(*base.market.notes, *notes)))
        path = write_pdf(render_brief(b, trade_source=S.TRADE_SOURCE), tmp_path / f"{extra}.pdf")
        pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))
        last = _run("pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-")
        body = last.replace(disclaimer, "")
        # what is left besides the running header, the page number and the footer's name
        body = re.sub(r"\d+ ?/ ?\d+|exportkit|國別市場簡報：\S+|\s", "", body)
        body = body.replace(b.firm.name, "")
        if not body:
            lonely.append(extra)
    assert not lonely, f"the closing note stood alone with {lonely} extra notes"


def test_the_strengths_heading_and_its_note_stay_with_the_first_strength(tmp_path):
    # The SaaS example's English report in a batch of the examples: "Strengths" and its rule
    # fell at the foot of page 3, the strength itself on page 4.
    _need("pdftotext")
    from exportkit.assess import run_assessment
    from exportkit.render.labels import content
    from exportkit.resources import examples_dir

    run_assessment(
        [str(examples_dir())], lang="en", formats="pdf", briefs=0, outdir=tmp_path / "out",
        db=tmp_path / "m.duckdb",
    )  # fmt: skip
    path = next((tmp_path / "out").glob("CloudLedger*/readiness.pdf"))
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))
    strength = content()["dimensions"]["digital_capability"]["strength"]["en"]
    for page in range(1, pages + 1):
        text = " ".join(_run("pdftotext", "-f", str(page), "-l", str(page), str(path), "-").split())
        if "The highest-scoring dimensions that reach 60" in text:
            assert strength[:40] in text, f"page {page}: the rule without its strength"
            return
    pytest.fail("the strengths rule is not in the report")
