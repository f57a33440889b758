"""The cyclic collector is off during a batch and back as it was afterwards, even on error."""

from __future__ import annotations

import gc
import weakref

import pytest

from exportkit.assess import run_assessment
from exportkit.errors import UsageError
from exportkit.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _restore_gc():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(enabled):
    gc.enable() if enabled else gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


def test_the_collector_comes_back_after_an_error():
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_assess_runs_with_the_collector_off_and_puts_it_back(tmp_path, monkeypatch):
    seen = []
    import exportkit.assess.pipeline as pipeline

    def spy(*args, **kwargs):  # the run's first step
        seen.append(gc.isenabled())
        raise UsageError("stop here", zh="到此為止")

    monkeypatch.setattr(pipeline, "normalise_lang", spy)
    gc.enable()
    with pytest.raises(UsageError):
        run_assessment([], outdir=tmp_path / "out", db=tmp_path / "m.duckdb")
    assert seen == [False] and gc.isenabled()


def test_what_the_block_made_is_old_afterwards_and_its_cycles_still_collectable():
    # made during a batch, results are long-lived: the collector's next pass must not scan
    # them all again from the youngest generation
    class Node:
        pass

    gc.enable()
    with collector_paused():
        kept = [[i] for i in range(1000)]
        cycle = Node()
        cycle.me = cycle
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(item) in young for item in kept)
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    gone = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone() is None
