"""A record that can be listed is listed, and nothing a feed says that the directory can carry is lost:
unknown organisations, services with no recognisable need, values the directory cannot model, and the
details a case manager uses (wait time, service areas, contacts, ...). One fixture per class of trouble."""
from __future__ import annotations

import pytest

from ingest import pipeline
from ingest.geocode import Geocoder
from ingest.needs_text import needs_from_text
from ingest.pipeline import Report, collect
from tests.conftest import FIXTURES


def load(kind: str, name: str) -> tuple[Report, dict[str, dict]]:
    report = Report()
    records = collect([f"{kind}:{FIXTURES / name}"], Geocoder(), report)
    return report, {r["id"]: r for r in records}


def flags(record: dict) -> list[str]:
    return sorted(f["code"] for f in record.get("flags") or [])


# ----- needs from text ------------------------------------------------------------------------------
def test_a_need_is_read_from_text_only_where_the_text_says_it():
    assert needs_from_text("Tenant Rights Clinic: legal advice for tenants facing eviction") == {"legal_aid": "'legal'"}
    assert needs_from_text("Tenant Rights Clinic", "for tenants facing eviction") == {}  # 'clinic' decides nothing
    assert needs_from_text("Walk-in clinic for homeless men") == {}
    assert needs_from_text("Free clinic") == {"healthcare.health_center": "'free clinic'"}
    assert needs_from_text("Detox unit", "medical withdrawal management") == {
        "substance_use.withdrawal_management": "'detox'"}  # the name says it; the description is not read
    assert needs_from_text(None, "Overnight shelter for adults") == {"housing.emergency_shelter": "'overnight shelter'"}


# ----- HSDS 1.x legal aid: organisations missing, no taxonomy, text ages, unreadable hours -------------
def test_every_service_of_the_legal_aid_feed_is_listed_with_its_real_causes_flagged():
    report, records = load("hsds1-csv", "hsds1_legal_aid")
    assert (report.read, len(records), len(report.rejected)) == (5, 5, 0)
    summary = report.as_dict()
    assert summary["flagged"] == 5
    assert summary["flagged_by_reason"] == {"needs_from_text": 3, "organization_unknown": 2, "schedule_unreadable": 2,
                                            "uncategorised": 1}
    # The cause and the record: which organisation id is missing, for which service.
    unknown = [f for f in summary["flags"] if f["code"] == "organization_unknown"]
    assert [f["ref"] for f in unknown] == ["sal-2", "sal-3"]
    assert "organization_id 'org-9' is not among the feed's organizations" in unknown[0]["message"]
    assert "svc-2" in unknown[0]["message"]
    pardons = records["hsds1-csv:sal-2"]
    assert (pardons["organization"]["id"], pardons["organization"]["name"]) == ("org-9", "org-9 (as given by the feed)")
    # The clinic is legal aid, from the word 'legal', and says so.
    clinic = records["hsds1-csv:sal-1"]
    assert clinic["needs"] == ["legal_aid"] and clinic["needs_read_from"] == {"legal_aid": "'legal'"}
    # No need at all: listed uncategorised, flagged for review.
    navigator = records["hsds1-csv:sal-4"]
    assert navigator["needs"] == [] and flags(navigator) == ["uncategorised"]
    # A term the taxonomy knows gives the need, with no flag.
    assert records["hsds1-csv:sal-5"]["needs"] == ["legal_aid"]


def test_unreadable_hours_and_text_ages_are_kept_and_hours_are_normalised():
    _, records = load("hsds1-csv", "hsds1_legal_aid")
    clinic, hotline, appeals = (records[f"hsds1-csv:sal-{n}"] for n in (1, 3, 5))
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in clinic["schedules"]] == [
        ("MO", "09:00", "17:00"), ("WE", "09:00", "17:00")]  # '9am', '5pm'
    assert appeals["schedules"] == [] and flags(appeals) == ["schedule_unreadable", "schedule_unreadable"]
    assert {"field": "schedule", "value": "byday=FR opens_at=sunrise closes_at=sunset"} in appeals["details"]["as_given"]
    assert hotline["service"]["minimum_age"] == 55 and hotline["service"]["maximum_age"] is None
    assert hotline["inferred"] == {"min_age": "read from text: 'Age 55 or over'"}


def test_what_a_case_manager_uses_is_kept():
    _, records = load("hsds1-csv", "hsds1_legal_aid")
    clinic, hotline = records["hsds1-csv:sal-1"], records["hsds1-csv:sal-3"]
    details = clinic["details"]
    assert details["wait_time"] == "About two weeks for a first appointment"
    assert details["service_areas"] == [{"name": "Hartford County", "description": "Tenants living in Hartford County"}]
    assert details["accessibility"] == [{"description": "Wheelchair accessible", "details": "Ramp at the side entrance"}]
    assert details["funding"] == ["State legal services grant", "Private donations"]
    assert details["payment_methods"] == ["Free of charge"]
    assert details["holiday_schedules"] == [
        {"valid_from": "2026-12-25", "valid_to": "2026-12-25", "closed": True},
        {"valid_from": "2026-12-24", "valid_to": "2026-12-24", "closed": False, "opens_at": "09:00", "closes_at": "12:00"}]
    assert details["contacts"] == [{"name": "Ana Rivera", "title": "Intake coordinator", "department": "Housing unit",
                                    "email": "housing@riverside-legal.example",
                                    "phones": [{"number": "860-555-0153", "extension": "12", "type": "voice",
                                                "description": "Intake desk direct"}]}]
    assert clinic["phones"][0]["languages"] == ["en", "es"]
    assert clinic["phones"][1]["type"] == "textphone"
    assert hotline["details"]["location_languages"] == ["es", "tl"]  # "Spanish, Tagalog"


@pytest.mark.es
def test_flagged_listings_are_indexed_shown_and_found_by_their_words(store, client):
    report, _ = pipeline.run([f"hsds1-csv:{FIXTURES / 'hsds1_legal_aid'}"], store, Geocoder())
    assert report.indexed == 5
    navigator = client.get("/api/v1/services/hsds1-csv:sal-4").get_json()
    assert navigator["needs"] == [] and navigator["flags"][0]["code"] == "uncategorised"
    clinic = client.get("/api/v1/services/hsds1-csv:sal-1").get_json()
    assert clinic["details"]["wait_time"].startswith("About two weeks")
    assert clinic["needs_read_from"] == {"legal_aid": "'legal'"}
    found = client.get("/api/v1/services", query_string={"q": "friendly navigator"}).get_json()
    assert "hsds1-csv:sal-4" in [r["listing_id"] for r in found["results"]]
