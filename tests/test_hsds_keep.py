"""A record that can be listed is listed, and nothing a feed says that the directory can carry is lost:
unknown organisations, services with no recognisable need, values the directory cannot model, and the
details a case manager uses (wait time, service areas, contacts, ...). One fixture per class of trouble."""
from __future__ import annotations

import re

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
        "substance_use.withdrawal_management": "'detox', 'withdrawal management'"}
    assert needs_from_text("Drop-in Harm Reduction", "Syringe services and naloxone") == {
        "substance_use.harm_reduction.naloxone": "'naloxone'",
        "substance_use.harm_reduction.syringe_services": "'syringe services'"}  # the parent says no more
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
    assert "organization_id 'rlas-org-9' is not among the feed's organizations" in unknown[0]["message"]
    assert "svc-2" in unknown[0]["message"]
    pardons = records["hsds1-csv:sal-2"]
    assert (pardons["organization"]["id"], pardons["organization"]["name"]) == ("rlas-org-9", "rlas-org-9 (as given by the feed)")
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


# ----- feeds as they are published -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["datapackage_empty_descriptor", "datapackage_nested"])
def test_a_datapackage_with_its_tables_in_sub_folders_or_an_empty_descriptor_is_read(name):
    report, records = load("hsds3-csv", name)
    assert (report.read, len(records), len(report.rejected)) == (2, 2, 0)
    coaching = records["hsds3-csv:sal-100"]
    assert coaching["needs"] == ["substance_use.recovery_support"]
    assert coaching["schedules"][0]["opens_at"] == "09:00" and coaching["service"]["minimum_age"] == 18
    assert coaching["inferred"] == {"min_age": "read from text: 'Adults 18 and over'"}
    assert coaching["details"] == {"wait_time": "No wait", "location_languages": ["es"]}
    assert coaching["phones"][0]["languages"] == ["pt"]
    assert any("tables read from the sub-folder" in w for w in report.warnings)


@pytest.mark.parametrize("name", ["hsds3_api_folder", "hsds3_one_file"])
def test_an_hsds3_api_dump_by_folder_or_in_one_file_is_assembled_and_a_unit_we_do_not_model_costs_nothing(name):
    report, records = load("hsds3-json", name)
    assert (report.read, len(records), len(report.rejected)) == (3, 3, 0)
    by_name = {r["service"]["name"]: r for r in records.values()}
    meals = by_name["Free Community Meals"]
    assert meals["capacity"]["available"] == 40 and meals["capacity"]["maximum"] == 120
    assert (meals["capacity"]["unit"], meals["capacity"]["unit_name"]) == ("other", "meals")
    assert flags(meals) == ["capacity_unit_not_modelled"]
    assert meals["details"]["holiday_schedules"] == [
        {"valid_from": "2026-12-25", "valid_to": "2026-12-25", "closed": True, "description": "Closed for Christmas"}]
    assert [s["byday"] for s in meals["schedules"]] == ["MO,TU,WE,TH,FR"]  # the closure is not weekly hours
    assert meals["details"]["location_languages"] == ["es", "tl"]
    assert meals["details"]["funding"] == ["Neighbourhood foundation"]  # from the organisation's own file
    assert meals["details"]["contacts"][0]["phones"] == [{"number": "203-555-0180", "type": "cell"}]
    # A page of summaries: sites linked through service_at_locations/ and locations/, an organisation missing.
    drop_in = by_name["Drop-in Harm Reduction"]
    assert drop_in["address"]["address_1"] == "999 Dixwell Avenue"
    assert flags(drop_in) == ["needs_from_text", "organization_unknown"]
    assert drop_in["needs"] == ["substance_use.harm_reduction.naloxone", "substance_use.harm_reduction.syringe_services"]
    calls = by_name["Phone Check-ins"]
    assert calls["location"]["location_type"] == "virtual" and calls["service"]["status"] == "inactive"
    if name == "hsds3_api_folder":
        assert report.skipped_by_reason == {"the API's root (version, profile): not a listing": 1,
                                            "taxonomy: not a listing": 1}


def test_the_ohana_export_one_organisation_a_line_is_read():
    report, records = load("ohana-jsonl", "ohana_org_lines")
    assert (report.read, len(records), len(report.rejected)) == (4, 4, 0)
    shelter = records["ohana:710.7101"]
    assert shelter["organization"]["name"] == "Harbor Street Mission"
    assert shelter["needs"] == ["housing.emergency_shelter"] and shelter["service"]["minimum_age"] == 18
    assert shelter["details"]["audience"] == "Adults experiencing homelessness"
    assert shelter["details"]["payment_methods"] == ["Free"]
    assert shelter["details"]["service_areas"] == [{"name": "New Haven"}, {"name": "West Haven"}]
    assert shelter["details"]["location_languages"] == ["en", "es", "ht"]
    assert [p["type"] for p in shelter["phones"]] == ["voice", "textphone"]
    assert records["ohana:710.7102"]["needs"] == ["basic_needs.food"]  # "a hot meal"
    assert records["ohana:721.7202"]["location"]["location_type"] == "virtual"
    report, records = load("hsds3-json", "ohana_org_lines")
    assert not records and "load it as ohana-jsonl" in report.rejected[0].message


@pytest.mark.parametrize("name, kind", [
    ("hsds1_legal_aid", "hsds1-csv"), ("hsds1", "hsds1-csv"), ("datapackage_empty_descriptor", "hsds3-csv"),
    ("datapackage_nested", "hsds3-csv"), ("no_sal_table", "hsds3-csv"), ("hsds3_api_folder", "hsds3-json"),
    ("hsds3_one_file", "hsds3-json"), ("hsds3_sal_pages", "hsds3-json"), ("ohana_org_lines", "ohana-jsonl"),
    ("ohana_jsonl", "ohana-jsonl"), ("ohana_csv", "ohana-csv"), ("not_hsds", None)])
def test_detect_names_the_reader_of_each_layout(name, kind):
    from ingest.readers.detect import detect
    assert detect(FIXTURES / name).kind == kind


@pytest.mark.es
def test_lead_ingest_detect_says_what_it_saw_and_the_command(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ingest", "detect", str(FIXTURES / "datapackage_empty_descriptor")])
    assert result.exit_code == 0, result.output
    assert "an HSDS 3.0 CSV datapackage" in result.output and "datapackage.json (empty)" in result.output
    assert f"lead ingest run hsds3-csv:{FIXTURES / 'datapackage_empty_descriptor'}" in result.output
    assert runner.invoke(args=["ingest", "detect", str(tmp_path)]).exit_code == 1


# ----- the listing page --------------------------------------------------------------------------------
@pytest.mark.es
def test_the_listing_page_shows_what_the_feed_said_where_a_case_manager_uses_it(app, store):
    import html

    from tests.test_pages import sign_in
    pipeline.run([f"hsds1-csv:{FIXTURES / 'hsds1_legal_aid'}", f"hsds3-json:{FIXTURES / 'hsds3_api_folder'}"],
                 store, Geocoder())
    manager, _, _ = sign_in(app, "case_manager")
    page = html.unescape(manager.get("/listings/hsds1-csv:sal-1").get_data(as_text=True))
    for said in ("Tenant Rights Clinic", "About two weeks for a first appointment", "Hartford County",
                 "Wheelchair accessible: Ramp at the side entrance", "State legal services grant", "Free of charge",
                 "2026-12-25: closed", "Ana Rivera, Intake coordinator, Housing unit", "Textphone (TTY)",
                 "read from the words", "'legal'", "Mon, Wed 9 am-5 pm"):
        assert said in page, said
    hotline = html.unescape(manager.get("/listings/hsds1-csv:sal-3").get_data(as_text=True))
    assert "The ages were read from the feed's text:" in hotline and "'Age 55 or over'" in hotline
    assert "Languages spoken at the site: Spanish, Tagalog" in hotline
    assert "The feed does not describe this organisation" in hotline
    meals_id = next(r["id"] for r in store.listings.records() if r["service"]["name"] == "Free Community Meals")
    meals = html.unescape(manager.get(f"/listings/{meals_id}").get_data(as_text=True))
    # The feed's figure dates from 2026-12-03: hours or days ago, depending on the day the suite runs.
    assert re.search(r"Last confirmed \d+ (hours|days) ago: treat as unknown \(counted as the feed counts them: "
                     r"<span translate=\"no\">meals</span>\)", meals)
    spanish, _, _ = sign_in(app, "case_manager", lang="es")
    es_page = html.unescape(spanish.get("/listings/hsds1-csv:sal-4").get_data(as_text=True))
    assert "Sin categoría todavía" in es_page and "Comprobar antes de confiar en ella" in es_page
    assert manager.get("/listings/nope:1").status_code == 404
    provider, _, _ = sign_in(app, "provider", ("someone-else",))
    assert provider.get("/listings/hsds1-csv:sal-1").status_code == 403
    assert app.test_client().get("/listings/hsds1-csv:sal-1").status_code == 302  # to sign-in


def test_a_monthly_schedule_is_kept_as_written_not_the_reason_to_drop_the_service():
    from ingest.readers.hsds import service_records
    service = {"id": "m-1", "name": "Monthly legal clinic", "description": "Free legal advice",
               "schedules": [{"freq": "MONTHLY", "bymonthday": "1", "opens_at": "10:00", "closes_at": "12:00"},
                             {"freq": "WEEKLY", "byday": "TU", "opens_at": "10am", "closes_at": "noon"}]}
    (cand,) = service_records(service, {"id": "o-1", "name": "Org"}, [], source="t", file="f")
    record = cand.raw
    assert record["schedules"] == [{"freq": "WEEKLY", "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}]
    assert record["details"]["as_given"] == [{"field": "schedule",
                                              "value": "freq=MONTHLY bymonthday=1 opens_at=10:00 closes_at=12:00"}]
    assert [f["code"] for f in record["flags"]] == ["needs_from_text", "schedule_unreadable"]


def test_a_textphone_on_the_voice_number_is_kept_beside_it():
    from ingest.readers.hsds_fields import phones
    got = phones([{"number": "860-555-0190", "type": "voice"}, {"number": "860-555-0190", "type": "TTY"},
                  {"number": "860-555-0190", "type": "voice"}, {"number": "860-555-0191", "type": "fax"}])
    assert [(p["number"], p["type"]) for p in got] == [("860-555-0190", "voice"), ("860-555-0190", "textphone"),
                                                       ("860-555-0191", "fax")]


@pytest.mark.es
def test_a_provider_updates_the_openings_of_a_unit_we_do_not_model_and_keeps_its_name(store, client_as):
    pipeline.run([f"hsds3-json:{FIXTURES / 'hsds3_api_folder'}"], store, Geocoder())
    meals = next(r for r in store.listings.records() if r["service"]["name"] == "Free Community Meals")
    provider = client_as("provider", (meals["organization"]["id"],))
    etag = provider.get(f"/api/v1/services/{meals['id']}").headers["ETag"]
    resp = provider.put(f"/api/v1/services/{meals['id']}/capacity", headers={"If-Match": etag},
                        json={"available": 12, "maximum": 120, "unit": "other", "unit_name": "meals"})
    assert resp.status_code == 200, resp.get_json()
    capacity = resp.get_json()["capacity"]
    assert (capacity["available"], capacity["unit"], capacity["unit_name"]) == (12, "other", "meals")
    assert capacity["status"] == "available" and capacity["text"].startswith("12 openings open")
