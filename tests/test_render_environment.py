"""The Jinja2 environment: autoescape on .html.j2, StrictUndefined, labels complete."""

from __future__ import annotations

import re

import pytest
from jinja2 import UndefinedError

from exportkit.errors import RenderError
from exportkit.render import environment as envmod
from exportkit.render import html as htmlmod
from exportkit.render.labels import Labels, content, label_catalog
from exportkit.resources import templates_dir


def test_html_j2_templates_are_autoescaped():
    env = envmod.environment()
    for name in ("brief.html.j2", "readiness.html.j2", "index.html.j2", "_macros.html.j2"):
        assert env.autoescape(name) is True
    tpl = env.from_string("{{ v }}")
    assert tpl.render(v="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_undefined_variables_are_errors_not_empty_strings():
    env = envmod.environment()
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing_variable }}").render()
    with pytest.raises(UndefinedError):
        env.from_string("{{ L.no_such_label }}").render(L=Labels("en"))


def test_a_template_error_becomes_a_render_error(monkeypatch):
    monkeypatch.setattr(htmlmod, "environment", lambda: _env_with_broken_template())
    with pytest.raises(RenderError, match="cannot render"):
        htmlmod._render("broken.html.j2")


def _env_with_broken_template():
    from jinja2 import DictLoader, Environment, StrictUndefined

    return Environment(
        loader=DictLoader({"broken.html.j2": "{{ nothing.here }}"}), undefined=StrictUndefined
    )


def test_loader_refuses_paths_outside_the_templates_folder():
    assert envmod._load_template("../templates/base.html.j2") is None
    assert envmod._load_template("..\\x") is None
    assert envmod._load_template("no-such.html.j2") is None
    with pytest.raises(RenderError):
        envmod.static_text("../templates/labels.yaml")


def test_every_label_has_both_languages():
    catalog = label_catalog()
    for group in ("labels", "bands", "market_dimensions", "note_topics", "workbook"):
        for key, entry in catalog[group].items():
            assert entry.get("zh-TW") and entry.get("en"), f"{group}.{key}"


def test_every_label_a_template_uses_exists():
    used = set()
    for node in templates_dir().iterdir():
        if node.name.endswith(".j2"):
            used |= set(re.findall(r"\bL\.([a-z_0-9]+)", node.read_text(encoding="utf-8")))
    used -= {"of"}
    missing = used - set(label_catalog()["labels"])
    assert not missing, missing


def test_content_is_bilingual_and_cites_its_referrals():
    data = content()
    for dim, entry in data["dimensions"].items():
        assert entry["gap"]["zh-TW"] and entry["gap"]["en"], dim
        for ref in entry["referrals"]:
            assert ref in data["referrals"], (dim, ref)
    for ref, entry in data["referrals"].items():
        assert entry["source"].startswith("https://"), ref
    for mode, steps in data["next_steps"].items():
        assert all(s["zh-TW"] and s["en"] for s in steps), mode


def test_entry_modes_and_themes_have_one_name_the_rule_books():
    """The reports' labels never name an entry mode or a strategy theme: a second name for
    one mode is how a brief came to name it two ways."""
    catalog = label_catalog()
    assert "entry_modes" not in catalog and "themes" not in catalog
