"""Checks of the installation: packaged resources, fonts and libraries the PDF renderer needs."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
from dataclasses import dataclass

from exportkit import resources


@dataclass(frozen=True)
class Check:
    """One thing exportkit needs, whether it is there, and what was found."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def _font_installed(family: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", f":family={family}"], capture_output=True, text=True)
    return bool(out.stdout.strip())


def run_checks() -> list[Check]:
    """Return one ``Check`` per thing exportkit needs; nothing is changed."""
    checks = []
    for name, node in (
        ("questionnaire definitions", resources.definitions_dir()),
        ("report templates", resources.templates_dir()),
    ):
        present = node.is_dir() and any(node.iterdir())
        checks.append(Check(name, present, str(node)))
    for family in ("Noto Sans CJK TC", "Noto Sans Thai"):
        checks.append(Check(f"font {family}", _font_installed(family), "PDF text", required=False))
    subset = ctypes.util.find_library("harfbuzz-subset")
    checks.append(
        Check("libharfbuzz-subset", bool(subset), subset or "PDF fonts are subset slowly", False)
    )
    return checks
