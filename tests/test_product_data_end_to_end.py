"""End to end: the example firms assessed without and with product data (a BACI-layout file of
their HS codes and a WITS tariff download, both generated) — the product section, the fit
components F2–F5 and the ranking follow the firms' products."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from baci_examples import write_baci, write_tariffs

from exportkit.assess import run_assessment
from exportkit.ingest.baci import import_baci_files
from exportkit.ingest.tariffs import import_tariff_files
from exportkit.models import Brief
from exportkit.render.views.brief import brief_view
from exportkit.resources import examples_dir

EXAMPLES = sorted(Path(str(examples_dir())).glob("*.xlsx"))


def _tops(run) -> dict[str, tuple[str, ...]]:
    return {
        f.firm.name: tuple(r.iso3 for r in f.recommendations[:3])
        for f in run.firms
        if f.firm.hs_codes
    }


def _brief(run, firm, iso3) -> Brief:
    rec = next(r for r in firm.recommendations if r.iso3 == iso3)
    return Brief(firm.firm, firm.readiness, rec, firm.profile(iso3), lang="zh-TW")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    db = tmp / "market.duckdb"
    before = run_assessment(EXAMPLES, db=db, outdir=tmp / "before", formats="json")
    folder = write_baci(tmp_path_factory.mktemp("baci"))
    batch = import_baci_files(sorted(folder.glob("*.csv")), db=db)
    assert batch.ok, [f.messages() for f in batch.failures]
    assert import_tariff_files([write_tariffs(tmp / "wits.csv")], db=db).ok
    after = run_assessment(EXAMPLES, db=db, outdir=tmp / "after", formats="json")
    return before, after


def test_without_product_data_the_brief_shows_country_trade_facts(runs):
    before, _ = runs
    firm = next(f for f in before.firms if f.firm.hs_codes)
    view = brief_view(_brief(before, firm, firm.recommendations[0].iso3))
    assert not view.has_product_data
    labels = [f.label for f in view.country_trade]
    assert labels[0] == "臺灣對該國出口值" and view.country_trade[0].year == 2024
    assert "財政部" in view.country_trade[0].source  # the source, named in the brief's language
    assert "CEPII" in view.product_how and "exportkit" not in view.product_how
    # the consultant gets the command (portfolio index, terminal); the client's brief not
    assert any("crawl comtrade" in m.command for m in view.missing)
    from exportkit.render.html import render_brief

    assert "exportkit crawl" not in render_brief(_brief(before, firm, firm.recommendations[0].iso3))


def test_with_product_data_the_product_section_and_f2_to_f5_are_filled(runs):
    _, after = runs
    for firm in after.firms:
        if not firm.firm.hs_codes:
            continue
        top = firm.recommendations[0]
        effects = {r.id: r.effect for r in top.fit.reasons}
        assert all(effects.get(f) is not None for f in ("F2", "F3", "F4", "F5")), (
            firm.firm.name,
            effects,
        )
        view = brief_view(_brief(after, firm, top.iso3))
        assert view.has_product_data
        assert view.imports.text and view.imports.year == 2022
        assert view.imports.source == "CEPII BACI V202401b, HS17"
        assert view.growth.text and view.taiwan_share.text
        assert view.competitors is not None
        assert view.potential is not None and view.potential.text, view.potential
        assert view.tariff_compare and view.tariff_compare[0].rival_partner == "中國大陸"


def test_the_ranking_follows_the_firms_products(runs):
    before, after = runs
    tops_before, tops_after = _tops(before), _tops(after)
    assert tops_before != tops_after
    # the firms no longer share one top three, and each firm's first market is one where
    # its products' demand is large and growing in the fixture
    assert len(set(tops_after.values())) == len(tops_after)
    from baci_examples import FAMILIES

    hot = {m for _, markets in FAMILIES.values() for m in markets}
    assert all(top[0] in hot for top in tops_after.values()), tops_after
    assert os.environ["EXPORTKIT_DB"]  # the tests never touched the user's database
