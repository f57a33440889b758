"""Docs and code stay together: every command is documented, and the README keeps its contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exportkit.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group, prefix="exportkit"):
    for name, command in group.commands.items():
        if command.hidden:
            continue
        full = f"{prefix} {name}"
        yield full, command
        if hasattr(command, "commands"):
            yield from _commands(command, full)


def _documentation() -> str:
    texts = [ROOT.joinpath("README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(ROOT.joinpath("docs").glob("*.md"))]
    return "\n".join(texts)


@pytest.mark.parametrize("name,command", list(_commands(main)), ids=lambda v: str(v))
def test_every_command_is_documented_and_has_help(name, command):
    assert command.help and command.help.strip(), f"{name} has no help text"
    assert name in _documentation(), f"{name} is not mentioned in README.md or docs/"


def test_readme_quick_start_is_exactly_make_demo_and_make_test():
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in ROOT.joinpath(".ci", "run").read_text(encoding="utf-8")
