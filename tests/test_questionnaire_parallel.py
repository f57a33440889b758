"""The parallel questionnaire import gives exactly what the serial one gives (issue 14.2)."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil

import pytest

from exportkit.errors import WorkbookError, WorkbookErrors
from exportkit.questionnaire import parallel, score_files, validate_files
from exportkit.resources import examples_dir


@pytest.fixture
def batch(tmp_path):
    """The six examples three times over, plus a damaged file and a text file among them."""
    paths = []
    for copy in range(3):
        for src in sorted(examples_dir().glob("*.xlsx")):
            dst = tmp_path / f"{copy}-{src.name}"
            shutil.copy(src, dst)
            paths.append(dst)
    broken = tmp_path / "1-broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    text = tmp_path / "2-notes.xlsx"
    text.write_text("minutes of the meeting", encoding="utf-8")
    paths[5:5] = [broken, text]
    return paths


@pytest.fixture(params=["fork", "forkserver"])
def pool_always(request, monkeypatch):
    """Send every batch to worker processes, started the way the parameter says."""
    if request.param not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {request.param} start method here")
    ctx = multiprocessing.get_context(request.param)
    monkeypatch.setattr(parallel, "pool_context", lambda: ctx)
    monkeypatch.setitem(parallel.PARALLEL_MIN_FILES, request.param, 1)
    return request.param


def _failures(failures):
    return [(f.file, f.messages("en"), f.messages("zh-TW")) for f in failures]


def test_parallel_scoring_equals_serial(batch, pool_always):
    serial = score_files(batch, workers=1)
    ticks = []
    pooled = score_files(batch, workers=2, progress=ticks.append)
    assert len(serial.results) == 18 and len(serial.failures) == 2
    assert pooled.results == serial.results  # percentiles included: computed over the batch
    assert pooled.answers == serial.answers
    assert pooled.alpha == serial.alpha
    assert _failures(pooled.failures) == _failures(serial.failures)
    assert [type(p) for f in pooled.failures for p in f.problems] == [
        type(p) for f in serial.failures for p in f.problems
    ]
    assert ticks == [1] * len(batch)


def test_parallel_validation_equals_serial(batch, pool_always):
    answers, failures = validate_files(batch, workers=1)
    pooled_answers, pooled_failures = validate_files(batch, workers=2)
    assert pooled_answers == answers and len(answers) == 18
    assert _failures(pooled_failures) == _failures(failures)


def test_small_batch_and_single_core_stay_in_process(batch, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    small = min(parallel.PARALLEL_MIN_FILES.values()) - 1
    many = (batch * (small // len(batch) + 1))[:small]
    bad = sum(p.name in ("1-broken.xlsx", "2-notes.xlsx") for p in many)
    assert len(score_files(many).results) == small - bad
    assert len(score_files(batch, workers=1).results) == 18
    assert parallel.map_files(str.upper, ["a"], workers=8) == ["A"]


def test_workbook_errors_survive_pickling():
    one = WorkbookError("f.xlsx", "a number", "數字", sheet="S", cell="B4", item="q1", got="x")
    both = WorkbookErrors("f.xlsx", [one, one])
    for err in (one, both):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err)
        assert copy.message("en") == err.message("en")
        assert copy.message("zh-TW") == err.message("zh-TW")
    assert pickle.loads(pickle.dumps(one)).cell == "B4"


@pytest.mark.parametrize("check", [score_files, validate_files])
def test_a_fault_no_check_foresaw_ends_that_file_only(batch, monkeypatch, check):
    from exportkit.questionnaire import scoring

    real = scoring.read_answers
    bad = batch[0]

    def read(path, *args, **kwargs):
        if path == bad:
            raise KeyError("sheet vanished mid-read")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(scoring, "read_answers", read)
    found = check(batch, workers=1)
    read_ok, failures = (found.answers, found.failures) if check is score_files else found
    assert len(read_ok) == 17  # the other workbooks are all read
    (failure,) = [f for f in failures if f.file == str(bad)]
    (message,) = failure.messages("en")
    assert "KeyError" in message and "sheet vanished mid-read" in message
    assert "維護者" in failure.messages("zh-TW")[0]
