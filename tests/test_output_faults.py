"""Outputs that cannot be written — a full disk, a read-only filesystem, a path under a file or
under /proc — give one clear message naming the path, exit 1, no traceback; the previous
output and the database's history are untouched. The filesystems are small tmpfs mounts, made
when the tests run as root (else those tests are skipped, saying why)."""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from exportkit.cli import main
from exportkit.resources import examples_dir

EXAMPLE = next(Path(str(examples_dir())).glob("01*.xlsx"))
ARGS = ["--markets", "TH", "--format", "json,xlsx,html", "--briefs", "0"]


@contextmanager
def tmpfs(where: Path, size: str, *options: str):
    """A tmpfs of ``size`` mounted at ``where`` (skips the test when that is not possible)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the full-disk and read-only cases)")
    opts = ",".join((f"size={size}", *options))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def history(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT tax_id, assessed_on, overall FROM assessments").fetchall()


def assess(runner, out: Path | str, db: Path, lang: str = "en"):
    return runner.invoke(main, ["--lang", lang, "assess", str(EXAMPLE), *ARGS, "-o", str(out),
                                "--db", str(db)])  # fmt: skip


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_clean_failure(result, shown: str, words: str) -> None:
    assert result.exit_code == 1, result.output
    assert shown in result.output and words in result.output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.count("Error") + result.output.count("錯誤") == 1  # one message


def test_a_full_disk_mid_run_leaves_the_previous_output_and_the_history(tmp_path, runner):
    db = tmp_path / "market.duckdb"
    with tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "out"
        first = assess(runner, out, db)
        assert first.exit_code == 0, first.output
        before, stored = files(out), history(db)
        # fill the disk, leaving room for the staging folder but not for the outputs
        with (disk / "filler").open("wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError:
                pass
        room = sum(len(b) for b in before.values()) // 3  # a third of what the run writes
        (disk / "filler").write_bytes((disk / "filler").read_bytes()[:-room])
        for lang, words in (("en", "no space left on the device"), ("zh-TW", "磁碟空間不足")):
            result = runner.invoke(main, ["--lang", lang, "assess", str(EXAMPLE), *ARGS,
                                          "--assessed-on", "2026-01-02", "-o", str(out),
                                          "--db", str(db)])  # fmt: skip
            assert_clean_failure(result, str(out), words)
            assert files(out) == before  # not a mixed folder, no results.json.tmp
            assert [p.name for p in disk.iterdir()] == sorted(["filler", "out"])
            assert history(db) == stored  # the history row is stored only after the outputs


def test_a_read_only_filesystem_is_one_clear_error(tmp_path, runner):
    db = tmp_path / "market.duckdb"
    with tmpfs(tmp_path / "ro", "1m", "ro") as ro:
        for lang, words in (("en", "the filesystem is read-only"), ("zh-TW", "檔案系統為唯讀")):
            result = assess(runner, ro / "out", db, lang)
            assert_clean_failure(result, str(ro / "out"), words)
    assert history(db) == []


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("under-a-file", "a part of the path is a file, not a folder"),
        ("proc", "cannot write /proc/"),
    ],
)
def test_an_output_path_that_cannot_be_a_folder_is_one_clear_error(tmp_path, runner, where, words):
    db = tmp_path / "market.duckdb"
    (tmp_path / "report.txt").write_text("a file", encoding="utf-8")
    out = {
        "under-a-file": tmp_path / "report.txt" / "out",
        "proc": Path("/proc/exportkit-test/out"),
    }[where]
    result = assess(runner, out, db)
    assert_clean_failure(result, str(out), words)
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == "a file"
    assert history(db) == []


def test_the_error_comes_before_any_work(tmp_path, runner, monkeypatch):
    """An unwritable output is found before the workbooks are read, not after."""
    import exportkit.assess.pipeline as pipeline

    def no_scoring(*args, **kwargs):
        raise AssertionError("scored before checking the output folder")

    monkeypatch.setattr(pipeline, "_score", no_scoring)
    (tmp_path / "f").write_text("x", encoding="utf-8")
    result = assess(runner, tmp_path / "f" / "out", tmp_path / "m.duckdb")
    assert result.exit_code == 1 and "not a folder" in result.output
    assert json.dumps(result.output)  # printable, one line of text


def test_questionnaire_template_refuses_to_overwrite_a_file_unless_forced(tmp_path, runner):
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(EXAMPLE.read_bytes())  # a filled workbook where the template would go
    for lang, words in (("en", "already exists"), ("zh-TW", "已存在")):
        result = runner.invoke(main, ["--lang", lang, "questionnaire", "template", "-o",
                                      str(filled)])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert str(filled) in result.output and words in result.output
        assert "--force" in result.output and "Traceback" not in result.output
    assert filled.read_bytes() == EXAMPLE.read_bytes()
    forced = runner.invoke(main, ["questionnaire", "template", "-o", str(filled), "--force"])
    assert forced.exit_code == 0, forced.output
    assert filled.read_bytes() != EXAMPLE.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["filled.xlsx"]  # no temporary file left


def _db_with_history(tmp_path, runner) -> Path:
    db = tmp_path / "market.duckdb"
    done = assess(runner, tmp_path / "out", db)
    assert done.exit_code == 0, done.output
    assert len(history(db)) == 1
    return db


def test_data_reset_says_what_it_deletes_and_keeps_the_history_unless_asked(tmp_path, runner):
    db = _db_with_history(tmp_path, runner)
    asked = runner.invoke(main, ["data", "reset", "--db", str(db)], input="n\n")
    assert "assessment history (1 assessments) is kept" in asked.output
    asked = runner.invoke(main, ["--lang", "zh-TW", "data", "reset", "--db", str(db)], input="n\n")
    assert "企業評估歷史（1 筆）會保留" in asked.output
    assert len(history(db)) == 1

    kept = runner.invoke(main, ["data", "reset", "--yes", "--db", str(db)])
    assert kept.exit_code == 0, kept.output
    assert len(history(db)) == 1  # market data reset, the firms' history kept

    asked = runner.invoke(main, ["data", "reset", "--history", "--db", str(db)], input="n\n")
    assert "assessment history (1 assessments) will be lost" in asked.output
    gone = runner.invoke(main, ["data", "reset", "--history", "--yes", "--db", str(db)])
    assert gone.exit_code == 0, gone.output
    assert history(db) == []
