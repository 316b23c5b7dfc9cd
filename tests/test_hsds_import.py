"""What real HSDS feeds did to the importers, one fixture per class (tests/fixtures/<name>/): each is read,
nothing crashes, and what the feed states reaches the listing."""
from __future__ import annotations

import json

import pytest

from ingest import pipeline
from ingest.geocode import Geocoder
from ingest.pipeline import Report, collect
from tests.conftest import FIXTURES


def load(kind: str, name: str) -> tuple[Report, dict[str, dict]]:
    report = Report()
    records = collect([f"{kind}:{FIXTURES / name}"], Geocoder(), report)
    return report, {r["id"]: r for r in records}


# ----- crashes -----------------------------------------------------------------------------------
def test_a_taxonomy_table_without_an_id_column_is_read_by_its_taxonomy_id():
    report, records = load("hsds1-csv", "hsds1_taxonomy_id")
    assert (report.read, len(records), len(report.rejected)) == (2, 2, 0)
    assert records["hsds1-csv:sal-1"]["needs"] == ["substance_use.recovery_support"]  # "Peer Support"
    assert records["hsds1-csv:sal-2"]["needs"] == ["substance_use.harm_reduction.naloxone"]
    assert any("taxonomy.csv has no id column; its taxonomy_id column is read as the id" in w
               for w in report.warnings)


def test_a_folder_that_is_not_hsds_is_rejected_with_a_reason():
    report, records = load("hsds1-csv", "not_hsds")
    assert not records and report.read == 1
    (rejection,) = report.rejected
    assert rejection.field == "_file"
    assert "not an HSDS datapackage" in rejection.message and "bed_counts.csv" in rejection.message


def test_a_table_with_no_id_at_all_rejects_the_file(tmp_path):
    (tmp_path / "services.csv").write_text("name,description\nShelter,Beds\n")
    report = Report()
    assert collect([f"hsds1-csv:{tmp_path}"], Geocoder(), report) == []
    assert report.rejected[0].message == "services.csv has no id column (nor service_id)"


# ----- rejected whole ----------------------------------------------------------------------------
def test_blank_service_at_location_ids_get_safe_listing_ids():
    report, records = load("hsds1-csv", "blank_sal_ids")
    assert not report.rejected
    assert sorted(records) == ["hsds1-csv:s-1.l-1", "hsds1-csv:s-1.l-2", "hsds1-csv:s-2.l-2"]


def test_services_without_a_service_at_location_table_are_all_listed():
    report, records = load("hsds3-csv", "no_sal_table")
    assert (report.read, len(records), len(report.rejected)) == (4, 4, 0)
    clinic = records["hsds3-csv:svc-clinic.loc-1"]  # linked by the services.location_id column
    assert clinic["address"]["address_1"] == "1 Riverside Drive"
    dental = records["hsds3-csv:svc-dental.loc-2"]  # linked by its hours at a location
    assert dental["schedules"][0]["byday"] == "MO,WE"
    line = records["hsds3-csv:svc-line"]  # linked to nothing: a phone service, flagged as having no site
    assert line["location"]["location_type"] == "virtual" and line["location"]["geocode_quality"] == "none"
    assert line["location"]["latitude"] is None and line["address"] is None
    assert [p["number"] for p in line["phones"]] == ["800-555-0188", "860-555-0111"]  # its own, then the org's
    assert records["hsds3-csv:svc-chat"]["location"]["location_type"] == "virtual"
    assert any("listed with no site" in w for w in report.warnings)


# ----- data that was dropped ---------------------------------------------------------------------
def test_location_level_schedules_give_the_hours_of_services_there():
    _, records = load("hsds1-csv", "location_schedules")
    meals = records["hsds1-csv:sal1"]
    assert [s["byday"] for s in meals["schedules"]] == ["MO", "TU", "WE"]
    # A service's own hours come before its building's.
    assert [s["byday"] for s in records["hsds1-csv:sal2"]["schedules"]] == ["TH"]


def test_organisation_phones_are_kept_and_a_fax_is_never_the_number_to_call():
    _, records = load("hsds1-csv", "org_phones_fax")
    phones = records["hsds1-csv:sal1"]["phones"]
    assert [(p["number"], p["type"]) for p in phones] == [
        ("203-555-0171", "voice"), ("203-555-0172", "textphone"), ("203-555-0170", "fax")]


def test_language_names_and_non_standard_codes_become_iso_639_1():
    report, records = load("hsds1-csv", "language_names")
    assert records["hsds1-csv:sal1"]["languages"] == ["en", "es", "pl"]  # sp, Polish, English
    assert records["hsds1-csv:sal2"]["languages"] == ["es"]  # español, Spanish
    assert any("languages not recognised, left out: Klingon" in w for w in report.warnings)


def test_eligibility_values_and_age_columns_fill_the_eligibility_table():
    _, records = load("hsds1-csv", "eligibility_ages")
    sober = records["hsds1-csv:sal1"]
    assert sober["eligibility"]["veterans_only"] is True and sober["eligibility"]["genders"] == ["male"]
    assert sober["service"]["minimum_age"] == 21 and sober["service"].get("maximum_age") is None
    transitional = records["hsds1-csv:sal2"]
    assert (transitional["service"]["minimum_age"], transitional["service"]["maximum_age"]) == (18, 24)
    assert transitional["eligibility"]["genders"] == ["male"]
    # A sentence is kept as text, not read as a rule.
    assert "referred by a case manager" in transitional["service"]["eligibility_description"]
    assert transitional["eligibility"]["veterans_only"] is None


def test_service_taxonomy_ids_and_keywords_give_needs():
    report, records = load("hsds3-csv", "service_taxonomy_keywords")
    assert records["hsds3-csv:sal1"]["needs"] == ["basic_needs.food", "substance_use.harm_reduction.syringe_services"]
    assert records["hsds3-csv:sal2"]["needs"] == ["substance_use.harm_reduction.naloxone",
                                                  "substance_use.withdrawal_management"]
    assert not any("inferred" in w for w in report.warnings)


def test_expired_schedules_are_not_applied_as_current_hours():
    report, records = load("hsds3-csv", "expired_schedules")
    (schedule,) = records["hsds3-csv:sal1"]["schedules"]
    assert (schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == ("MO,TU,WE,TH,FR", "19:00", "07:00")
    assert any("schedule old expired on 2020-03-31; left out" in w for w in report.warnings)


def test_hsds3_service_at_location_pages_and_ndjson_are_read_and_id_only_rows_are_reported():
    report, records = load("hsds3-json", "hsds3_sal_pages")
    assert report.read == 3 and not report.rejected
    detox = records["hsds3:7d4e1a90-0000-4000-8000-00000000a001"]
    assert detox["needs"] == ["substance_use.withdrawal_management"]
    assert detox["organization"]["name"] == "Capitol Region Services"
    assert detox["phones"][0]["number"] == "860-555-0150"
    coaching = records["hsds3:7d4e1a90-0000-4000-8000-00000000b004"]  # from services.ndjson, no site
    assert coaching["location"]["location_type"] == "virtual"
    assert report.skipped_by_reason == {"service_at_location with ids only (no nested service and location)": 1}


# ----- other shapes ------------------------------------------------------------------------------
def test_ohana_csv_is_read_as_ohana_and_named_when_given_as_hsds():
    report, records = load("ohana-csv", "ohana_csv")
    assert not report.rejected and sorted(records) == ["ohana:1000", "ohana:1001"]
    pantry = records["ohana:1000"]
    assert pantry["needs"] == ["basic_needs.food"] and pantry["languages"] == ["en", "es"]
    assert pantry["address"]["postal_code"] == "06114"  # leading zero repaired
    assert [s["byday"] for s in pantry["schedules"]] == ["TU", "SA"]
    assert records["ohana:1001"]["service"]["minimum_age"] == 18  # eligibility "18 and over"
    report, records = load("hsds1-csv", "ohana_csv")
    assert not records and "Ohana API CSV export" in report.rejected[0].message
    assert "ohana-csv:PATH" in report.rejected[0].message


def test_ohana_json_lines_are_read_as_ohana_and_named_when_given_as_hsds():
    report, records = load("ohana-jsonl", "ohana_jsonl")
    assert sorted(records) == ["ohana:55.501", "ohana:55.502"]
    assert records["ohana:55.501"]["needs"] == ["substance_use.harm_reduction.syringe_services"]
    assert records["ohana:55.502"]["languages"] == ["es"]  # "sp"
    # The nameless service is refused for its name alone: having no need it is kept uncategorised, not refused.
    assert {r.field for r in report.rejected} == {"service.name"}
    report, records = load("hsds3-json", "ohana_jsonl")
    assert not records and "Ohana API JSON export" in report.rejected[0].message


# ----- the report ----------------------------------------------------------------------------------
@pytest.mark.es
def test_when_every_record_is_rejected_the_report_still_prints(app, tmp_path):
    (tmp_path / "services.csv").write_text("id,name\ns1,\ns2,\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ingest", "run", "--json", f"hsds1-csv:{tmp_path}"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    # A service with no name cannot be listed: that is its one real cause (no organisation and no need are
    # flags, not rejections), said with the record's id.
    assert report["read"] == 2 and report["indexed"] == 0 and report["rejected"] == 2
    assert report["rejected_by_reason"] == {"service.name: the service has no name: nothing to list it by": 2}
    assert [r["ref"] for r in report["rejections"]] == ["s1", "s2"]
    assert report["failed"].startswith("no valid records")
    text = runner.invoke(args=["ingest", "run", f"hsds1-csv:{tmp_path}"])
    assert "rejected by reason:" in text.stdout and "[s1] service.name: the service has no name" in text.stdout


@pytest.mark.es
def test_a_service_with_no_site_is_searchable_and_says_so(store, client):
    report, _ = pipeline.run([f"hsds3-csv:{FIXTURES / 'no_sal_table'}"], store, Geocoder())
    assert report.indexed == 4
    found = client.get("/api/v1/services?q=crisis").get_json()["results"]
    line = next(r for r in found if r["listing_id"] == "hsds3-csv:svc-line")
    assert line["no_site"] is True and line["location"] is None and "No site: phone or online" in line["reasons"]
    one = client.get("/api/v1/services/hsds3-csv:svc-line").get_json()
    assert one["location"]["location_type"] == "virtual" and one["site_text"] == "No site: phone or online"
    assert one["hours"]["always_open"] is True
    es = client.get("/api/v1/services/hsds3-csv:svc-line", headers={"Accept-Language": "es"}).get_json()
    assert es["site_text"] == "Sin sede: por teléfono o en línea"
    clinic = client.get("/api/v1/services/hsds3-csv:svc-clinic.loc-1").get_json()
    assert clinic["no_site"] is False and clinic["location"]["location_type"] == "physical"
