import pytest

from exportkit import countries
from exportkit.errors import UsageError


def test_new_southbound_list_has_eighteen_and_six_priority():
    assert len(countries.NSB18) == 18
    assert countries.NSP6 == ("THA", "VNM", "MYS", "IND", "IDN", "PHL")


@pytest.mark.parametrize(
    "text,iso3",
    [
        ("泰國", "THA"),
        ("th", "THA"),
        ("Viet Nam", "VNM"),
        ("越南", "VNM"),
        ("澳大利亞", "AUS"),
        ("澳洲", "AUS"),
        ("ＴＨ", "THA"),
        (" India ", "IND"),
        ("中國大陸", "CHN"),
        ("臺灣", "TWN"),
    ],
)
def test_names_and_codes_resolve(text, iso3):
    assert countries.resolve(text) == iso3


def test_comtrade_codes_follow_comtrade_not_iso():
    assert countries.to_m49("IND") == 699
    assert countries.from_m49(699) == "IND"
    assert countries.from_m49(490) == "TWN"
    assert countries.from_m49(0) == "WLD"


def test_zh_names_use_taiwan_usage():
    assert countries.name("CHN", "zh-TW") == "中國大陸"
    assert countries.name("VNM", "en") == "Vietnam"


def test_unknown_market_is_a_usage_error():
    with pytest.raises(UsageError, match="XX"):
        countries.resolve_markets("TH,XX")
