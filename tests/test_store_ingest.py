"""Against the real engine: mapping, alias swap, idempotent re-ingest, failures, edits surviving rebuilds."""
from pathlib import Path

import pytest

from directory import documents
from directory.errors import VersionConflict
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.es

SEED = f"seed:{ROOT / 'seed_data'}"


def ingest(store, *sources, **kw):
    geocoder = Geocoder(cache_get=store.geocache.get_many, cache_put=store.geocache.put_many)
    report, result = pipeline.run(list(sources), store, geocoder, **kw)
    return report


def snapshot(store):
    store.es.indices.refresh(index=store.listings.alias)
    hits = store.es.search(index=store.listings.alias, size=2000, sort=[{"id": "asc"}],
                           source_excludes=["indexed_at", "record", "capacity.updated_at", "etag"])["hits"]["hits"]
    return [h["_source"] for h in hits]


def strip_none(value):
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value


def provider_csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "provider.csv"
    path.write_text("listing_id,organization_name,service_name,needs,hours,postal_code,city,latitude,longitude,"
                    "capacity_available,capacity_maximum,capacity_updated_at,insurance\n" + rows)
    return f"provider:{path}"


def test_mapping_and_alias_point_at_one_physical_index(store):
    report = ingest(store, SEED)
    assert report.indexed >= 200 and not report.rejected
    aliases = store.es.indices.get_alias(name=store.listings.alias).body
    assert list(aliases) == [report.index]
    mapping = store.es.indices.get_mapping(index=store.listings.alias)[report.index]["mappings"]["properties"]
    assert mapping["location"]["properties"]["point"]["type"] == "geo_point"
    assert mapping["age"]["type"] == "integer_range"
    assert mapping["hours"]["properties"]["open"]["type"] == "integer_range"
    assert mapping["needs"]["type"] == "keyword"


def test_seed_is_queryable_by_parent_need_open_minute_and_distance(store):
    ingest(store, SEED)
    es, idx = store.es, store.listings.alias
    parent = es.count(index=idx, query={"term": {"needs": "substance_use"}})["count"]
    leaf = es.count(index=idx, query={"term": {"needs": "substance_use.withdrawal_management"}})["count"]
    assert parent > leaf > 0
    always = es.count(index=idx, query={"term": {"hours.always_open": True}})["count"]
    sunday_3am = 6 * 1440 + 180
    open_then = es.count(index=idx, query={"term": {"hours.open": sunday_3am}})["count"]
    assert open_then >= always > 0
    near = es.count(index=idx, query={"geo_distance": {"distance": "3mi",
                                                        "location.point": {"lat": 41.7637, "lon": -72.6851}}})
    assert near["count"] > 20
    age_ok = es.count(index=idx, query={"term": {"age": 34}})["count"]
    assert 0 < age_ok < store.listings.count()


def test_re_running_the_same_ingest_gives_the_same_directory(store):
    ingest(store, SEED)
    first = snapshot(store)
    report = ingest(store, SEED)
    assert snapshot(store) == first
    assert len(store.es.indices.get(index=f"{store.listings.alias}-*").body) == 1  # the old index was removed
    assert report.indexed == len(first)


def test_bad_records_are_reported_while_good_ones_load(store, tmp_path):
    source = provider_csv(tmp_path, (
        "p1,Good,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,,,,\n"
        "p2,Bad Coords,Shelter,shelter,24/7,06106,Hartford,100,-72.69,,,,\n"
        "p3,Bad Hours,Food,food,Mo 25:00-26:00,06106,Hartford,,,,,,\n"
        "p4,Bad Insurance,Clinic,primary care,,06106,Hartford,,,,,,gold plan\n"
        "p5,Bad Capacity,Shelter,shelter,,06106,Hartford,,,9,5,,\n"))
    report = ingest(store, source)
    assert report.indexed == 2
    rejected = {(r.ref, r.field) for r in report.rejected}
    assert rejected == {("p3", "hours_text"), ("p4", "insurance"), ("p5", "capacity.available")}
    bad_insurance = next(r for r in report.rejected if r.ref == "p4")
    assert "accepted values are medicaid" in bad_insurance.message  # the spreadsheet column, and what it takes
    doc, _ = store.get("p2")  # latitude 100 was dropped and the ZIP centroid used instead
    assert doc["location"]["geocode_quality"] == "zip_centroid"
    assert 41 < doc["location"]["point"]["lat"] < 42
    assert any("not a point on Earth" in w for w in report.warnings)


def test_a_failure_mid_ingest_leaves_the_live_alias_untouched(store, monkeypatch):
    ingest(store, SEED)
    live, before = store.listings.live_index(), snapshot(store)
    real_document = documents.stored_document
    calls = {"n": 0}

    def exploding(record, edits, indexed_at):
        calls["n"] += 1
        if calls["n"] == 150:
            raise RuntimeError("disk on fire")
        return real_document(record, edits, indexed_at)

    monkeypatch.setattr(documents, "stored_document", exploding)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(store, SEED)
    assert store.listings.live_index() == live
    assert snapshot(store) == before
    assert list(store.es.indices.get(index=f"{store.listings.alias}-*").body) == [live]  # half-built index deleted


def test_a_build_that_shrinks_the_directory_too_much_is_refused(store, tmp_path):
    ingest(store, SEED)
    live = store.listings.live_index()
    tiny = provider_csv(tmp_path, "p1,Good,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,,,,\n")
    with pytest.raises(pipeline.SourceError, match="refusing"):
        ingest(store, tiny, min_ratio=0.5)
    assert store.listings.live_index() == live


def test_no_valid_records_never_replaces_the_directory(store, tmp_path):
    ingest(store, SEED)
    live = store.listings.live_index()
    bad = provider_csv(tmp_path, "p1,Bad,Thing,flying lessons,,06106,Hartford,,,,,,\n")
    with pytest.raises(pipeline.SourceError):
        ingest(store, bad)
    assert store.listings.live_index() == live


def test_provider_edits_and_capacity_survive_a_rebuild(store, tmp_path):
    source = provider_csv(tmp_path, (
        "p1,Harbor House,Shelter,shelter,Mo-Fr 17:00-08:00,06106,Hartford,41.76,-72.69,2,20,"
        "2020-01-01T00:00:00+00:00,medicaid\n"))
    ingest(store, source)
    doc, version = store.get("p1")
    changes = {
        "hours_text": "24/7", "phones": [{"number": "(860) 555-0111", "type": "voice"}], "languages": ["en", "es"],
        "service.description": "Low-barrier shelter", "service.status": "temporarily_closed",
        "access.walk_in": True, "access.appointment_required": False,
        "eligibility.insurance": ["medicaid", "uninsured"], "eligibility.moud_accepted": ["methadone"],
        "eligibility.sobriety_required": False, "eligibility.offence_exclusions": [],
        "eligibility.genders": ["female"], "eligibility.veterans_only": False,
        "eligibility.service_area_towns": ["Hartford"], "eligibility.id_required": False,
        "service.minimum_age": 18, "service.maximum_age": 64, "service.eligibility_description": "Adults",
        "capacity": {"available": 7, "maximum": 20, "unit": "beds", "accepting_new_clients": True,
                     "updated_at": "2026-11-26T12:00:00+00:00", "updated_by": "provider@example.org"},
    }
    new_version = store.edit("p1", changes, actor="provider@example.org", if_version=version).etag
    assert new_version != version
    with pytest.raises(VersionConflict):
        store.edit("p1", {"languages": ["en"]}, actor="someone", if_version=version)

    report = ingest(store, source)  # rebuild from the unchanged source
    assert report.edits_reapplied == 1
    after, _ = store.get("p1")
    for path, value in changes.items():
        node = after["record"]
        for part in path.split("."):
            node = node[part]
        assert strip_none(node) == value, path
    assert after["hours"]["always_open"] is True
    assert after["status"] == "temporarily_closed"
    assert after["capacity"]["available"] == 7 and after["capacity"]["status"] == "available"
    assert after["eligibility"]["moud_accepted"] == ["methadone"]
    assert sorted(after["edited_fields"]) == sorted(changes)


def test_a_newer_capacity_from_the_source_wins_over_an_older_edit(store, tmp_path):
    row = "p1,Harbor House,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,{a},20,{t},\n"
    ingest(store, provider_csv(tmp_path, row.format(a=2, t="2026-11-01T00:00:00+00:00")))
    store.edit("p1", {"capacity": {"available": 5, "maximum": 20, "unit": "beds",
                                   "updated_at": "2026-11-02T00:00:00+00:00"}}, actor="p")
    ingest(store, provider_csv(tmp_path, row.format(a=9, t="2026-11-03T00:00:00+00:00")))
    assert store.get("p1")[0]["capacity"]["available"] == 9


def test_connecticut_federal_lists(store, shared):
    report = ingest(store, SEED, f"federal:{shared / 'facilities/ct'}", samples=True)
    seed_rows = sum(len(f.read_text(encoding="utf-8").splitlines()) - 1 for f in (ROOT / "seed_data").glob("*.csv"))
    assert report.read + len(report.skipped) == seed_rows + 190 + 210 + 48 + 33 + 350 + 41  # 41 hospitals
    assert not report.rejected
    assert len(report.skipped) == 8  # 6 chronic-care and 1 birth-centre hospitals, 1 office
    assert report.by_source["samhsa-su"] == 190 and report.by_source["hrsa-fqhc"] == 349
    psych = store.es.count(index=store.listings.alias, query={"bool": {"filter": [
        {"term": {"sources.source": "hospitals"}}, {"term": {"needs": "mental_health.psychiatric"}}]}})["count"]
    assert psych >= 1
    both = store.es.count(index=store.listings.alias, query={"bool": {"filter": [
        {"term": {"sources.source": "samhsa-su"}}, {"term": {"sources.source": "samhsa-mh"}}]}})["count"]
    assert both >= 30  # the same program on both lists (the rest of the 37 shared sites: tests/test_dedupe_real.py)
    assert report.indexed == report.read - report.merged
    apt = store.es.search(index=store.listings.alias, query={"bool": {"filter": [
        {"term": {"sources.source": "samhsa-otp2017"}}, {"term": {"eligibility.moud_accepted": "methadone"}}]}})
    assert apt["hits"]["total"]["value"] >= 30


def test_hsds_feeds_load_end_to_end(store, shared):
    report = ingest(store, f"hsds3-json:{shared / 'hsds3-spec-examples/json'}",
                    f"hsds3-csv:{shared / 'hsds3-spec-examples/csv'}", f"hsds1-csv:{FIXTURES / 'hsds1'}")
    assert not report.rejected
    doc, _ = store.get("hsds3:e94c9f38-1e8f-4564-91d4-d53501ab1765")
    assert doc["location"]["point"] is None and doc["location"]["geocode_quality"] == "none"
    assert {s["source"] for s in doc["sources"]} == {"hsds3", "hsds3-csv"}  # one listing, both feeds


def test_an_edit_made_while_a_rebuild_runs_is_in_the_new_directory(store, tmp_path):
    source = provider_csv(tmp_path, "p1,Harbor House,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,2,20,,\n"
                                    "p2,Other House,Shelter,shelter,24/7,06106,Hartford,41.77,-72.69,,,,\n")
    ingest(store, source)
    _, version = store.get("p1")
    edited = []

    def edit_mid_rebuild(count):
        if not edited:  # the old index is still live: the edit lands there and in the edit records
            edited.append(store.edit("p1", {"languages": ["en", "es"]}, actor="provider", if_version=version))

    geocoder = Geocoder()
    pipeline.run([source], store, geocoder, on_indexed=edit_mid_rebuild)
    assert edited and edited[0].doc["record"]["languages"] == ["en", "es"]
    doc, _ = store.get("p1")
    assert doc["languages"] == ["en", "es"] and doc["edited_fields"] == ["languages"]


def test_an_etag_read_before_a_rebuild_still_works_when_the_data_did_not_change(store, tmp_path):
    """A provider who read a listing before the nightly import is not refused if nothing changed."""
    source = provider_csv(tmp_path, "p1,Harbor House,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,3,9,"
                                    "2026-11-26T12:00:00+00:00,\n")
    ingest(store, source)
    _, before = store.get("p1")
    ingest(store, source)
    assert store.get("p1")[1] == before
    store.edit("p1", {"languages": ["en"]}, actor="provider", if_version=before)
    with pytest.raises(VersionConflict):  # the edit changed the content, so the old ETag is now stale
        store.edit("p1", {"languages": ["es"]}, actor="provider", if_version=before)


def test_an_etag_read_before_a_rebuild_that_changed_the_data_is_stale(store, tmp_path):
    source = provider_csv(tmp_path, "p1,Harbor House,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,,,,\n")
    ingest(store, source)
    _, before = store.get("p1")
    changed = provider_csv(tmp_path, "p1,Harbor House,Shelter,shelter,Mo-Fr 08:00-17:00,06106,Hartford,41.76,"
                                     "-72.69,,,,\n")
    ingest(store, changed)
    with pytest.raises(VersionConflict):
        store.edit("p1", {"languages": ["en"]}, actor="provider", if_version=before)


def test_a_re_ingest_with_a_relative_capacity_time_never_reverts_a_provider_edit(store, tmp_path):
    """A source row whose capacity time is relative ('now') states no time of its own: re-resolved at each
    ingest, it would always look newer than the provider's edit. The edit stays."""
    row = "p1,Harbor House,Shelter,shelter,24/7,06106,Hartford,41.76,-72.69,2,20,now,\n"
    source = provider_csv(tmp_path, row)
    ingest(store, source)
    _, etag = store.get("p1")
    from datetime import datetime, timezone
    edit = {"available": 7, "maximum": 20, "unit": "beds", "updated_at": datetime.now(timezone.utc).isoformat(),
            "updated_by": "provider"}
    store.edit("p1", {"capacity": edit}, actor="provider", if_version=etag)
    ingest(store, source)
    doc, _ = store.get("p1")
    assert doc["capacity"]["available"] == 7 and "capacity" in doc["edited_fields"]


def test_a_directory_built_from_real_sources_holds_no_sample_listing_unless_asked(store, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("organization_name,service_name,needs,city,postal_code,latitude,longitude,sample\n"
                    "Real Shelter,Night shelter,shelter,Hartford,06106,41.76,-72.68,\n"
                    "Made Up Shelter,Night shelter,shelter,Hartford,06106,41.77,-72.68,yes\n")
    report = ingest(store, f"provider:{path}")
    assert report.indexed == 1 and report.samples_left_out == 1
    assert "sample listings left out: 1" in report.summary()
    assert store.es.count(index=store.listings.alias, query={"term": {"sample": True}})["count"] == 0
    report = ingest(store, f"provider:{path}", samples=True)
    assert report.indexed == 2 and report.samples_left_out == 0


def test_the_seed_beside_a_real_source_is_refused_without_samples(store, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("organization_name,service_name,needs,city,postal_code\nReal Shelter,Night shelter,shelter,"
                    "Hartford,06106\n")
    with pytest.raises(pipeline.SourceError, match="--samples"):
        ingest(store, SEED, f"provider:{path}")
    assert store.listings.live_index() is None  # refused before anything was read or built
    assert ingest(store, SEED).indexed >= 200  # the seed alone is the sample demo
