"""Build the wheel, install it into a fresh venv and run it from a neutral directory."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RESOURCE_CHECK = """
from importlib import resources
import exportkit
from exportkit import resources as r
assert "site-packages" in exportkit.__file__, exportkit.__file__
assert (resources.files("exportkit") / "locales" / "messages.yaml").is_file()
for name in ("templates/labels.yaml", "templates/content.yaml", "templates/brief.html.j2",
             "static/report.css", "static/print.css", "static/index.js"):
    assert (resources.files("exportkit.reports") / name).is_file(), name
for pkg in ("exportkit.spiders", "exportkit.spiders.sources", "exportkit.questionnaires",
            "exportkit.reports", "exportkit.analytics", "exportkit.cli", "exportkit.models",
            "exportkit.questionnaire", "exportkit.render", "exportkit.render.views",
            "exportkit.ingest", "exportkit.store", "exportkit.markets", "exportkit.entry_mode",
            "exportkit.assess", "exportkit.match"):
    __import__(pkg)
assert r.definitions_dir().joinpath("export-readiness.yaml").is_file()
assert r.definitions_dir().joinpath("ecosystem-evaluation.yaml").is_file()
examples = [p for p in r.examples_dir().iterdir() if p.name.endswith(".xlsx")]
assert len(examples) >= 6, examples
from exportkit.questionnaire import load_definition, read_answers, score_answers
assert 0 <= score_answers(read_answers(examples[0])).overall <= 100
from exportkit.assess import results_schema
from exportkit.entry_mode import default_rulebook
from exportkit.entry_mode.factors import market_facts
assert default_rulebook().rules and len(market_facts().countries) == 18
assert results_schema()["title"] == "exportkit assess results"
assert r.vocabularies_dir().joinpath("certifications.yaml").is_file()
demands = [p for p in r.demand_examples_dir().iterdir() if p.name.endswith(".xlsx")]
assert len(demands) >= 8, demands
from exportkit.match import default_criteria
from exportkit.assess import matches_schema
from exportkit.assess.demands import demand_from_answers
book = default_criteria()
survey = read_answers(demands[0])
assert demand_from_answers(survey, load_definition(survey.definition_id), book).country
assert matches_schema()["title"] == "exportkit match results"
for name in ("templates/_brief_matchmaking.html.j2", "templates/meetings.html.j2"):
    assert (resources.files("exportkit.reports") / name).is_file(), name
"""


@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_wheel_installs_and_runs_from_neutral_directory(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("exportkit-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Dependencies come from the test environment (a path entry, so its editable exportkit
    # finder is not loaded); exportkit itself must come from the wheel.
    target = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(target, "_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    version = subprocess.run(
        [str(env_dir / "bin" / "exportkit"), "--version"],
        cwd=neutral,
        capture_output=True,
        text=True,
    )
    assert version.returncode == 0, version.stderr
    assert "exportkit" in version.stdout
    check = subprocess.run(
        [str(py), "-c", RESOURCE_CHECK], cwd=neutral, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
