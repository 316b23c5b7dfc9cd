"""Federal facility lists (SAMHSA, HRSA) as published with coordinates by the Opioid Environment
Policy Scan: substance use treatment, mental health, opioid treatment programs (2021 list and the
2017 directory with SAMHSA locator service codes) and HRSA health center sites.

These lists describe *facilities*, not single services: each row becomes one facility-level
listing that may merge with another source's record of the same organisation at the same site.
Only what a list states is recorded; everything else stays *not stated*.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Callable, Iterator

from ingest.classify import classify, infer_into
from ingest.records import Candidate, ReadItem, Rejection, Skipped, drop_none, number, stable_id, text

PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}")
HOSPITAL = re.compile(r"\bhospital\b", re.I)

# SAMHSA locator service codes (2017 OTP directory `Keys`) -> our fields.
OTP_NEED_CODES: dict[str, str] = {
    **dict.fromkeys(("DT", "OD", "ODTX", "RD", "HID", "MDTX", "ADTX", "BDTX", "CDTX", "DM", "DB"),
                    "substance_use.withdrawal_management"),
    **dict.fromkeys(("RES", "RS", "RL"), "substance_use.residential"),
    "OIT": "substance_use.intensive_outpatient",
    "OP": "substance_use.outpatient",  # (ORT is the clinic's own medication treatment: not general outpatient)
    **dict.fromkeys(("BU", "BUM", "BMW", "BMO"), "substance_use.moud_prescriber"),
    **dict.fromkeys(("MHS", "CO"), "mental_health.co_occurring"),
    "PEER": "substance_use.recovery_support",
    "HIVT": "healthcare.hiv_hepatitis",
}
OTP_MOUD_CODES = {"METH": "methadone", "MM": "methadone", "MMW": "methadone", "DM": "methadone",
                  "BU": "buprenorphine", "BUM": "buprenorphine", "BMW": "buprenorphine", "DB": "buprenorphine",
                  "BMO": "buprenorphine", "NXN": "naltrexone", "VTRL": "naltrexone"}
# FSA is "federal, or any government funding for substance use treatment programs": publicly funded
# treatment (in Connecticut, DMHAS) that takes people without insurance, as state_funded does.
OTP_INSURANCE_CODES = {"MD": "medicaid", "MC": "medicare", "PI": "private", "SS": "sliding_fee",
                       "PA": "uninsured", "MI": "va", "SI": "state_funded", "FSA": "state_funded"}
OTP_GENDER_CODES = {"FEM": "female", "MALE": "male"}
OTP_LANGUAGE_CODES = {"SP": "es"}
# Age groups served (SAMHSA locator): children/adolescents, young adults, adults, seniors.
OTP_AGE_GROUPS = {"CHLD": (0, 17), "YAD": (18, 25), "ADLT": (18, 120), "SNR": (65, 120)}


def _rows(file: Path, encoding: str = "utf-8") -> Iterator[tuple[int, dict]]:
    with file.open(encoding=encoding, newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            yield line, row


def _facility(*, source: str, file: Path, line: int, org: str | None, service: str | None, needs: list[str],
              street: str | None, street2: str | None, city: str | None, state: str | None, zip_code: str | None,
              lat: str | None, lon: str | None, phone: str | None = None, website: str | None = None,
              domain: str | None = None, school_list: bool = False, generic_service: bool = False,
              describe: str | None = None, **extra) -> ReadItem:
    """One facility row as a facility-level listing. With ``domain``, what the organisation's and
    program's names say (services, who is served) fills what the row leaves unstated; ``describe``
    replaces the names as the text read (a row whose address says it is inside a prison)."""
    org = text(org)
    if not org:
        return Rejection(str(file), f"row {line}", "name", "facility name is missing")
    warnings = []
    if text(phone) and sum(c.isdigit() for c in phone) < 7:
        warnings.append(f"phone {phone!r} is not a phone number; left out")
        phone = None
    site = (street, city, state, zip_code)
    listing_id = stable_id(org, service, *site, prefix=source)
    try:
        latitude, longitude = number(lat), number(lon)
    except ValueError:
        return Rejection(str(file), f"row {line}", "latitude", f"not a number: {lat!r}, {lon!r}")
    record = {
        "id": listing_id,
        "organization": drop_none({"id": stable_id(org, prefix=f"{source}-org"), "name": org, "website": text(website)}),
        "service": drop_none({"id": stable_id(org, service, prefix=f"{source}-svc"), "name": text(service) or org,
                              "url": text(website)}),
        "location": drop_none({"id": stable_id(*site, prefix="site"), "name": org,
                               "latitude": latitude, "longitude": longitude}),
        "address": drop_none({"address_1": text(street), "address_2": text(street2), "city": text(city),
                              "state_province": text(state), "postal_code": text(zip_code)}),
        "phones": [{"number": text(phone), "type": "voice"}] if text(phone) else [],
        "needs": needs,
        "sources": [{"source": source, "source_id": f"row {line}", "file": file.name}],
        **extra,
    }
    if domain:
        named = describe or (org if generic_service else f"{org} / {text(service)}")
        infer_into(record, classify(named, domain=domain, school_list=school_list))
    return Candidate(raw=record, file=str(file), ref=f"row {line}", facility_level=True, warnings=warnings,
                     generic_service=generic_service)


def read_substance_use(file: Path) -> Iterator[ReadItem]:
    for line, r in _rows(file):
        yield _facility(source="samhsa-su", file=file, line=line, org=r["name1"],
                        service=text(r.get("name2")) or "Substance use treatment", needs=["substance_use"],
                        street=r["street1"], street2=r.get("street2"), city=r["city"], state=r["state"],
                        zip_code=r["zip"], lat=r["latitude"], lon=r["longitude"], domain="substance_use",
                        generic_service=not text(r.get("name2")))


def read_mental_health(file: Path) -> Iterator[ReadItem]:
    for line, r in _rows(file):
        generic = not text(r.get("name2"))
        # A hospital on this list naming no program is its psychiatric service, with emergency care.
        needs = ["mental_health", "mental_health.crisis"] if generic and HOSPITAL.search(r["name1"] or "") \
            else ["mental_health"]
        yield _facility(source="samhsa-mh", file=file, line=line, org=r["name1"],
                        service=text(r.get("name2")) or "Mental health services", needs=needs,
                        street=r["street1"], street2=r.get("street2"), city=r["city"], state=r["state"],
                        zip_code=r["zip"], lat=r["latitude"], lon=r["longitude"],
                        phone=text(r.get("phone")) or text(r.get("intake1")), website=r.get("website"),
                        domain="mental_health", generic_service=generic)


def read_opioid_treatment(file: Path) -> Iterator[ReadItem]:
    # This list is Latin-1 encoded, not UTF-8.
    for line, r in _rows(file, encoding="latin-1"):
        # Names read "Organisation - Program" ("Rushford Center, Inc. - Ace Unit") or the organisation alone.
        org, _, program = (r["ID"] or "").partition(" - ")
        yield _facility(source="samhsa-otp", file=file, line=line, org=org,
                        service=text(program) or "Opioid treatment program",
                        needs=["substance_use.opioid_treatment_program"],
                        street=r["ADDRESS"], street2=None, city=r["CITY"], state=r["STATE"],
                        zip_code=r["POSTAL"], lat=r["Latitude"], lon=r["Longitude"], domain="substance_use",
                        generic_service=not text(program), describe=f"{r['ID']} / {r['ADDRESS']}")


def read_otp_directory_2017(file: Path) -> Iterator[ReadItem]:
    for line, r in _rows(file):
        keys = {k for k in (r.get("Keys") or "").split("/") if k}
        needs = sorted({"substance_use.opioid_treatment_program"} | {OTP_NEED_CODES[k] for k in keys
                                                                        if k in OTP_NEED_CODES})
        insurance = sorted({OTP_INSURANCE_CODES[k] for k in keys if k in OTP_INSURANCE_CODES})
        genders = sorted({OTP_GENDER_CODES[k] for k in keys if k in OTP_GENDER_CODES})
        eligibility = drop_none({
            "moud_accepted": sorted({OTP_MOUD_CODES[k] for k in keys if k in OTP_MOUD_CODES}) or None,
            "insurance": insurance or None,
            # "Serves women" and "serves men" together restrict no one (it says nothing of others).
            "genders": genders if len(genders) == 1 else None,
            "veterans_only": True if "VAMC" in keys else None,
        })
        ages = {k for k in keys if k in OTP_AGE_GROUPS}
        service_ages = {}
        if ages and "CHLD" not in ages:
            service_ages["minimum_age"] = min(OTP_AGE_GROUPS[k][0] for k in ages)
        elif ages == {"CHLD"}:
            service_ages["maximum_age"] = OTP_AGE_GROUPS["CHLD"][1]
        languages = ["en"] + sorted({OTP_LANGUAGE_CODES[k] for k in keys if k in OTP_LANGUAGE_CODES})
        found = PHONE.search(r.get("Contact") or "")
        phone = found.group(0) if found else None
        item = _facility(source="samhsa-otp2017", file=file, line=line, org=r["Name1"],
                         service=text(r.get("Name2")) or "Opioid treatment program", needs=needs,
                         street=r["Address1"], street2=r.get("Address2"), city=r["City"], state=r["State"],
                         zip_code=r["ZIP_Code"], lat=r["Latitude"], lon=r["Longitude"], phone=phone,
                         eligibility=eligibility, languages=languages, source_terms=sorted(keys),
                         domain="substance_use", generic_service=not text(r.get("Name2")))
        if isinstance(item, Candidate):
            for key, value in service_ages.items():
                item.raw["service"][key] = value
                item.raw.get("inferred", {}).pop("min_age" if key == "minimum_age" else "max_age", None)
        yield item


# HRSA sites that are not primary care clinics: what their name says they offer instead.
HEALTH_CENTER_SITES: tuple[tuple[re.Pattern, list[str] | None], ...] = (
    (re.compile(r"\badmin\b|administrative|corporate office", re.I), None),  # an office, not a service site
    (re.compile(r"dental|smiles", re.I), ["healthcare.dental"]),
    (re.compile(r"\bwic\b", re.I), ["basic_needs.food"]),  # the nutrition program for women and infants
    (re.compile(r"behavio(u)?ral health|counsel+ing", re.I), ["mental_health.outpatient"]),
)
PRIMARY_CARE = ["healthcare.health_center", "healthcare.primary_care", "healthcare.hiv_hepatitis"]


def read_health_centers(file: Path) -> Iterator[ReadItem]:
    # HRSA health centers must serve everyone regardless of ability to pay, with a sliding fee
    # scale, and take Medicaid and Medicare: that is a condition of their federal grant. HIV and
    # hepatitis C testing is part of their primary care.
    for line, r in _rows(file):
        needs: list[str] | None = PRIMARY_CARE
        for pattern, offered in HEALTH_CENTER_SITES:
            if pattern.search(r["name"] or ""):
                needs = offered
                break
        if needs is None:
            yield Skipped(str(file), f"row {line}", "health center offices (not a service site)")
            continue
        yield _facility(source="hrsa-fqhc", file=file, line=line, org=r["name"],
                        service="Community health center" if needs is PRIMARY_CARE else "Health center site",
                        needs=needs, street=r["address"],
                        street2=None, city=r["city"], state=r["st_abbr"], zip_code=None, lat=r["lat"], lon=r["lon"],
                        phone=r.get("phone"),
                        eligibility={"insurance": ["medicaid", "medicare", "private", "uninsured", "sliding_fee"]},
                        domain="health", school_list=True, generic_service=True)


# Hospital types with no emergency department a participant is sent to.
HOSPITALS_SKIPPED = ("REHABILITATION", "LONG TERM", "CHRONIC DISEASE", "WOMEN")


def read_hospitals(file: Path) -> Iterator[ReadItem]:
    """Hospitals: an emergency department (which also sees psychiatric emergencies) for general, military
    and children's hospitals; psychiatric care and crisis for psychiatric ones."""
    for line, r in _rows(file):
        kind = (r.get("Hospital.Type") or "").upper()
        eligibility: dict = {}
        service_ages: dict = {}
        if "PSYCHIATRIC" in kind:
            needs, service = ["mental_health.psychiatric", "mental_health.crisis"], "Psychiatric hospital"
        elif any(skip in kind for skip in HOSPITALS_SKIPPED):
            # chronic care, rehabilitation and birth centres: not a place a participant is sent
            yield Skipped(str(file), f"row {line}", f"{kind.lower()} hospitals (no emergency department)")
            continue
        else:
            needs, service = ["healthcare.hospital", "mental_health.crisis"], "Hospital emergency department"
            if "MILITARY" in kind:
                eligibility["veterans_only"] = True  # VA medical centres serve enrolled veterans
            if "CHILDREN" in kind:
                service_ages["maximum_age"] = 17
        # An emergency department never closes and sees whoever walks in; a psychiatric hospital states neither.
        opening = {} if "PSYCHIATRIC" in kind else {"hours_text": "24/7", "access": {"walk_in": True}}
        item = _facility(source="hospitals", file=file, line=line, org=r["Name"], service=service, needs=needs,
                         street=r["Address"], street2=r.get("Address_2"), city=r["City"], state=r["State"],
                         zip_code=r["Zipcode"], lat=r["Latitude"], lon=r["Longitude"], eligibility=eligibility,
                         domain="health", generic_service=True, **opening)
        if isinstance(item, Candidate):
            item.raw["service"].update(service_ages)
            for column in ("max_age",) if service_ages else ():
                item.raw.get("inferred", {}).pop(column, None)
        yield item


# File name endings (national and ``ct_`` lists alike) -> reader.
FEDERAL_FILES: dict[str, Callable[[Path], Iterator[ReadItem]]] = {
    "SubstanceUseTreatment_Geocoded.csv": read_substance_use,
    "MentalHealthProviders_Geocoded.csv": read_mental_health,
    "OpioidTreatmentProgram_Geocoded.csv": read_opioid_treatment,
    "otp_directory_2017_with_service_codes.csv": read_otp_directory_2017,
    "FQHC_Geocoded.csv": read_health_centers,
    "Hospitals_Geocoded.csv": read_hospitals,
}


def read_federal_dir(path: str | Path) -> Iterator[ReadItem]:
    """Every recognised federal list in a folder (HUD addresses have no names or services: skipped)."""
    path = Path(path)
    found = False
    for suffix, reader in FEDERAL_FILES.items():
        for file in sorted(path.glob(f"*{suffix}")):
            found = True
            yield from reader(file)
    if not found:
        yield Rejection(str(path), "-", "_file", "no federal facility lists found in this folder")
