"""docs/assess.md keeps up with the rule book and the command."""

from __future__ import annotations

from pathlib import Path

from exportkit.cli import main
from exportkit.entry_mode import default_rulebook

DOC = (Path(__file__).resolve().parents[1] / "docs" / "assess.md").read_text(encoding="utf-8")


def test_every_rule_and_fit_component_is_documented():
    book = default_rulebook()
    for rule_id in [r.id for r in book.rules] + [c.id for c in book.fit_components]:
        assert f"| {rule_id} |" in DOC, rule_id
    for adj in book.fit_adjustments:
        assert f"| {adj.id} |" in DOC, adj.id


def test_every_threshold_is_documented():
    for name in default_rulebook().thresholds:
        assert f"`{name}`" in DOC, name


def test_every_option_of_the_command_is_documented():
    command = main.commands["assess"]
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in DOC or f"{opt} " in DOC, opt
    assert command.help
