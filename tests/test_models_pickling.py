"""The models that cross between processes pickle as their class called with their fields."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest

from exportkit.models import EntryModeScore, FiredRule, MarketFit, Recommendation, Text
from exportkit.models.common import pickled_by_fields


def _recommendation() -> Recommendation:
    reason = FiredRule(
        "R2",
        Text("有代理商", "has an agent"),
        source="rules.yaml",
        effect=12.5,
        text_id="R2",
        template=Text("{x}", "{x}"),
        values=(("x", Text("甲", "A")),),
    )
    return Recommendation(
        iso3="THA",
        rank=1,
        fit=MarketFit("THA", 71.25, (reason,), excluded=False),
        entry_modes=(EntryModeScore("direct_export", 80.0, (reason,), Text("直接出口", "Direct")),),
        staged_path=Text("先…後…", "first … then …"),
        theme="tech",
        fired=(reason,),
        decided_by="tie",
        decision_note=Text("同分", "a tie"),
    )


def test_a_recommendation_comes_back_equal_and_shares_what_it_shared():
    rec = _recommendation()
    back = pickle.loads(pickle.dumps([rec, rec], protocol=pickle.HIGHEST_PROTOCOL))
    assert back == [rec, rec]
    assert back[0] is back[1]  # one object pickled once, as before
    assert back[0].fired[0] is back[0].fit.reasons[0]


def test_the_models_are_rebuilt_by_their_class_not_field_by_field():
    for value in (_recommendation(), Text("甲", "A")):
        rebuild, args = value.__reduce__()
        assert rebuild is type(value) and rebuild(*args) == value


def test_a_class_that_changes_its_fields_after_init_is_refused():
    @dataclass(frozen=True, slots=True)
    class Normalised:
        code: str

        def __post_init__(self) -> None:
            object.__setattr__(self, "code", self.code.upper())

    with pytest.raises(TypeError, match="cannot be rebuilt"):
        pickled_by_fields(Normalised)
