"""What an organisation's other programs at the same address say about a listing (ingest.sites): the
services offered there, and the facility's ages from the SAMHSA directory."""
import pytest

from ingest import pipeline, sites
from ingest.geocode import Geocoder
from tests.test_match_api import ids, load_rows, plain_row, post


def collect(shared):
    report = pipeline.Report()
    return pipeline.collect([f"federal:{shared / 'facilities/ct'}"], Geocoder(), report), report


def test_programs_of_one_organisation_at_one_address_tell_what_the_site_offers(shared):
    records, report = collect(shared)
    assert report.site_annotated > 50
    by_name = {(r["organization"]["name"], r["service"]["name"]): r for r in records}
    # 43 Woodland Street, Hartford: Wheeler's substance use outpatient program stands beside its Health
    # and Wellness Center (mental health list, another listing) ...
    wheeler = by_name[("Wheeler Clinic Inc", "Hartford Outpatient")]
    assert "mental_health.outpatient" in wheeler["site"]["needs"]
    assert [p["name"] for p in wheeler["site"]["programs"]] == ["Wheeler Clinic Inc / Health and Wellness Center"]
    # ... and its psychiatric clinic for adults, which serves a narrower group and so lends nothing.
    assert by_name[("Wheeler Clinic Inc", "Psychiatric Outpt Clinic for Adults")]["service"]["minimum_age"] == 18
    # InterCommunity Inc (substance use list) and InterCommunity Healthcare (mental health list) at one
    # address are one organisation's programs though the names differ.
    inter = next(r for r in records if r["organization"]["name"] == "InterCommunity Inc"
                 and r["service"]["name"] == "Substance use treatment")
    assert "mental_health" in inter["site"]["needs"]
    # A program for another group lends nothing: no listing borrows a school-based health centre's services.
    for r in records:
        for p in (r.get("site") or {}).get("programs", []):
            assert "School Based" not in p["name"] or r["eligibility"].get("students_only"), (r["id"], p["name"])


def test_the_facility_ages_of_the_samhsa_directory_reach_the_organisations_other_listings_there(shared):
    records, _ = collect(shared)
    # 20 North Main Street, Norwalk: the 2017 directory says Connecticut Counseling Centers serves adults
    # (YAD/ADLT, no CHLD); its mental health clinic there, on another list, states no ages.
    clinic = next(r for r in records if r["service"]["name"] == "Norwalk Clinic")
    assert clinic["service"]["minimum_age"] == 18
    assert "SAMHSA directory entry for this address" in clinic["inferred"]["min_age"]
    # Only between programs named as one organisation: no listing of another organisation took ages.
    for r in records:
        why = (r.get("inferred") or {}).get("min_age", "")
        if "SAMHSA directory entry" in why:
            assert sites.same_organisation(r, next(o for o in records if o["organization"]["name"] in why
                                                   and o["service"]["name"] in why)), r["id"]


@pytest.mark.es
def test_both_kinds_of_care_at_one_address_can_treat_co_occurring_disorders(client, store, tmp_path):
    report = load_rows(store, tmp_path,
                       plain_row("a1", "o1", "Alpha Recovery", "Detox unit", "detox", 41.765, -72.685),
                       plain_row("a2", "o1", "Alpha Recovery", "Counseling center", "mental_health.outpatient", 41.765, -72.685),
                       plain_row("b1", "o2", "Bravo Outpatient", "Outpatient clinic", "substance_use.outpatient", 41.766, -72.686))
    assert report.site_annotated == 2
    # A need offered only by the other program at the address is not this program's: it is shown once.
    assert ids(post(client, needs=["detox"], limit=10)) == ["a1"]
    both = post(client, needs=["mental_health.co_occurring"], limit=10)
    assert sorted(ids(both)) == ["a1", "a2"]  # Bravo offers substance use care only
    a2 = next(r for r in both["results"] if r["listing_id"] == "a2")
    assert "Treats mental health and substance use with its programs at this address: Alpha Recovery / Detox unit" \
        in a2["reasons"]
    assert any("Does not say it offers co-occurring disorders" in c for c in a2["cautions"])
    # The case manager sees the organisation's other programs there, in results and on the listing.
    assert a2["also_here"] == ["Alpha Recovery / Detox unit"]
    listing = client.get("/api/v1/services/a1").get_json()
    assert listing["also_here"] == [{"id": "a2", "name": "Alpha Recovery / Counseling center"}]
    assert client.get("/api/v1/services/b1").get_json()["also_here"] == []
