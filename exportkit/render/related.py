"""Links from a portfolio ``index.html`` to the other documents of the same output folder.

``exportkit match`` writes its matchmaking outputs (meeting plan, workbooks, JSON, its own
index) to a folder; an ``exportkit assess`` index written into the parent folder lists them, so
one ``index.html`` opens everything the demo made. Labels come from ``labels.yaml``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from exportkit.models import Text
from exportkit.render.labels import label_catalog

# File name → its label key, in the order an index lists them. A folder holding one of the
# MARKERS is a match run's output folder.
DOCUMENTS = (
    ("index.html", "link_match_index"),
    ("meetings.html", "link_meetings_html"),
    ("meetings.pdf", "link_meetings_pdf"),
    ("matches.xlsx", "link_matches_xlsx"),
    ("meetings.xlsx", "link_meetings_xlsx"),
    ("matches.json", "link_matches_json"),
)
MARKERS = ("matches.json", "matches.xlsx")


@dataclass(frozen=True, slots=True)
class IndexLink:
    """A document the index lists: its label and its href relative to ``index.html``."""

    label: Text
    href: str


def _label(key: str) -> Text:
    entry = label_catalog()["labels"][key]
    return Text(entry["zh-TW"], entry["en"])


def links_to(names: Iterable[str], folder: str = "") -> tuple[IndexLink, ...]:
    """Links to the known documents ``names`` (in ``folder``, relative to the index)."""
    wanted = set(names)
    prefix = f"{folder}/" if folder else ""
    return tuple(IndexLink(_label(key), prefix + name) for name, key in DOCUMENTS if name in wanted)


def related_documents(outdir: str | os.PathLike[str]) -> tuple[IndexLink, ...]:
    """Links to the match outputs found in the immediate subfolders of ``outdir``."""
    root = Path(outdir)
    if not root.is_dir():
        return ()
    links: list[IndexLink] = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if any((sub / marker).is_file() for marker in MARKERS):
            present = [name for name, _ in DOCUMENTS if (sub / name).is_file()]
            links += links_to(present, sub.name)
    return tuple(links)
