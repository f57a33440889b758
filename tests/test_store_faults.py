"""The DuckDB file under faults: two processes on one database (the second waits, bounded, then
names the file and the other process; nothing is lost), and a truncated or overwritten file
(one clear error in every command, never a traceback). DuckDB files only: PostgreSQL has its
own concurrency (tests/test_pg_server.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from exportkit.cli import main
from exportkit.resources import examples_dir
from exportkit.store import open_store

EXAMPLE = next(Path(str(examples_dir())).glob("01*.xlsx"))
TAX_ID = "53712041"  # the first example firm's


def hold(db: Path, release: Path) -> subprocess.Popen:
    """Another process that writes a row, then keeps the file open until ``release`` exists."""
    code = textwrap.dedent(f"""
        import pathlib, time
        from exportkit.store import open_store
        with open_store({str(db)!r}) as store:
            store.set_meta("held_by", "other")
            print("holding", flush=True)
            while not pathlib.Path({str(release)!r}).exists():
                time.sleep(0.05)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "holding"
    return child


def assess(db: Path, out: Path, wait: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "exportkit", "assess", str(EXAMPLE), "--markets", "TH",
           "--assessed-on", "2026-05-01", "-o", str(out), "--db", str(db)]  # fmt: skip
    # COLUMNS: the log line is not wrapped, so the test reads it whole
    env = {**os.environ, "EXPORTKIT_DB_WAIT": wait, "EXPORTKIT_LANG": "en", "COLUMNS": "500"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_a_second_process_waits_for_the_database_and_nothing_is_lost(tmp_path):
    db = tmp_path / "market.duckdb"
    open_store(db).close()
    release = tmp_path / "release"
    holder = hold(db, release)
    try:
        second = assess(db, tmp_path / "out", wait="300")  # a bound, not a timed assertion
        # the second one says it waits, naming the file and the other process
        line = ""
        while "waiting" not in line and second.poll() is None:
            line = second.stderr.readline()
        assert "is in use by another process" in line and str(db) in line
        assert f"process {holder.pid}" in line
        release.touch()
        assert holder.wait(timeout=60) == 0
        _, err = second.communicate(timeout=300)
    finally:
        release.touch()
        holder.kill()
    assert second.returncode == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        # both processes' writes are there
        assert con.execute("SELECT value FROM meta WHERE key = 'held_by'").fetchall() == [
            ("other",)
        ]
        assert con.execute("SELECT tax_id FROM assessments").fetchall() == [(TAX_ID,)]


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_a_database_held_too_long_is_a_clear_error_naming_file_and_process(
    tmp_path, runner, monkeypatch, lang
):
    db = tmp_path / "market.duckdb"
    open_store(db).close()
    release = tmp_path / "release"
    holder = hold(db, release)
    monkeypatch.setenv("EXPORTKIT_DB_WAIT", "0.5")
    try:
        result = runner.invoke(
            main,
            [
                "--lang",
                lang,
                "assess",
                str(EXAMPLE),
                "--markets",
                "TH",
                "-o",
                str(tmp_path / "out"),
                "--db",
                str(db),
            ],  # fmt: skip
        )
    finally:
        release.touch()
        holder.wait(timeout=60)
    assert result.exit_code == 1
    assert str(db) in result.output and f"{holder.pid}" in result.output
    assert ("正由另一個程序使用中" if lang == "zh-TW" else "in use by another process") in (
        result.output
    )
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def _damaged_copies(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.duckdb"
    open_store(good).close()
    data = good.read_bytes()
    truncated = tmp_path / "truncated.duckdb"
    truncated.write_bytes(data[: len(data) // 2])
    overwritten = tmp_path / "overwritten.duckdb"
    block = bytearray(data)
    block[8192 : 8192 + 65536] = b"\xab" * 65536  # the first data block: its checksum fails
    overwritten.write_bytes(bytes(block))
    return {"truncated": truncated, "overwritten": overwritten}


COMMANDS = {
    "markets": ["markets", "--markets", "TH"],
    "assess": ["assess", str(EXAMPLE), "--markets", "TH", "-o", "{out}"],
    "data status": ["data", "status"],
    "data reset --yes": ["data", "reset", "--yes"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_database_is_one_clear_error_in_every_command(tmp_path, runner, command, damage):
    db = _damaged_copies(tmp_path)[damage]
    before = db.read_bytes()
    args = [a.format(out=tmp_path / "out") for a in COMMANDS[command]]
    for lang, words in (("en", "is damaged"), ("zh-TW", "已損毀")):
        result = runner.invoke(main, ["--lang", lang, *args, "--db", str(db)])
        assert result.exit_code == 1, result.output
        assert str(db) in result.output and words in result.output, result.output
        assert (
            "Traceback" not in result.output
            and result.exception is None
            or isinstance(result.exception, SystemExit)
        )
    assert db.read_bytes() == before  # not "repaired" by a reset, not written to
    assert not (tmp_path / "out").exists()
