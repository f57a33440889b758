"""A batch on disk: index.html linking every firm's readiness report and briefs (TEST DATA)."""

from __future__ import annotations

import re

import pytest
import report_samples as S

from exportkit.errors import UsageError
from exportkit.models import FirmReport
from exportkit.render.documents import write_portfolio

HOSTILE = "<script>alert(1)</script>"


def _report(name: str, markets=("THA", "VNM")) -> FirmReport:
    briefs = tuple(
        S.with_evidence(S.brief(iso3, name=name, with_trade=iso3 == "THA"), S.sample_trend())
        for iso3 in markets
    )
    return FirmReport(S.readiness(name), S.firm(name), briefs, previous=S.readiness(name, shift=-5))


def test_every_link_in_the_index_points_to_a_written_document(tmp_path):
    reports = [_report("台灣精密"), _report(HOSTILE), _report("ACME Co."), _report("ACME, Co")]
    result = write_portfolio(reports, tmp_path, ["html"], "zh-TW")
    assert result.ok and result.index == tmp_path / "index.html"
    index = result.index.read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', index)
    assert len(links) == 4 * 3
    for link in links:
        assert (tmp_path / link).is_file(), link
    folders = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert len(folders) == 4  # "ACME Co." and "ACME, Co" do not collide
    assert "台灣精密" in folders
    assert all("/" not in f and not f.startswith(".") and "<" not in f for f in folders)
    assert (tmp_path / "台灣精密" / "THA.html").is_file()
    assert len(result.written) == 4 * 3 + 1


@pytest.mark.slow
def test_pdfs_are_written_beside_the_html(tmp_path):
    result = write_portfolio(
        [_report("台灣精密", markets=("THA",))], tmp_path, ["html", "pdf"], "en", workers=1
    )
    assert result.ok
    for name in ("readiness", "THA"):
        assert (tmp_path / "台灣精密" / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        assert (tmp_path / "台灣精密" / f"{name}.html").is_file()


def test_unknown_formats_are_refused(tmp_path):
    with pytest.raises(UsageError):
        write_portfolio([_report("x")], tmp_path, ["docx"])
