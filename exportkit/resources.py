"""The only module that knows where packaged data lives (``importlib.resources``).

Works the same from an editable install, a wheel, or any working directory.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import yaml


def package_file(package: str, *parts: str) -> Traversable:
    """A file shipped inside ``package`` (e.g. ``package_file("exportkit.reports", "templates")``)."""
    node = resources.files(package)
    for part in parts:
        node = node / part
    return node


def data_file(*parts: str) -> Traversable:
    """A file under ``exportkit/data``."""
    return package_file("exportkit", "data", *parts)


def definitions_dir() -> Traversable:
    """The shipped questionnaire definitions (``questionnaires/definitions``)."""
    return package_file("exportkit.questionnaires", "definitions")


def vocabularies_dir() -> Traversable:
    """Option lists shared by several questionnaire definitions (``vocabulary:`` items)."""
    return package_file("exportkit.questionnaires", "vocabularies")


def examples_dir() -> Traversable:
    """The shipped example workbooks (``questionnaires/examples``)."""
    return package_file("exportkit.questionnaires", "examples")


def demand_examples_dir() -> Traversable:
    """Filled market-demand surveys (fictional overseas respondents) for ``exportkit match``."""
    return package_file("exportkit.questionnaires", "demand-examples")


def templates_dir() -> Traversable:
    """The report templates (``reports/templates``)."""
    return package_file("exportkit.reports", "templates")


def static_dir() -> Traversable:
    """The reports' CSS and JavaScript (``reports/static``)."""
    return package_file("exportkit.reports", "static")


# libyaml's parser when PyYAML has it: the same safe constructor, several times faster (the
# shipped rule book took ~0.6 s to parse with the pure-Python one, on every assess run)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(node: Traversable) -> object:
    """Parse a packaged YAML file."""
    with node.open("r", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
