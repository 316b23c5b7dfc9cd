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

from ingest.records import Candidate, ReadItem, Rejection, drop_none, number, stable_id, text

PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}")

# SAMHSA locator service codes (2017 OTP directory `Keys`) -> our fields.
OTP_NEED_CODES: dict[str, str] = {
    **dict.fromkeys(("DT", "OD", "ODTX", "RD", "HID", "MDTX", "ADTX", "BDTX", "CDTX", "DM", "DB"),
                    "substance_use.withdrawal_management"),
    **dict.fromkeys(("RES", "RS", "RL"), "substance_use.residential"),
    "OIT": "substance_use.intensive_outpatient",
    **dict.fromkeys(("OP", "ORT"), "substance_use.outpatient"),
    **dict.fromkeys(("BU", "BUM", "BMW", "BMO"), "substance_use.moud_prescriber"),
    **dict.fromkeys(("MHS", "CO"), "mental_health.co_occurring"),
    "PEER": "substance_use.recovery_support",
    "HIVT": "healthcare.hiv_hepatitis",
}
OTP_MOUD_CODES = {"METH": "methadone", "MM": "methadone", "MMW": "methadone", "DM": "methadone",
                  "BU": "buprenorphine", "BUM": "buprenorphine", "BMW": "buprenorphine", "DB": "buprenorphine",
                  "BMO": "buprenorphine", "NXN": "naltrexone", "VTRL": "naltrexone"}
OTP_INSURANCE_CODES = {"MD": "medicaid", "MC": "medicare", "PI": "private", "SS": "sliding_fee",
                       "PA": "uninsured", "MI": "va", "SI": "state_funded"}
OTP_GENDER_CODES = {"FEM": "female", "MALE": "male"}
OTP_LANGUAGE_CODES = {"SP": "es"}


def _rows(file: Path, encoding: str = "utf-8") -> Iterator[tuple[int, dict]]:
    with file.open(encoding=encoding, newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            yield line, row


def _facility(*, source: str, file: Path, line: int, org: str | None, service: str | None, needs: list[str],
              street: str | None, street2: str | None, city: str | None, state: str | None, zip_code: str | None,
              lat: str | None, lon: str | None, phone: str | None = None, website: str | None = None,
              **extra) -> ReadItem:
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
    return Candidate(raw=record, file=str(file), ref=f"row {line}", facility_level=True, warnings=warnings)


def read_substance_use(file: Path) -> Iterator[ReadItem]:
    for line, r in _rows(file):
        yield _facility(source="samhsa-su", file=file, line=line, org=r["name1"],
                        service=text(r.get("name2")) or "Substance use treatment", needs=["substance_use"],
                        street=r["street1"], street2=r.get("street2"), city=r["city"], state=r["state"],
                        zip_code=r["zip"], lat=r["latitude"], lon=r["longitude"])


def read_mental_health(file: Path) -> Iterator[ReadItem]:
    for line, r in _rows(file):
        yield _facility(source="samhsa-mh", file=file, line=line, org=r["name1"],
                        service=text(r.get("name2")) or "Mental health services", needs=["mental_health"],
                        street=r["street1"], street2=r.get("street2"), city=r["city"], state=r["state"],
                        zip_code=r["zip"], lat=r["latitude"], lon=r["longitude"],
                        phone=text(r.get("phone")) or text(r.get("intake1")), website=r.get("website"))


def read_opioid_treatment(file: Path) -> Iterator[ReadItem]:
    # This list is Latin-1 encoded, not UTF-8.
    for line, r in _rows(file, encoding="latin-1"):
        yield _facility(source="samhsa-otp", file=file, line=line, org=r["ID"],
                        service="Opioid treatment program", needs=["substance_use.opioid_treatment_program"],
                        street=r["ADDRESS"], street2=None, city=r["CITY"], state=r["STATE"],
                        zip_code=r["POSTAL"], lat=r["Latitude"], lon=r["Longitude"])


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
            "genders": genders or None,
        })
        languages = ["en"] + sorted({OTP_LANGUAGE_CODES[k] for k in keys if k in OTP_LANGUAGE_CODES})
        found = PHONE.search(r.get("Contact") or "")
        phone = found.group(0) if found else None
        yield _facility(source="samhsa-otp2017", file=file, line=line, org=r["Name1"],
                        service=text(r.get("Name2")) or "Opioid treatment program", needs=needs,
                        street=r["Address1"], street2=r.get("Address2"), city=r["City"], state=r["State"],
                        zip_code=r["ZIP_Code"], lat=r["Latitude"], lon=r["Longitude"], phone=phone,
                        eligibility=eligibility, languages=languages, source_terms=sorted(keys))


def read_health_centers(file: Path) -> Iterator[ReadItem]:
    # HRSA health centers must serve everyone regardless of ability to pay, with a sliding fee
    # scale, and take Medicaid and Medicare: that is a condition of their federal grant.
    for line, r in _rows(file):
        yield _facility(source="hrsa-fqhc", file=file, line=line, org=r["name"], service="Community health center",
                        needs=["healthcare.health_center", "healthcare.primary_care"], street=r["address"],
                        street2=None, city=r["city"], state=r["st_abbr"], zip_code=None, lat=r["lat"], lon=r["lon"],
                        phone=r.get("phone"),
                        eligibility={"insurance": ["medicaid", "medicare", "private", "uninsured", "sliding_fee"]})


def read_hospitals(file: Path) -> Iterator[ReadItem]:
    """Hospitals: an emergency department for general hospitals, psychiatric care for psychiatric ones."""
    for line, r in _rows(file):
        kind = (r.get("Hospital.Type") or "").upper()
        if "PSYCHIATRIC" in kind:
            needs, service = ["mental_health.psychiatric", "mental_health.crisis"], "Psychiatric hospital"
        elif "REHABILITATION" in kind or "LONG TERM" in kind:
            continue  # not a place a LEAD participant is referred to
        else:
            needs, service = ["healthcare.hospital"], "Hospital emergency department"
        yield _facility(source="hospitals", file=file, line=line, org=r["Name"], service=service, needs=needs,
                        street=r["Address"], street2=r.get("Address_2"), city=r["City"], state=r["State"],
                        zip_code=r["Zipcode"], lat=r["Latitude"], lon=r["Longitude"])


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
