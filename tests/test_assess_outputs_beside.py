"""Work done in a forked process beside this one (large runs): portfolio.xlsx beside
results.json, part of the firms' recommendations beside the others. The same files as done
one after the other, and a failure there is the run's failure, raised as before."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exportkit.assess import pipeline, run_assessment
from exportkit.beside import beside, can_fork
from exportkit.errors import OutputError
from exportkit.resources import examples_dir

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _run(out: Path, db: Path) -> None:
    run_assessment(
        [str(examples_dir())], markets="TH,VN", outdir=out, db=db, assessed_on=date(2026, 1, 5)
    )


def _cells(path: Path) -> list:
    wb = load_workbook(path)
    return [(ws.title, [[c.value for c in row] for row in ws.iter_rows()]) for ws in wb]


def _json(path: Path) -> str:
    return re.sub(r'"generated_at":"[^"]*"', "", path.read_text(encoding="utf-8"))


def test_the_forked_writer_gives_the_same_outputs(tmp_path, monkeypatch):
    forks = []
    real_fork = os.fork

    def counting_fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(pipeline, "BESIDE_MIN_ROWS", 10**9)
    db = tmp_path / "m.duckdb"
    _run(tmp_path / "one", db)
    db.unlink()  # the second run starts from the same (empty) history
    monkeypatch.setattr(pipeline, "BESIDE_MIN_ROWS", 0)
    monkeypatch.setattr(os, "fork", counting_fork)
    _run(tmp_path / "two", db)
    assert forks  # the workbook was written by the child
    one, two = tmp_path / "one", tmp_path / "two"
    assert _json(one / "results.json") == _json(two / "results.json")
    assert _cells(one / "portfolio.xlsx") == _cells(two / "portfolio.xlsx")
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())


def test_a_workbook_that_fails_beside_fails_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BESIDE_MIN_ROWS", 0)
    calls = []

    def broken(run, path):
        calls.append(os.getpid())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_workbook", broken)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="no space left"):
        _run(out, tmp_path / "m.duckdb")
    assert calls == [os.getpid()]  # the child's attempt ran elsewhere; this one raised here
    assert not out.exists()  # nothing half-written took the output folder's place


def test_a_failed_results_json_ends_the_forked_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BESIDE_MIN_ROWS", 0)

    def broken(*args, **kwargs):
        raise RuntimeError("results.json failed")

    waited = []
    real_waitpid = os.waitpid

    def recording_waitpid(pid, options):
        waited.append(pid)
        return real_waitpid(pid, options)

    monkeypatch.setattr(pipeline, "write_results", broken)
    monkeypatch.setattr(os, "waitpid", recording_waitpid)
    with pytest.raises(RuntimeError, match="results.json failed"):
        _run(tmp_path / "out", tmp_path / "m.duckdb")
    assert waited  # the child was ended and reaped, not left running
    with pytest.raises(ChildProcessError):
        real_waitpid(waited[-1], os.WNOHANG)


def _threads() -> int:
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0


def test_recommending_part_of_the_firms_in_a_child_gives_the_same_outputs(tmp_path, monkeypatch):
    forks = []
    real_fork = os.fork
    threads_before = _threads()

    def counting_fork():
        forks.append(_threads())
        return real_fork()

    monkeypatch.setattr(pipeline, "BESIDE_MIN_ROWS", 10**9)
    monkeypatch.setattr(pipeline, "SPLIT_MIN_ROWS", 10**9)
    db = tmp_path / "m.duckdb"
    _run(tmp_path / "one", db)
    db.unlink()
    monkeypatch.setattr(pipeline, "SPLIT_MIN_ROWS", 0)
    monkeypatch.setattr(os, "fork", counting_fork)
    _run(tmp_path / "two", db)
    assert len(forks) == 1  # the last firms were recommended by the child
    assert forks[0] <= threads_before  # with the database closed: none of its threads copied
    one, two = tmp_path / "one", tmp_path / "two"
    assert _json(one / "results.json") == _json(two / "results.json")
    assert _cells(one / "portfolio.xlsx") == _cells(two / "portfolio.xlsx")
    firms = sorted(p.name for p in (one / "firms").iterdir())
    assert firms == sorted(p.name for p in (two / "firms").iterdir())
    for name in firms:
        assert _json(one / "firms" / name) == _json(two / "firms" / name)


def test_a_child_that_fails_is_done_again_here(tmp_path):
    parent = os.getpid()

    def compute():
        if os.getpid() != parent:
            os._exit(3)  # the child dies without a result
        return "computed here"

    with beside(compute) as result:
        assert result() == "computed here"


def test_a_result_comes_back_from_the_child(tmp_path):
    parent = os.getpid()

    def compute():
        return {"pid": os.getpid(), "rows": [("THA", 1.5)] * 3}

    with beside(compute) as result:
        got = result()
    assert got["rows"] == [("THA", 1.5)] * 3
    if can_fork():
        assert got["pid"] != parent  # computed by the child


def test_an_interrupted_block_ends_the_child(tmp_path):
    import time

    with pytest.raises(KeyboardInterrupt), beside(lambda: time.sleep(60)):
        raise KeyboardInterrupt
    with pytest.raises(ChildProcessError):  # reaped: nothing left running or a zombie
        os.waitpid(-1, os.WNOHANG)
