"""The shipped example workbooks: regenerated from the template, they import and score."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from exportkit.questionnaire import read_answers, score_files
from exportkit.resources import examples_dir

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_examples", ROOT / "scripts" / "make_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_regenerate_import_and_score(tmp_path):
    module = _script()
    paths = module.make_examples(tmp_path)
    assert len(paths) >= 6
    batch = score_files(paths)
    assert not batch.failures, [f.messages() for f in batch.failures]
    bands = {r.band for r in batch.results}
    assert len(bands) >= 3  # different readiness levels
    for r in batch.results:
        assert r.tax_id and len(r.tax_id) == 8 and r.coverage > 0.9


def test_shipped_examples_match_the_script(tmp_path):
    """The committed examples are what the script makes from the current definition."""
    module = _script()
    shipped = {p.name: p for p in examples_dir().iterdir() if p.name.endswith(".xlsx")}
    assert {f["file"] for f in module.FIRMS} == set(shipped)
    for fresh in module.make_examples(tmp_path):
        assert read_answers(fresh).values == read_answers(shipped[fresh.name]).values, fresh.name


def test_fictional_tax_ids_pass_the_checksum():
    module = _script()
    from exportkit.questionnaire.answers import valid_tax_id

    ids = [f["profile"]["tax_id"] for f in module.FIRMS]
    assert len(set(ids)) == len(ids) and all(valid_tax_id(i) for i in ids)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice not installed")
def test_a_workbook_saved_by_libreoffice_still_imports(tmp_path):
    """LibreOffice rewrites the whole file; the named answer cells must survive it."""
    src = next(p for p in examples_dir().iterdir() if p.name.endswith(".xlsx"))
    out = tmp_path / "lo"
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = out / src.name
    assert read_answers(resaved).values == read_answers(src).values
