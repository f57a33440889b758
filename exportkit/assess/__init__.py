"""``exportkit assess`` as a library: from filled workbooks to ranked markets and entry modes.

>>> from exportkit.assess import run_assessment          # doctest: +SKIP
>>> run = run_assessment(["filled/"], markets="nsp6", outdir="out")
>>> run.ok, run.outputs["json"]
(True, PosixPath('out/results.json'))
"""

from exportkit.assess.pipeline import AssessmentRun, FirmAssessment, run_assessment
from exportkit.assess.results import build_results, results_schema, validate_results

__all__ = [
    "AssessmentRun",
    "FirmAssessment",
    "build_results",
    "results_schema",
    "run_assessment",
    "validate_results",
]
