"""Questionnaire engine: definitions, Excel template, import, validation, scoring.

>>> from exportkit.questionnaire import write_template, read_answers, score_answers
>>> write_template("export-readiness", "zh-TW", "blank.xlsx").name
'blank.xlsx'
>>> from exportkit.resources import examples_dir
>>> filled = str(examples_dir() / "01-machine-tool-parts.xlsx")
>>> score_answers(read_answers(filled)).overall
67.5
"""

from exportkit.questionnaire.definition import (
    FIRM_QUESTIONNAIRE,
    list_definitions,
    load_definition,
    load_definition_file,
)
from exportkit.questionnaire.reader import read_answers
from exportkit.questionnaire.scoring import (
    expand_paths,
    score_answers,
    score_files,
    validate_files,
)
from exportkit.questionnaire.template import write_template

__all__ = [
    "FIRM_QUESTIONNAIRE",
    "expand_paths",
    "list_definitions",
    "load_definition",
    "load_definition_file",
    "read_answers",
    "score_answers",
    "score_files",
    "validate_files",
    "write_template",
]
