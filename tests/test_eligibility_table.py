"""Every row of the eligibility table, tested the same way: the oracle, the engine's filter, the
confirmation reason and the 'not stated' caution in English and Spanish, the provider spreadsheet
column and the edit API. A new dimension is covered here without writing a test for it."""
from __future__ import annotations

import pytest

from directory import eligibility, model, taxonomy
from directory.eligibility import DIMENSIONS, Dimension, definitely_ineligible
from directory.listing_edits import set_path
from ingest.readers.provider_csv import COLUMNS
from api.inputs import ListingEditSchema
from api.usecases.listings import EDIT_PATHS
from directory.listing_edits import EDITABLE_FIELDS



def examples(dim: Dimension) -> dict:
    """For one dimension: a stated listing value, a participant it serves and one it does not."""
    codes = dim.vocabulary.codes if dim.vocabulary else ()
    if dim.kind.name == "range":
        return {"listing": (18, None), "meets": 30, "fails": 16}
    if dim.kind.name == "member":
        return {"listing": [codes[0]], "meets": codes[0], "fails": codes[1]}
    if dim.kind.name == "overlap":
        fails = [codes[0]]
        other = next(c for c in codes if c not in dim.accepted(fails))
        return {"listing": [other], "meets": [other], "fails": fails}
    if dim.kind.name == "excludes":
        return {"listing": [codes[0]], "meets": [codes[1]], "fails": [codes[0]]}
    if dim.kind.name == "requires":
        return {"listing": True, "meets": not dim.fails_when, "fails": dim.fails_when,
                "confirm_listing": False, "confirm": dim.fails_when}
    if dim.kind.name == "only_for":
        return {"listing": True, "meets": True, "fails": False}
    if dim.kind.name == "area":
        return {"listing": ["New Haven"], "meets": "NEW HAVEN", "fails": "HARTFORD"}
    raise AssertionError(dim.kind)


def needs_for(dim: Dimension) -> str:
    """A leaf need for which this dimension's caution matters."""
    if not dim.applies_to:
        return "substance_use.withdrawal_management"
    return next(n.code for n in taxonomy.NEEDS if n.code.startswith(dim.applies_to[0] + "."))


def base_record(listing_id: str, dim: Dimension) -> dict:
    return {"id": listing_id, "organization": {"id": f"org-{listing_id}", "name": f"Org {listing_id}"},
            "service": {"id": f"svc-{listing_id}", "name": f"Program {listing_id}"},
            "location": {"id": f"loc-{listing_id}", "latitude": 41.765, "longitude": -72.685,
                         "geocode_quality": "provided"},
            "address": {"city": "Hartford", "state_province": "CT", "postal_code": "06106"},
            "hours_text": "24/7", "needs": [needs_for(dim)],
            "sources": [{"source": "test", "source_id": listing_id}]}


def with_value(record: dict, dim: Dimension, value) -> dict:
    if dim.kind.name == "range":
        for path, part in zip(dim.listing_paths, value):
            set_path(record, path, part)
    else:
        set_path(record, dim.listing_paths[0], value)
    return record


def facts(dim: Dimension, value) -> dict:
    """The facts a match request carries for this value (a derived fact is asked through the first
    question it derives from)."""
    if dim.kind.name == "area":
        return {"_town": value}
    return {eligibility.DERIVED_FROM.get(dim.profile_field, (dim.profile_field,))[0]: value}


def location(dim: Dimension, value) -> dict:
    if dim.kind.name == "area":
        return {"text": value.title()}
    return {"zip": "06106"}


@pytest.mark.parametrize("dim", DIMENSIONS, ids=lambda d: d.name)
def test_the_table_row_is_complete(dim):
    assert dim.kind.name in ("range", "member", "overlap", "excludes", "requires", "only_for", "area")
    assert dim.label.en and dim.label.es and dim.reason.en and dim.reason.es
    assert not dim.caution or (dim.caution.en and dim.caution.es)
    assert set(dim.columns) <= set(COLUMNS) and all(c in ListingEditSchema().fields for c in dim.columns)
    assert [EDIT_PATHS[c] for c in dim.columns] == list(dim.listing_paths)
    assert set(dim.listing_paths) <= set(EDITABLE_FIELDS)  # a provider can change it, and it survives rebuilds
    if dim.profile_field in eligibility.DERIVED_FROM:
        assert all(eligibility.PROFILE_FIELDS[f].kind is dim.kind for f in eligibility.DERIVED_FROM[dim.profile_field])
    elif dim.profile_field:
        assert eligibility.PROFILE_FIELDS[dim.profile_field] is dim


@pytest.mark.parametrize("dim", DIMENSIONS, ids=lambda d: d.name)
def test_the_oracle_is_three_valued(dim):
    ex = examples(dim)
    stated = model.load_record(with_value(base_record("x", dim), dim, ex["listing"]))
    unstated = model.load_record(base_record("y", dim))
    assert dim.name in definitely_ineligible(stated, facts(dim, ex["fails"]))
    assert dim.name not in definitely_ineligible(stated, facts(dim, ex["meets"]))
    assert dim.name not in definitely_ineligible(unstated, facts(dim, ex["fails"]))


@pytest.mark.es
@pytest.mark.parametrize("dim", DIMENSIONS, ids=lambda d: d.name)
def test_the_engine_excludes_only_the_definitely_ineligible_and_explains(dim, store, client):
    ex = examples(dim)
    confirm_listing = ex.get("confirm_listing", ex["listing"])
    records = [with_value(base_record("stated", dim), dim, ex["listing"]),
               with_value(base_record("confirmed", dim), dim, confirm_listing),
               base_record("unstated", dim)]
    store.listings.rebuild([model.load_record(r) for r in records])

    def match(value, lang="en"):
        body = {"location": location(dim, value), "needs": [needs_for(dim)], "limit": 10}
        if dim.profile_field:
            body.update(facts(dim, value))
        resp = client.post("/api/v1/match", json=body, headers={"Accept-Language": lang})
        assert resp.status_code == 200, resp.get_json()
        return {r["listing_id"]: r for r in resp.get_json()["results"]}

    failing = match(ex["fails"])
    assert "stated" not in failing and "unstated" in failing
    confirm_value = ex.get("confirm", ex["meets"])
    for lang in ("en", "es"):
        got = match(confirm_value, lang)
        assert "confirmed" in got
        reason = dim.reason_text(dim.record_value(model.load_record(records[1])),
                                 eligibility.participant_facts(facts(dim, confirm_value)), lang)
        assert reason in got["confirmed"]["reasons"], (lang, got["confirmed"]["reasons"])
        caution = dim.caution_text(facts(dim, confirm_value), lang)
        if caution and dim.evaluate(None, facts(dim, confirm_value)) == "unknown":
            assert caution in got["unstated"]["cautions"], (lang, got["unstated"]["cautions"])
    # A listing that states and meets the rule ranks above one that does not state it.
    ranked = list(match(confirm_value))
    assert ranked.index("confirmed") < ranked.index("unstated")
