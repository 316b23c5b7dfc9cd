from types import SimpleNamespace

import pytest
from marshmallow import ValidationError

from directory import model
from directory import places
from ingest import geocode
from ingest.dedupe import Deduper, org_key, street_key


def test_zip_repair():
    assert model.normalise_zip("6106") == "06106"
    assert model.normalise_zip("6106.0") == "06106"
    assert model.normalise_zip("06106-1234") == "06106"
    assert model.normalise_zip("ABC 1234") == "ABC 1234"


def test_zip_centroid_then_town_centroid_then_nothing():
    g = geocode.Geocoder()
    assert g.locate({"postal_code": "06106"}).quality == "zip_centroid"
    place = g.locate({"city": "Harford", "state_province": "CT"})
    assert place.quality == "town_centroid" and places.in_connecticut(place.lat, place.lon)
    assert g.locate({"city": "BPT", "state_province": "CT"}).quality == "town_centroid"
    assert g.locate({"city": "Atlantis"}) is None
    assert g.locate({}, 41.5, -72.5).quality == "provided"


def test_geopy_geocoder_answers_are_cached():
    calls = []

    def fake_geocode(query):
        calls.append(query)
        return SimpleNamespace(latitude=41.77, longitude=-72.67)

    saved = {}
    g = geocode.Geocoder(geocode_fn=fake_geocode, cache_put=saved.update)
    address = {"address_1": "10 Main Street", "city": "Hartford", "state_province": "CT", "postal_code": "06103"}
    assert g.locate(address).quality == "geocoder"
    g.flush()
    g2 = geocode.Geocoder(geocode_fn=fake_geocode, cache_get=lambda keys: {k: saved[k] for k in keys if k in saved})
    g2.prefetch([address])
    assert g2.locate(address).quality == "cache"
    assert len(calls) == 1
    # junk street: no geocoder call, straight to the centroid
    assert g.locate({"address_1": "TBD", "postal_code": "06106"}).quality == "zip_centroid"
    assert len(calls) == 1


def _record(**over):
    rec = {"id": "x:1", "organization": {"id": "o", "name": "Org"}, "service": {"id": "s", "name": "Svc"},
           "location": {"id": "l", "latitude": 41.0, "longitude": -72.0, "geocode_quality": "provided"},
           "needs": ["basic_needs.food"], "sources": [{"source": "a", "source_id": "1"}]}
    rec.update(over)
    return rec


def test_schema_rejects_impossible_values_with_paths():
    with pytest.raises(ValidationError) as exc:
        model.load_record(_record(location={"id": "l", "latitude": 100, "longitude": 200},
                                  needs=["not.a.need"], service={"id": "s", "name": "S", "minimum_age": 30,
                                                                  "maximum_age": 20}))
    fields = {f for f, _ in model.error_messages(exc.value)}
    assert {"location.latitude", "location.longitude", "needs", "service.minimum_age"} <= fields


def test_schema_keeps_unknown_eligibility_unknown():
    rec = model.load_record(_record(eligibility={"insurance": ["medicaid"]}))
    assert rec["eligibility"]["insurance"] == ["medicaid"]
    assert rec["eligibility"]["moud_accepted"] is None


def test_normalisers():
    assert org_key("The Connecticut Counseling Centers, Inc.") == "connecticut counseling center"
    assert org_key("Connecticut Counseling Center Inc") == org_key("Connecticut Counseling Centers, Inc.")
    assert org_key("Access Agency") == "access agency"  # "ss" is not a plural
    assert street_key("50 Brookside Road, Suite 2") == "50 brookside rd"
    assert street_key("50 Brookside Rd") == "50 brookside rd"


def test_dedupe_merges_across_sources_only():
    d = Deduper()
    base = dict(address={"address_1": "50 Brookside Road", "postal_code": "06708"})
    assert not d.add(model.load_record(_record(**base)), facility_level=True)
    # same source, same site, another service: a separate listing
    assert not d.add(model.load_record(_record(id="x:2", service={"id": "s2", "name": "Other"}, **base)),
                     facility_level=True)
    # another source, same organisation and site: merged, provenance kept, needs unioned
    other = _record(id="y:1", needs=["mental_health"], sources=[{"source": "b", "source_id": "9"}],
                    address={"address_1": "50 Brookside Rd.", "postal_code": "06708"})
    assert d.add(model.load_record(other), facility_level=True)
    kept = d.records()[0]
    assert {s["source"] for s in kept["sources"]} == {"a", "b"}
    assert kept["needs"] == ["basic_needs.food", "mental_health"]
    assert len(d.records()) == 2


def test_validation_beside_reading_keeps_the_input_order_in_worker_processes(monkeypatch):
    from ingest import pipeline  # noqa: PLC0415

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_RECORDS", 4)  # workers from the second chunk on
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    raws = [_record(id=f"x:{i}", needs=["basic_needs.food"] if i % 3 else ["not.a.need"]) for i in range(12)]
    validation = pipeline.Validation()
    for i in range(0, len(raws), 3):
        validation.add(raws[i:i + 3])
        if validation.count >= 4:
            assert validation.pool is not None and not validation.waiting  # handed over while "reading" goes on
    out = validation.results()
    assert [r["id"] if r else None for r, _ in out] == [None if i % 3 == 0 else f"x:{i}" for i in range(12)]
    assert all(("needs" in {f for f, _ in errors}) == (i % 3 == 0) for i, (_, errors) in enumerate(out))
    assert out == pipeline.validate_chunk(raws)  # the same answers as in this process
