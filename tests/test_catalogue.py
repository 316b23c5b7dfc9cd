"""The index catalogue: every index the project keeps is declared once and made along one path."""
from __future__ import annotations

import pytest

from directory.es import PRIORITY_ACCOUNTS, PRIORITY_BACKGROUND, PRIORITY_WRITES
from directory.indices import catalogue
from tests.conftest import ROOT

pytestmark = pytest.mark.es


def test_ensure_makes_every_plain_index_with_its_mapping_and_priority(store):
    made = store.es.indices.get(index=f"{store.settings.index_prefix}-*").body
    plain = [s for s in catalogue.SPECS if not s.alias]
    assert sorted(made) == sorted(store.catalogue.name(s.key) for s in plain)
    for spec in plain:
        got = made[store.catalogue.name(spec.key)]
        assert got["mappings"]["dynamic"] == "strict"
        assert set(got["mappings"]["properties"]) == set(spec.mapping["properties"]), spec.key
        assert int(got["settings"]["index"]["priority"]) == spec.priority
    # What every request reads recovers before what is written often, and that before the background.
    assert catalogue.BY_KEY["users"].priority == PRIORITY_ACCOUNTS > PRIORITY_WRITES == catalogue.BY_KEY["edits"].priority
    assert catalogue.BY_KEY["audit"].priority == PRIORITY_BACKGROUND


def test_ensure_gives_an_index_made_by_an_earlier_version_the_fields_it_lacks(es, store):
    name = store.catalogue.name("referrals")
    es.indices.delete(index=name)
    old = store.catalogue.mapping("referrals")
    del old["properties"]["provider_unseen"]
    es.indices.create(index=name, mappings=old)
    store.ensure_indices()
    assert "provider_unseen" in es.indices.get_mapping(index=name)[name]["mappings"]["properties"]


def test_names_derive_from_the_prefix_and_are_unique(store):
    names = dict(store.catalogue.names())
    assert len(set(names.values())) == len(catalogue.SPECS)
    assert all(n.startswith(store.settings.index_prefix + "-") for n in names.values())


def test_the_dedupe_review_keeps_the_last_ingests_pairs(store, shared):
    from ingest import pipeline
    from ingest.geocode import Geocoder

    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}", f"federal:{shared / 'facilities/ct'}"], store, Geocoder(),
                             samples=True)
    pairs, at = store.dedupe_review.pairs()
    assert report.review and pairs == report.review and at
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())  # the sample data has no uncertain pair
    assert store.dedupe_review.pairs() == ([], None)
