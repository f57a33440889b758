"""The matchmaking writers: the brief's section, the index links, matches.xlsx, matches.json,
the meeting plan — from model objects (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from match_builders import coded, demand, supplier
from openpyxl import load_workbook
from report_samples import brief

from exportkit.assess.match import brief_sections
from exportkit.errors import ExportkitError
from exportkit.match.criteria import default_criteria
from exportkit.match.matching import match_demands
from exportkit.match.meetings import plan_meetings
from exportkit.models import FileFailure, MatchRun, MatchSettings, Text
from exportkit.render import (
    links_to,
    related_documents,
    render_brief,
    render_index,
    render_meeting_plan,
    validate_matches,
    write_matches_json,
    write_matches_xlsx,
    write_meetings_xlsx,
)
from exportkit.render.matches_json import matches_document

BOOK = default_criteria()


def a_run(*, consent: bool = True, organisation: str = "Siam Precision Co.") -> MatchRun:
    named = demand(
        "siam",
        organisation=organisation,
        consent_to_share=consent,
        display_name=None
        if consent
        else Text("泰國的買主（不具名）", "A buyer in Thailand (anonymous)"),
        contact=None,
        certifications=(coded("iso9001"), coded("halal")),
    )
    tea = demand("tea", hs_codes=("090230",), industry=coded("agriculture"))
    firms = [
        supplier("acme", name="宏進精密機械股份有限公司"),
        supplier("beta", hs_codes=("8466",)),
    ]
    result = match_demands(firms, [named, tea])
    return MatchRun(
        result=result,
        demands=(named, tea),
        meetings=plan_meetings(result),
        failures=[
            FileFailure(
                "bad.xlsx", (ExportkitError("bad.xlsx: not a workbook", zh="bad.xlsx：不是活頁簿"),)
            )
        ],
        settings=MatchSettings(
            ("firms",), ("demands",), "en", ("json", "xlsx"), True, None, "1.2.0"
        ),
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


# --- the brief's matchmaking section -----------------------------------------------------------


def test_brief_without_match_data_is_unchanged():
    b = brief("THA", "en")
    assert b.matchmaking is None
    html = render_brief(b)
    assert "Matchmaking with overseas demand" not in html
    assert 'class="block matchmaking"' not in html
    assert '<span class="num">8</span>Sources' in html


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_brief_shows_the_demands_the_firm_is_proposed_for(lang):
    run = a_run()
    section = brief_sections(run.result, run.meetings)[("acme", "THA")]
    html = render_brief(replace(brief("THA", lang), matchmaking=section))
    heading = "海外需求媒合" if lang == "zh-TW" else "Matchmaking with overseas demand"
    assert heading in html
    assert "Siam Precision Co." in html and "CNC spindle parts" in html
    assert ('<span class="num">9</span>' in html) and html.index(heading) < html.index(
        '<span class="num">9</span>'
    )  # before the sources, which move to 9
    gap = next(g for g in section.entries[0][1].gaps if g.criterion == "certifications")
    assert gap.text.get(lang).split("。")[0].split(".")[0] in html  # the halal gap to close
    assert run.meetings[0].title.get(lang) in html  # the meeting it is invited to


def test_brief_never_names_a_respondent_without_consent():
    run = a_run(consent=False, organisation="Secret Buyer Ltd.")
    section = brief_sections(run.result, run.meetings)[("acme", "THA")]
    html = render_brief(replace(brief("THA", "en"), matchmaking=section))
    assert "Secret Buyer Ltd." not in html
    assert "A buyer in Thailand (anonymous)" in html
    assert "through your consultant" in html
    plan = render_meeting_plan(replace(run), "en")
    assert "Secret Buyer Ltd." not in plan and "A buyer in Thailand (anonymous)" in plan


def test_brief_section_text_is_escaped():
    run = a_run(organisation="<script>alert(1)</script>")
    section = brief_sections(run.result, run.meetings)[("acme", "THA")]
    html = render_brief(replace(brief("THA", "en"), matchmaking=section))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- index links ------------------------------------------------------------------------------


def test_index_lists_the_match_outputs_of_a_subfolder(tmp_path):
    (tmp_path / "match").mkdir()
    for name in ("matches.json", "matches.xlsx", "meetings.html", "index.html"):
        (tmp_path / "match" / name).write_text("x")
    (tmp_path / "someone-else").mkdir()
    (tmp_path / "someone-else" / "index.html").write_text("x")  # not a match folder
    links = related_documents(tmp_path)
    assert [link.href for link in links] == [
        "match/index.html",
        "match/meetings.html",
        "match/matches.xlsx",
        "match/matches.json",
    ]
    html = render_index([], "zh-TW", links=links)
    assert "其他文件" in html and 'href="match/meetings.html"' in html
    assert "其他文件" not in render_index([], "zh-TW")  # no links: no section


def test_links_to_names_only_known_documents():
    assert [x.href for x in links_to(["matches.json", "notes.txt"])] == ["matches.json"]


# --- matches.xlsx and meetings.xlsx ------------------------------------------------------------


def test_matches_workbook_has_a_sheet_per_demand_and_per_firm(tmp_path):
    run = a_run()
    wb = load_workbook(write_matches_xlsx(run, tmp_path / "matches.xlsx"))
    names = wb.sheetnames
    assert names[:2] == ["Demands", "Firms"]
    assert names[2].startswith("D01 Siam Precision") and names[3].startswith("D02 Buyer tea")
    assert any(n.startswith("F01 宏進精密機械") for n in names)
    assert "Rejected files" in names and "Run" in names
    demand_sheet = wb[names[2]]
    header = [c.value for c in demand_sheet[2]]
    assert header[:3] == ["Rank", "Firm", "Match score"]
    assert "Certifications" in header
    assert demand_sheet["B3"].value == "宏進精密機械股份有限公司"
    overview = wb["Demands"]
    statuses = [r[11] for r in overview.iter_rows(min_row=2, values_only=True)]
    assert statuses == ["Matched", "Unmatched"]
    rejected = [r for r in wb["Rejected files"].iter_rows(min_row=2, values_only=True)]
    assert rejected == [("bad.xlsx", "bad.xlsx: not a workbook")]


def test_workbooks_are_formula_safe(tmp_path):
    evil = '=HYPERLINK("http://evil.example","click")'
    run = a_run(organisation=evil)
    wb = load_workbook(write_matches_xlsx(run, tmp_path / "m.xlsx"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert "'" + evil in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    meetings = load_workbook(write_meetings_xlsx(run, tmp_path / "meet.xlsx"))
    values = [c.value for ws in meetings.worksheets for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_meetings_workbook_lists_invites_agenda_and_unmatched(tmp_path):
    run = a_run()
    wb = load_workbook(write_meetings_xlsx(run, tmp_path / "meetings.xlsx"))
    assert wb.sheetnames == ["Meetings", "Agenda", "Demands without a supplier yet"]
    rows = list(wb["Meetings"].iter_rows(min_row=2, values_only=True))
    assert {r[4] for r in rows} == {"宏進精密機械股份有限公司", "beta Co."}
    unmatched = list(wb["Demands without a supplier yet"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in unmatched] == ["Buyer tea"]


# --- matches.json ------------------------------------------------------------------------------


def test_matches_json_validates_and_keeps_the_unmatched_demand(tmp_path):
    run = a_run()
    path = write_matches_json(run, tmp_path / "matches.json")
    import json

    doc = json.loads(path.read_text("utf-8"))
    validate_matches(doc)
    assert [d["status"] for d in doc["demands"]] == ["matched", "unmatched"]
    tea = doc["demands"][1]
    assert tea["matches"] == [] and "090230" in tea["unmatched_reason"]["en"]
    top = doc["demands"][0]["matches"][0]
    assert top["firm"] == "acme" and {c["id"] for c in top["criteria"]} >= {"product", "capacity"}
    assert doc["errors"][0]["messages"]["zh-TW"] == ["bad.xlsx：不是活頁簿"]
    assert doc["meetings"][0]["invites"]


def test_the_schema_refuses_what_it_should():
    doc = matches_document(a_run())
    validate_matches(doc)
    broken = matches_document(a_run())
    broken["demands"][0]["matches"][0]["score"] = 140
    with pytest.raises(ExportkitError, match="score"):
        validate_matches(broken)
    broken = matches_document(a_run())
    broken["demands"][1]["unmatched_reason"] = None  # unmatched must say why
    with pytest.raises(ExportkitError):
        validate_matches(broken)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_meeting_plan_html(lang):
    run = a_run()
    html = render_meeting_plan(run, lang)
    meeting = run.meetings[0]
    assert meeting.title.get(lang) in html
    for invite in meeting.invites:
        assert invite.firm_name in html
        for p in invite.prepare:
            assert p.get(lang).replace('"', "&#34;") in html or p.get(lang)[:20] in html
    assert ("尚無供應商的需求" if lang == "zh-TW" else "Demands without a supplier yet") in html
