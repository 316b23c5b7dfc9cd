"""Dedupe on the real Connecticut lists: different programs at one address stay apart, the same program
on both SAMHSA lists merges, and uncertain pairs go to the review list with both names."""
from ingest import pipeline
from ingest.geocode import Geocoder


def collect(shared):
    report = pipeline.Report()
    records = pipeline.collect([f"federal:{shared / 'facilities/ct'}"], Geocoder(), report)
    return report, records


def named(records, org_fragment, service):
    return [r for r in records if org_fragment in r["organization"]["name"] and r["service"]["name"] == service]


def test_different_programs_at_one_address_are_not_merged(shared):
    report, records = collect(shared)
    # 226 Dixwell Avenue, New Haven: the substance use list's Dixwell BHS joins the mental health list's
    # Dixwell BHS, and the Child and Family Guidance Clinic there stays its own listing.
    dixwell = named(records, "Cornell Scott Hill", "Dixwell Behavioral Health Services")
    guidance = named(records, "Cornell Scott Hill", "Child and Family Guidance Clinic")
    assert len(dixwell) == 1 and len(guidance) == 1
    assert {s["source"] for s in dixwell[0]["sources"]} == {"samhsa-su", "samhsa-mh"}
    assert {s["source"] for s in guidance[0]["sources"]} == {"samhsa-mh"}
    assert guidance[0]["service"]["maximum_age"] == 17  # the children's clinic keeps its own restriction
    # 43 Woodland Street, Hartford: Wheeler's outpatient program and its Health and Wellness Center.
    wheeler = [r for r in records if "Wheeler" in r["organization"]["name"] and
               (r.get("address") or {}).get("address_1", "").startswith("43 Woodland")]
    assert len(wheeler) >= 2 and all(len(r["sources"]) == 1 for r in wheeler)
    kept_apart = {tuple(p["names"]) for p in report.review}
    assert ("Dixwell Behavioral Health Services", "Child and Family Guidance Clinic") in kept_apart


def test_the_same_program_on_both_lists_merges(shared):
    _, records = collect(shared)
    for org, service in [("Cornell Scott Hill", "Ansonia Counseling Services"), ("New Prospects", "Co Occurring Program"),
                         ("Community Health Resources", "Danielson Clinic")]:
        found = named(records, org, service)
        assert len(found) == 1 and {s["source"] for s in found[0]["sources"]} >= {"samhsa-su", "samhsa-mh"}, org
    # one organisation's "Bloomfield Clinic" on one list is its "Bloomfield Office" on the other
    bloomfield = [r for r in records if r["organization"]["name"] == "Community Health Resources"
                  and "Bloomfield" in r["service"]["name"]]
    assert len(bloomfield) == 1 and len(bloomfield[0]["sources"]) == 2


def test_every_site_both_samhsa_lists_share_is_merged_or_up_for_review(shared):
    import csv

    report, records = collect(shared)
    folder = shared / "facilities/ct"

    def sites(name: str) -> set[tuple[str, str]]:
        with open(folder / name, encoding="utf-8", newline="") as fh:
            return {(r["name1"].strip(), r["street1"].strip()) for r in csv.DictReader(fh)}

    shared_sites = sites("ct_SubstanceUseTreatment_Geocoded.csv") & sites("ct_MentalHealthProviders_Geocoded.csv")
    merged = {(r["organization"]["name"].strip(), r["address"].get("address_1", "").strip()) for r in records
              if {"samhsa-su", "samhsa-mh"} <= {s["source"] for s in r["sources"]}}
    by_id = {r["id"]: r for r in records}
    reviewed = {(by_id[p["kept"]]["organization"]["name"].strip(), by_id[p["kept"]]["address"].get("address_1", "").strip())
                for p in report.review}
    assert len(shared_sites) >= 37
    assert len(shared_sites & merged) >= 30
    # McCall Center: three substance use programs and one psychiatric clinic, none named alike.
    assert len(shared_sites - merged - reviewed) <= 1


def test_a_facility_record_does_not_join_a_program_for_a_narrower_group(shared):
    report, records = collect(shared)
    # 1450 Chapel Street, New Haven: the hospital list's Saint Raphael campus (an emergency department
    # for everyone) and the mental health list's Childrens Day Hospital there stay apart, so the
    # emergency department is not read as for children only.
    ed = [r for r in records if r["organization"]["name"] == "YALE-NEW HAVEN HOSPITAL SAINT RAPHAEL CAMPUS"]
    day = named(records, "Yale New Haven Hospital", "Childrens Day Hospital")
    assert len(ed) == 1 and len(day) == 1
    assert ed[0]["service"].get("maximum_age") is None and day[0]["service"]["maximum_age"] == 17
    assert "healthcare.hospital" not in day[0]["needs"]
    assert ("Childrens Day Hospital", "Hospital emergency department") in {tuple(p["names"]) for p in report.review}


def test_a_program_named_in_the_organisation_column_merges(shared):
    report, records = collect(shared)
    # 117 Main Street, Stamford: the substance use list's "Liberation Programs Inc / Main Street Clinic",
    # the 2021 OTP list's "Liberation Programs Inc., Main St. Clinic" (organisation and program in one
    # column) and the 2017 directory's "Main Street Clinic/Fac for the Care / Trt of Substance
    # Abusive/Dep Persons" (one name split over two columns) are one clinic, with the 2017 row's detox.
    main_st = named(records, "Liberation Programs", "Main Street Clinic")
    assert len(main_st) == 1
    assert {s["source"] for s in main_st[0]["sources"]} == {"samhsa-su", "samhsa-otp", "samhsa-otp2017"}
    assert "substance_use.withdrawal_management" in main_st[0]["needs"]
    assert not [r for r in records if r["organization"]["name"].startswith("Main Street Clinic")]
    # 232 Cedar Street, New Haven: "Cornell Scott Hill Health Center / South Central Rehabilitation
    # Center" stands for that organisation's site, so its 2017 "Methadone Program" row (with
    # naltrexone) joins it.
    scrc = named(records, "Cornell Scott Hill", "South Central Rehabilitation Center")
    assert len(scrc) == 1 and "samhsa-otp2017" in {s["source"] for s in scrc[0]["sources"]}
    assert "naltrexone" in scrc[0]["eligibility"]["moud_accepted"]
    # Greenwich: the hospital's emergency department does not join its addiction recovery center,
    # though the substance use list writes the hospital's name in the program column.
    ed = [r for r in records if r["organization"]["name"] == "GREENWICH HOSPITAL ASSOCIATION"]
    assert len(ed) == 1 and "healthcare.hospital" in ed[0]["needs"]
    assert len(named(records, "Addiction Recovery Center", "Greenwich Hospital")) == 1


def test_an_organisation_named_by_its_acronym_at_one_site_merges(shared):
    _, records = collect(shared)
    # 55 Fishfry Street, Hartford: "Healthcare Resource Centers (FKA CSAC) / Ambulatory Detox" is the
    # 2017 directory's and the 2021 OTP list's "Community Substance Abuse Centers".
    detox = named(records, "Healthcare Resource Centers", "Ambulatory Detox")
    assert len(detox) == 1
    assert {s["source"] for s in detox[0]["sources"]} == {"samhsa-su", "samhsa-otp", "samhsa-otp2017"}
    assert not [r for r in records if r["organization"]["name"].startswith("Community Substance Abuse Centers")]
    # 426 East Street, New Haven: "CASA/MAAS" in 2017 is "Multicultural Ambulatory Addiction Services" in 2021.
    maas = [r for r in records if r["organization"]["name"] == "Multicultural Ambulatory Addiction Services"]
    assert len(maas) == 1 and "samhsa-otp2017" in {s["source"] for s in maas[0]["sources"]}
    assert "naltrexone" in maas[0]["eligibility"]["moud_accepted"]
    # An acronym alone does not fold a health centre site into an addiction clinic of the same agency.
    assert [r for r in records if r["organization"]["name"] == "CASA" and "healthcare.health_center" in r["needs"]]


def test_a_program_column_holding_the_other_lists_organisation_and_program_merges(shared):
    _, records = collect(shared)
    # The Hartford Dispensary is now the Root Center for Advanced Recovery: the substance use list writes
    # "Root Center for Advanced Recovery / Hartford Dispensary/Torrington Clinic", the OTP list
    # "Hartford Dispensary - Torrington Clinic" at the same address. One clinic, one listing.
    for clinic in ("Torrington", "Doctors"):
        found = [r for r in records if f"Hartford Dispensary/{clinic} Clinic" in r["service"]["name"]]
        assert len(found) == 1 and "samhsa-otp" in {s["source"] for s in found[0]["sources"]}, clinic
    assert not [r for r in records if r["organization"]["name"].endswith("Hartford Dispensary")
                and r["service"]["name"] in ("Torrington Clinic", "Doctor's Clinic")]
