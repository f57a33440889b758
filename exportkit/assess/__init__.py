"""``exportkit assess`` as a library: from filled workbooks to ranked markets and entry modes.

``pipeline.run_assessment`` orchestrates a batch (questionnaire → markets → entry_mode →
store → render); ``brief.brief_from_workbook`` the same for one firm × market;
``match.run_match`` matches firms with overseas demand surveys (read by ``demands``) through
the engine in ``exportkit.match`` and plans the exchange meetings. The result types live in
``exportkit.models`` and the writers in ``exportkit.render``; they are re-exported here
because this is where users meet them.

>>> from exportkit.assess import run_assessment
>>> from exportkit.resources import examples_dir
>>> run = run_assessment([str(examples_dir() / "01-machine-tool-parts.xlsx")], markets="TH",
...                      outdir="out", db="out/market.duckdb")
>>> run.ok, run.outputs["json"]
(True, PosixPath('out/results.json'))
"""

from exportkit.assess.brief import brief_from_workbook
from exportkit.assess.match import run_match
from exportkit.assess.pipeline import run_assessment
from exportkit.models import AssessmentRun, FirmAssessment, MatchRun
from exportkit.render.matches_json import matches_schema, validate_matches
from exportkit.render.results import build_results, results_schema, validate_results

__all__ = [
    "AssessmentRun",
    "FirmAssessment",
    "MatchRun",
    "brief_from_workbook",
    "build_results",
    "matches_schema",
    "results_schema",
    "run_assessment",
    "run_match",
    "validate_matches",
    "validate_results",
]
