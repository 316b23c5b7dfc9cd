"""The best number that reaches a listing with none of its own, on the real Connecticut lists: the
intake line of its organisation's program at the same address, else its organisation's number, each
said so; never a fax, never the seed's fiction."""
from __future__ import annotations

from directory.documents import contact_kind
from ingest import pipeline, reach
from ingest.geocode import Geocoder


def record(lid, org, program, *, phone=None, lat=41.76, lon=-72.68, street="10 Main St", sample=False):
    return {"id": lid, "organization": {"id": org, "name": org}, "service": {"id": lid, "name": program},
            "location": {"latitude": lat, "longitude": lon, "geocode_quality": "provided"},
            "address": {"address_1": street, "city": "Hartford", "postal_code": "06106"}, "needs": ["substance_use"],
            "phones": [{"number": phone, "type": "voice"}] if phone else [], "sources": [{"source": "t"}],
            "sample": sample}


def test_a_number_is_lent_by_the_site_then_the_organisation_never_by_a_stranger():
    records = [record("a", "River Recovery", "Detox"), record("b", "River Recovery", "Outpatient", phone="860-555-0100"),
               record("c", "Lake Recovery", "Detox"),
               record("d", "Lake Recovery", "Clinic", phone="203-555-0101", lat=41.30, lon=-72.92, street="1 Elm St"),
               record("e", "Stranger Inc", "Detox"),
               record("f", "Fax Only", "Detox"), record("s", "Sample Org", "Detox", sample=True)]
    records[5]["phones"] = [{"number": "860-555-0109", "type": "fax"}]
    assert reach.annotate(records) == {"site": 1, "organization": 1}
    by_id = {r["id"]: r for r in records}
    assert by_id["a"]["reach"] == {"number": "860-555-0100", "extension": None, "via": "site", "listing_id": "b",
                                   "organization": "River Recovery", "service": "Outpatient", "town": "Hartford"}
    assert by_id["c"]["reach"]["via"] == "organization" and by_id["c"]["reach"]["number"] == "203-555-0101"
    assert "reach" not in by_id["e"] and "reach" not in by_id["f"] and "reach" not in by_id["s"]
    assert [contact_kind(by_id[i]) for i in "abcef"] == ["site", "own", "organization", "none", "none"]


def test_on_the_connecticut_lists_most_listings_without_a_phone_are_reached(shared):
    report = pipeline.Report()
    records = pipeline.collect([f"federal:{shared / 'facilities/ct'}"], Geocoder(), report)
    kinds = [contact_kind(r) for r in records]
    lent = report.numbers_lent["site"] + report.numbers_lent["organization"]
    assert lent == kinds.count("site") + kinds.count("organization") and lent >= 80
    # The substance use list states no phones: most of its listings borrow one, and the report says how many not.
    su = report.quality["samhsa-su"]
    assert su["listings"] == 190 and su["phone_lent"] >= 60 and su["no_phone"] + su["phone_lent"] <= 190
    blue_hills = next(r for r in records if r["service"]["name"] == "Blue Hills Substance Services")
    assert blue_hills["reach"]["via"] == "organization"
    assert blue_hills["reach"]["organization"] == "Connecticut Valley Hospital"
