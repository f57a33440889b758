"""An output folder is replaced whole: an interrupted run (Ctrl-C, SIGKILL) leaves the previous
complete output, a rerun leaves no stale firm files, an output folder inside the input folder
is not read back, and two workbooks sharing a tax ID never replace each other's history."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from exportkit.assess import run_assessment
from exportkit.cli import main
from exportkit.resources import examples_dir
from exportkit.safe_output import MANIFEST

EXAMPLES = Path(str(examples_dir()))


def example(name: str) -> Path:
    return next(EXAMPLES.glob(f"{name}*.xlsx"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (what a user would find there)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Staging or retired folders beside ``out``, and temporary files inside it."""
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    inside = [
        p.name
        for p in out.rglob("*")
        if p.suffix in (".tmp", ".part") or (".exportkit-" in p.name and p.name != MANIFEST)
    ]
    return beside + inside


def history(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT tax_id, file, overall FROM assessments ORDER BY tax_id, file"
        ).fetchall()


def test_a_rerun_replaces_the_previous_outputs_and_keeps_other_files(tmp_path, runner):
    out = tmp_path / "out"
    first = runner.invoke(main, ["assess", str(EXAMPLES), "--format", "json,html", "--briefs", "0",
                                 "--markets", "TH", "-o", str(out)])  # fmt: skip
    assert first.exit_code == 0, first.output
    assert len(list((out / "firms").glob("*.json"))) == 6
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "mine").mkdir()
    (out / "mine" / "data.csv").write_text("a,b", encoding="utf-8")

    again = runner.invoke(main, ["assess", str(example("01")), "--format", "json", "--markets",
                                 "TH", "-o", str(out)])  # fmt: skip
    assert again.exit_code == 0, again.output
    # the six firms' files and report folders of the first run are gone with it
    assert [p.name for p in (out / "firms").iterdir()] == ["宏進精密機械股份有限公司.json"]
    assert not (out / "index.html").exists()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["firms", "mine"]
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))["firms"]) == 1
    # what the user put there stays
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "mine" / "data.csv").read_text(encoding="utf-8") == "a,b"
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["entries"] == [
        "firms",
        "results.json",
    ]
    assert leftovers(out) == []


def test_a_database_inside_the_output_folder_survives_and_gets_the_history(tmp_path):
    out = tmp_path / "out"
    db = out / "market.duckdb"
    for _ in range(2):
        run = run_assessment([example("01")], markets="TH", outdir=out, db=db, formats="json")
        assert run.ok
    assert [row[0] for row in history(db)] == ["53712041"]
    assert run.outputs["json"] == out / "results.json"


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path, runner):
    src = tmp_path / "filled"
    src.mkdir()
    for name in ("01", "02"):
        shutil.copy(example(name), src)
    for _ in range(2):
        result = runner.invoke(main, ["assess", str(src), "--markets", "TH", "-o",
                                      str(src / "out")])  # fmt: skip
        assert result.exit_code == 0, result.output
        doc = json.loads((src / "out" / "results.json").read_text(encoding="utf-8"))
        assert len(doc["firms"]) == 2 and doc["errors"] == []


def test_an_output_path_that_is_the_working_folder_is_refused(tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["assess", str(example("01")), "-o", "."])
    assert result.exit_code == 1
    assert "is (or holds) the working directory" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["--lang", "zh-TW", "assess", str(example("01")), "-o", "."])
    assert "目前的工作資料夾" in result.output


def test_two_workbooks_with_one_tax_id_are_reported_and_history_is_not_replaced(tmp_path, runner):
    db = tmp_path / "market.duckdb"
    run_assessment([example("01")], markets="TH", outdir=tmp_path / "a", db=db, formats="json")
    before = history(db)
    src = tmp_path / "batch"
    src.mkdir()
    shutil.copy(example("01"), src / "firm-a.xlsx")
    shutil.copy(example("01"), src / "firm-b.xlsx")
    shutil.copy(example("02"), src / "other.xlsx")
    result = runner.invoke(main, ["assess", str(src), "--markets", "TH", "-o",
                                  str(tmp_path / "b"), "--db", str(db)])  # fmt: skip
    assert result.exit_code == 1
    assert "tax ID 53712041 is also in" in result.output
    assert "firm-a.xlsx" in result.output and "firm-b.xlsx" in result.output
    doc = json.loads((tmp_path / "b" / "results.json").read_text(encoding="utf-8"))
    assert [f["tax_id"] for f in doc["firms"]] == ["82450160"]
    assert len(doc["errors"]) == 2
    after = history(db)
    # the first firm's stored assessment is the one of the first run, untouched
    assert [r for r in after if r[0] == "53712041"] == [r for r in before if r[0] == "53712041"]


def _assess_cmd(out: Path, db: Path, formats: str) -> list[str]:
    return [sys.executable, "-m", "exportkit", "-q", "assess", "--examples", "--markets",
            "TH,VN,MY", "--briefs", "1", "--format", formats, "-o", str(out), "--db", str(db)]  # fmt: skip


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def _as_from_a_terminal() -> None:
    # A child inherits ignored and blocked signals: whatever an earlier test or the test
    # runner did to this process, the run under test starts as a terminal would start it.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _interrupt_during_pdfs(
    cmd: list[str], out: Path, *signals: int, group: bool = False
) -> tuple[subprocess.CompletedProcess, set[int]]:
    """Start ``cmd`` and send ``signals`` once its staging folder holds a PDF (mid-batch), to
    the process or (``group``: as a terminal's Ctrl-C does) to its whole process group.
    Returns the finished run and the PDF workers it had started."""
    child = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
        preexec_fn=_as_from_a_terminal,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 240  # a bound for a stuck child, not a timed assertion
    try:
        while time.monotonic() < deadline and child.poll() is None:
            staging = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
            if any(any(s.rglob("*.pdf")) for s in staging):
                break
            time.sleep(0.05)
        assert child.poll() is None, "the run ended before a PDF was written"
        workers = {p for p in descendants(child.pid) if b"resource_tracker" not in cmdline(p)}
        for sig in signals:
            if group:
                os.killpg(child.pid, sig)
            else:
                child.send_signal(sig)
            time.sleep(0.2)  # the second Ctrl-C arrives while the first is being handled
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return subprocess.CompletedProcess(cmd, child.returncode, stdout, stderr), workers


def _gone(pids: set[int]) -> bool:
    """Whether every process in ``pids`` has ended (waiting a bounded while for the kernel)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return not any(alive(p) for p in pids)


@pytest.mark.slow
def test_sigint_and_sigkill_mid_batch_leave_the_previous_output_then_a_rerun_completes(
    tmp_path,
):
    out, db = tmp_path / "out", tmp_path / "market.duckdb"
    complete = subprocess.run(_assess_cmd(out, db, "json,xlsx,html"), capture_output=True,
                              text=True, timeout=600)  # fmt: skip
    assert complete.returncode == 0, complete.stderr
    before, stored = snapshot(out), history(db)
    assert "results.json" in before and "portfolio.xlsx" in before

    full = _assess_cmd(out, db, "json,xlsx,html,pdf")
    stopped, _ = _interrupt_during_pdfs(full, out, signal.SIGINT)
    assert stopped.returncode == 130, stopped.stderr
    assert "Interrupted." in stopped.stderr and "Traceback" not in stopped.stderr
    assert snapshot(out) == before  # the previous complete output, not a mix
    assert leftovers(out) == []  # Ctrl-C cleans its staging folder
    assert history(db) == stored

    killed, workers = _interrupt_during_pdfs(full, out, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert workers and _gone(workers)  # the PDF workers die with their parent
    assert snapshot(out) == before
    assert history(db) == stored  # the history is written after the outputs

    done = subprocess.run(full, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = snapshot(out)
    assert any(name.endswith(".pdf") for name in after)
    doc = json.loads(after["results.json"])
    assert all(d["pdf"] for f in doc["firms"] for d in f["documents"])
    assert leftovers(out) == []  # the killed run's staging folder was removed


def test_a_staging_folder_of_a_live_process_is_left_alone(tmp_path):
    out = tmp_path / "out"
    live = tmp_path / f".out.exportkit-new-{os.getppid()}-abcd1234"
    dead = tmp_path / ".out.exportkit-new-999999999-abcd1234"
    live.mkdir()
    dead.mkdir()
    run_assessment([example("01")], markets="TH", outdir=out, formats="json")
    assert live.is_dir() and not dead.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signals", "group", "code", "message"),
    [
        ((signal.SIGTERM,), False, 143, "Terminated (SIGTERM)."),
        ((signal.SIGINT, signal.SIGINT), True, 130, "Interrupted."),
    ],
    ids=["sigterm-to-the-main-process", "ctrl-c-twice"],
)
def test_no_pdf_worker_outlives_sigterm_or_a_second_ctrl_c(tmp_path, signals, group, code, message):
    out, db = tmp_path / "out", tmp_path / "market.duckdb"
    run, workers = _interrupt_during_pdfs(
        _assess_cmd(out, db, "json,pdf"), out, *signals, group=group
    )
    assert run.returncode == code, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert workers, "the run had started its PDF workers"
    # stopped and reaped before the main process ended: none is left, at once
    assert [p for p in workers if alive(p)] == []
    assert not out.exists() and leftovers(out) == []  # no output rather than a partial one


def test_the_demo_layout_an_assess_run_keeps_the_match_run_inside_its_folder(tmp_path):
    """``make demo``: match into out/match, then assess into out: the assess index links the
    match outputs, and both reruns keep the other's files (a match rerun swaps out/match only)."""
    from exportkit.assess import run_match
    from exportkit.resources import demand_examples_dir

    out, db = tmp_path / "demo", tmp_path / "demo" / "market.duckdb"
    demands = [str(demand_examples_dir())]
    for _ in range(2):
        matched = run_match([EXAMPLES], demands, out / "match", formats="json,xlsx", db=db)
        assert matched.ok and (out / "match" / "matches.json").is_file()
        doc = json.loads((out / "match" / "matches.json").read_text(encoding="utf-8"))
        assert doc["outputs"]["json"] == str(out / "match" / "matches.json")  # not staging
        run = run_assessment([EXAMPLES], markets="TH", outdir=out, db=db, formats="json,html",
                             briefs=0)  # fmt: skip
        assert run.ok
        index = (out / "index.html").read_text(encoding="utf-8")
        assert 'href="match/matches.json"' in index
        assert (out / "match" / "matches.xlsx").is_file() and db.is_file()
        assert leftovers(out) == [] and leftovers(out / "match") == []
