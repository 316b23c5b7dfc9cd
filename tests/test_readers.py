"""Each importer on the shared real data and on small fixtures: counts and spot checks."""
from pathlib import Path

from ingest.geocode import Geocoder
from ingest.pipeline import Report, check_coordinates, collect
from ingest.readers.federal import (read_health_centers, read_mental_health, read_opioid_treatment,
                                    read_otp_directory_2017, read_substance_use)
from ingest.readers.hsds import read_hsds3_json
from ingest.readers.hsds_csv import read_hsds_csv
from ingest.readers.provider_csv import read_provider_path
from ingest.records import Candidate, Rejection
from tests.conftest import FIXTURES, ROOT


def candidates(items):
    items = list(items)
    return [i for i in items if isinstance(i, Candidate)], [i for i in items if isinstance(i, Rejection)]


def test_substance_use_list(shared):
    good, bad = candidates(read_substance_use(shared / "facilities/ct/ct_SubstanceUseTreatment_Geocoded.csv"))
    assert (len(good), len(bad)) == (190, 0)
    first = good[0].raw
    assert first["organization"]["name"] == "Connecticut Counseling Centers Inc"
    assert first["address"]["postal_code"] == "6708"  # repaired to 06708 by the schema
    assert first["needs"] == ["substance_use", "substance_use.outpatient"] and good[0].facility_level  # "Counseling"


def test_mental_health_list_has_phones(shared):
    good, _ = candidates(read_mental_health(shared / "facilities/ct/ct_MentalHealthProviders_Geocoded.csv"))
    assert len(good) == 210
    assert good[0].raw["phones"][0]["number"] == "860-276-3000"
    # A hospital naming no program is its psychiatric service, with emergency care; its programs are not.
    natchaug = [c.raw for c in good if c.raw["organization"]["name"] == "Natchaug Hospital Inc"]
    generic = [r for r in natchaug if r["service"]["name"] == "Mental health services"]
    assert len(generic) == 1 and {"mental_health.crisis", "mental_health.psychiatric"} <= set(generic[0]["needs"])
    assert all("mental_health.crisis" not in r["needs"] for r in natchaug if r not in generic)


def test_opioid_treatment_list_is_latin1(shared):
    good, bad = candidates(read_opioid_treatment(shared / "facilities/ct/ct_OpioidTreatmentProgram_Geocoded.csv"))
    assert (len(good), len(bad)) == (48, 0)
    assert good[0].raw["organization"]["name"] == "8W Dual Diagnosis"


def test_otp_2017_service_codes_become_eligibility(shared):
    good, _ = candidates(read_otp_directory_2017(
        shared / "facilities/ct/ct_otp_directory_2017_with_service_codes.csv"))
    assert len(good) == 33
    apt = good[0].raw  # APT Foundation, Residential Services Division, Bridgeport
    assert apt["eligibility"]["moud_accepted"] == ["buprenorphine", "methadone"]
    assert "medicaid" in apt["eligibility"]["insurance"]
    assert "genders" not in apt["eligibility"]  # FEM and MALE together restrict no one
    assert apt["service"]["minimum_age"] == 18  # ADLT and YAD without CHLD: adults
    assert "es" in apt["languages"]
    women = next(c.raw for c in good if "WN" in c.raw["source_terms"] and "MALE" not in c.raw["source_terms"])
    assert women["eligibility"]["genders"] == ["female"]
    assert "substance_use.residential" in apt["needs"]
    assert apt["phones"][0]["number"] == "(203)781-4600"
    # FSA (government funding for substance use treatment) is publicly funded care, as SI is: a
    # participant without insurance is served. SF (cash or self-payment) alone says nothing of that.
    assert "state_funded" in apt["eligibility"]["insurance"]
    private = next(c.raw for c in good if c.raw["organization"]["name"] == "Mountainside Treatment Center")
    assert private["eligibility"]["insurance"] == ["private"]


def test_health_centers(shared):
    good, _ = candidates(read_health_centers(shared / "facilities/ct/ct_FQHC_Geocoded.csv"))
    assert len(good) == 349 and not _  # "Health & Wellness Center - Admin" is an office, not a service site
    assert "healthcare.health_center" in good[0].raw["needs"]
    by_name = {c.raw["organization"]["name"]: c.raw for c in good}
    assert by_name["MERI CARE DENTAL CENTER"]["needs"] == ["healthcare.dental"]
    assert by_name["Bethel High School SBHC"]["eligibility"]["students_only"] is True
    assert by_name["COLUMBUS HOUSE SHELTER CLINIC"]["eligibility"]["homeless_only"] is True
    assert "postal_code" not in good[0].raw["address"]  # this list has no ZIP column


def test_hsds3_json_examples_flag_latitude_100(shared):
    good, bad = candidates(read_hsds3_json(shared / "hsds3-spec-examples/json"))
    # service_full, organization_full, service_at_location_full and its list page: one listing
    assert len(good) == 4 and len({c.raw["id"] for c in good}) == 1
    rec = good[0].raw
    assert rec["service"]["name"] == "Community Counselling"
    assert rec["needs"] == ["mental_health.outpatient"]  # inferred from the service name
    assert [f["code"] for f in rec["flags"]] == ["needs_from_text"]
    assert rec["needs_read_from"] == {"mental_health.outpatient": "'counselling'"}
    check_coordinates(good[0])
    assert "latitude" not in rec["location"]
    assert any("not a point on Earth" in w for w in good[0].warnings)


def test_hsds3_csv_datapackage(shared):
    good, bad = candidates(read_hsds_csv(shared / "hsds3-spec-examples/csv"))
    assert len(good) == 1
    rec = good[0].raw
    assert rec["organization"]["name"] == "Example Organization Inc."
    assert rec["phones"][0]["number"] == "+44 1234 234567"
    # The example's only schedule ran from 2005-01-01 to 2005-01-01: not applied as current hours.
    assert rec["schedules"] == []
    assert any("expired on 2005-01-01" in w for w in good[0].warnings)
    assert rec["languages"] == ["ur"]


def test_hsds1_csv_datapackage():
    good, bad = candidates(read_hsds_csv(FIXTURES / "hsds1"))
    assert len(good) == 2
    shelter = next(c.raw for c in good if c.raw["service"]["name"] == "Night shelter")
    assert shelter["needs"] == ["housing.emergency_shelter"]
    assert shelter["schedules"][0]["byday"] == "MO"
    assert shelter["languages"] == ["es"]
    assert shelter["service"]["eligibility_description"] == "Adults 18 and over"


def test_provider_spreadsheet_reports_bad_rows(tmp_path: Path):
    path = tmp_path / "provider.csv"
    path.write_text(
        "organization_name,service_name,needs,hours,walk_in,capacity_available,postal_code,city\n"
        "Good Org,Detox,detox,24/7,yes,3,6106,Hartford\n"
        "Bad Needs,Thing,flying lessons,,,,06106,Hartford\n"
        "Bad Bool,Thing,food,,maybe,,06106,Hartford\n"
        "Bad Int,Thing,food,,,lots,06106,Hartford\n")
    good, bad = candidates(read_provider_path(path))
    assert len(good) == 1
    assert good[0].raw["needs"] == ["substance_use.withdrawal_management"]
    assert {(r.ref, r.field) for r in bad} == {("row 3", "needs"), ("row 4", "walk_in"),
                                                ("row 5", "capacity_available")}


def test_seed_data_is_big_and_varied_enough():
    good, bad = candidates(read_provider_path(ROOT / "seed_data", source="seed"))
    assert not bad
    assert len(good) >= 200
    assert len({c.raw["location"]["id"] for c in good}) >= 120
    tops = {n.split(".")[0] for c in good for n in c.raw["needs"]}
    assert tops == {"housing", "healthcare", "substance_use", "mental_health", "employment", "basic_needs",
                    "legal_aid"}
    assert all(c.raw["sample"] for c in good)
    spanish = sum("es" in (c.raw["languages"] or []) for c in good) / len(good)
    assert 0.25 <= spanish <= 0.6
    assert any(c.raw["hours_text"] == "24/7" for c in good)
    assert any(c.raw["eligibility"].get("moud_accepted") is None for c in good)  # unknowns exist


def test_collect_validates_geocodes_and_reports(shared):
    report = Report()
    records = collect([f"hsds3-json:{shared / 'hsds3-spec-examples/json'}", f"hsds1-csv:{FIXTURES / 'hsds1'}"],
                      Geocoder(), report)
    assert report.read == 6 and not report.rejected
    assert report.merged == 3  # the four copies of the HSDS example become one listing
    by_name = {r["service"]["name"]: r for r in records}
    assert by_name["Community Counselling"]["location"]["geocode_quality"] == "none"
    assert by_name["Night shelter"]["location"]["geocode_quality"] == "provided"
    # junk street "XXX" and misspelled town "Harford": located at the Hartford town centroid
    annex = by_name["Walk-in counseling"]
    assert annex["location"]["geocode_quality"] == "town_centroid"
    assert 41.7 < annex["location"]["latitude"] < 41.8
    assert by_name["Night shelter"]["address"]["postal_code"] == "06510"
