"""Open Referral HSDS feeds: 3.0 JSON API objects, the 3.0 CSV datapackage and the 1.1 CSV datapackage.

All three are assembled into the same nested shape (a service with its organisation and its
service-at-locations, each with a location, addresses, phones and schedules) and then turned into
listing records one service-at-location at a time.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator

from directory import taxonomy
from ingest.records import Candidate, ReadItem, Rejection, drop_none, integer, text

WEEKDAY_NUMBERS = {"1": "MO", "2": "TU", "3": "WE", "4": "TH", "5": "FR", "6": "SA", "7": "SU"}


# ----- needs -------------------------------------------------------------------------------------
def needs_for(terms: Iterable[str], name: str | None, description: str | None) -> tuple[list[str], bool]:
    """Need codes from taxonomy term names; failing that, inferred from the service name or
    description. Returns (codes, inferred)."""
    codes: set[str] = set()
    for term in terms:
        codes.update(taxonomy.open_eligibility_to_codes(term) or taxonomy.resolve(term))
    if codes:
        return sorted(codes), False
    for blob in (name, description):
        found = taxonomy.resolve(blob or "")
        if found:
            return found, True
    return [], False


# ----- one nested service -> records ----------------------------------------------------------------
def _phone(p: dict) -> dict | None:
    number = text(str(p.get("number") or "").strip('"'))
    if not number:
        return None
    return drop_none({"number": number, "extension": text(p.get("extension")), "type": text(p.get("type")) or "voice",
                      "description": text(p.get("description"))})


def _schedule(s: dict) -> dict:
    byday = text(s.get("byday"))
    if not byday and s.get("weekday") is not None:  # HSDS 1.1 regular_schedule
        wd = str(s["weekday"]).strip()
        byday = WEEKDAY_NUMBERS.get(wd, wd[:2].upper())
    return drop_none({"freq": (text(s.get("freq")) or "WEEKLY").upper(), "byday": byday,
                      "opens_at": text(s.get("opens_at")), "closes_at": text(s.get("closes_at")),
                      "description": text(s.get("description"))})


def service_records(service: dict, org: dict | None, sals: list[dict], *, source: str, file: str) -> Iterator[ReadItem]:
    """Listing records for one HSDS service (with organisation and service-at-locations)."""
    org = org or service.get("organization") or {}
    terms = [a["taxonomy_term"]["name"] for a in service.get("attributes") or []
             if isinstance(a.get("taxonomy_term"), dict) and a["taxonomy_term"].get("name")]
    terms += list(service.get("_taxonomy_names") or [])
    needs, inferred = needs_for(terms, service.get("name"), service.get("description"))
    languages = sorted({(lang.get("code") or "").lower()[:3] for lang in service.get("languages") or []
                        if lang.get("code")}) or None
    if not sals:
        yield Rejection(file, str(service.get("id")), "service_at_locations", "service has no location")
        return
    for sal in sals:
        loc = sal.get("location") or {}
        addresses = loc.get("addresses") or []
        physical = next((a for a in addresses if a.get("address_type") in (None, "", "physical")), None)
        address = physical or (addresses[0] if addresses else {})
        phones = [p for p in map(_phone, (sal.get("phones") or []) + (service.get("phones") or [])) if p]
        seen: set[str] = set()
        phones = [p for p in phones if not (p["number"] in seen or seen.add(p["number"]))]
        schedules = [_schedule(s) for s in (sal.get("schedules") or service.get("schedules") or [])]
        record = {
            "id": f"{source}:{sal.get('id') or (str(service.get('id')) + '@' + str(loc.get('id')))}",
            "organization": drop_none({"id": text(org.get("id")) or "unknown", "name": text(org.get("name")),
                                       "alternate_name": text(org.get("alternate_name")),
                                       "description": text(org.get("description")),
                                       "website": text(org.get("website") or org.get("url")),
                                       "email": text(org.get("email"))}),
            "service": drop_none({
                "id": text(service.get("id")), "name": text(service.get("name")),
                "alternate_name": text(service.get("alternate_name")),
                "description": text(service.get("description")), "url": text(service.get("url")),
                "email": text(service.get("email")), "status": (text(service.get("status")) or "active").lower(),
                "interpretation_services": text(service.get("interpretation_services")),
                "application_process": text(service.get("application_process")),
                "fees_description": text(service.get("fees_description") or service.get("fees")),
                "eligibility_description": text(service.get("eligibility_description")),
                "alert": text(service.get("alert")),
                "minimum_age": integer(service.get("minimum_age")), "maximum_age": integer(service.get("maximum_age")),
                "assured_date": text(service.get("assured_date")), "last_modified": text(service.get("last_modified")),
            }),
            "location": drop_none({"id": text(loc.get("id")) or "unknown", "name": text(loc.get("name")),
                                   "latitude": loc.get("latitude"), "longitude": loc.get("longitude"),
                                   "transportation": text(loc.get("transportation"))}),
            "address": drop_none({"address_1": text(address.get("address_1")),
                                  "address_2": text(address.get("address_2")), "city": text(address.get("city")),
                                  "state_province": text(address.get("state_province")),
                                  "postal_code": text(address.get("postal_code")),
                                  "country": text(address.get("country")) or "US"}),
            "phones": phones,
            "schedules": schedules,
            "needs": needs,
            "source_terms": terms,
            "languages": languages,
            "required_documents": [d["document"] for d in service.get("required_documents") or [] if d.get("document")],
            "sources": [{"source": source, "source_id": str(sal.get("id") or service.get("id")), "file": Path(file).name}],
        }
        cand = Candidate(raw=record, file=file, ref=str(sal.get("id") or service.get("id")))
        if inferred:
            cand.warnings.append(f"needs inferred from the service text: {', '.join(needs)}")
        yield cand


# ----- HSDS 3.0 JSON --------------------------------------------------------------------------------
def read_hsds3_json(path: str | Path, *, source: str = "hsds3") -> Iterator[ReadItem]:
    """A JSON file or folder of files holding service, organization or service_at_location objects
    (full objects or paginated lists)."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            yield Rejection(str(file), "-", "_file", f"not readable JSON: {exc}")
            continue
        objects = data.get("contents", []) if isinstance(data, dict) and "contents" in data else \
            (data if isinstance(data, list) else [data])
        for obj in objects:
            yield from _json_object(obj, source=source, file=str(file))


def _json_object(obj: Any, *, source: str, file: str) -> Iterator[ReadItem]:
    if not isinstance(obj, dict):
        return
    if "service_at_locations" in obj:  # service_full
        yield from service_records(obj, obj.get("organization"), obj["service_at_locations"], source=source, file=file)
    elif "services" in obj and "name" in obj:  # organization_full
        for svc in obj["services"] or []:
            if "service_at_locations" in svc:
                yield from service_records(svc, obj, svc["service_at_locations"], source=source, file=file)
    elif isinstance(obj.get("service"), dict) and isinstance(obj.get("location"), dict):  # service_at_location
        svc = obj["service"]
        if "name" in svc and "description" in obj:
            yield from service_records(svc, svc.get("organization"), [obj], source=source, file=file)
    # Other objects (taxonomy, bare organizations without services) carry no listing.


# ----- CSV datapackages (3.0 and 1.1) -------------------------------------------------------------------
def _tables(path: Path) -> dict[str, list[dict]]:
    folder = path.parent if path.is_file() else path
    names: dict[str, Path] = {}
    package = folder / "datapackage.json"
    if package.exists():
        for res in json.loads(package.read_text(encoding="utf-8")).get("resources", []):
            if res.get("path") and (folder / res["path"]).exists():
                names[res["name"]] = folder / res["path"]
    for file in folder.glob("*.csv"):
        names.setdefault(file.stem, file)
    tables: dict[str, list[dict]] = {}
    for name, file in names.items():
        with file.open(encoding="utf-8-sig", newline="") as fh:
            tables[name] = list(csv.DictReader(fh))
    return tables


def _table(tables: dict[str, list[dict]], *names: str) -> list[dict]:
    for name in names:
        if name in tables:
            return tables[name]
    return []


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            out[row[key]].append(row)
    return out


def read_hsds_csv(path: str | Path, *, source: str = "hsds-csv") -> Iterator[ReadItem]:
    """An HSDS CSV datapackage, version 3.0 or 1.1 (table names of either are recognised)."""
    path = Path(path)
    tables = _tables(path)
    file = str(path)
    orgs = {r["id"]: r for r in _table(tables, "organization", "organizations")}
    services = _table(tables, "service", "services")
    locations = {r["id"]: dict(r) for r in _table(tables, "location", "locations")}
    sal_rows = _table(tables, "service_at_location", "service_at_locations", "services_at_location",
                      "services_at_locations")
    addresses = _by(_table(tables, "address", "addresses", "physical_address", "physical_addresses"), "location_id")
    phones = _table(tables, "phone", "phones")
    schedules = _table(tables, "schedule", "schedules", "regular_schedule", "regular_schedules")
    languages = _by(_table(tables, "language", "languages"), "service_id")
    documents = _by(_table(tables, "required_document", "required_documents"), "service_id")
    terms = {r["id"]: r for r in _table(tables, "taxonomy_term", "taxonomy_terms", "taxonomy")}
    attributes = _by(_table(tables, "attribute", "attributes"), "link_id")
    service_taxonomy = _by(_table(tables, "service_taxonomy"), "service_id")
    eligibility = _by(_table(tables, "eligibility"), "service_id")

    if not services:
        yield Rejection(file, "-", "services", "no services table in this datapackage")
        return
    for loc_id, loc in locations.items():
        loc["addresses"] = [{**a, "address_type": a.get("address_type") or "physical"} for a in addresses.get(loc_id, [])]
        for coord in ("latitude", "longitude"):
            try:
                loc[coord] = float(loc[coord]) if text(loc.get(coord)) else None
            except ValueError:
                loc[coord] = None
    sals_by_service = _by(sal_rows, "service_id")
    for svc in services:
        svc = dict(svc)
        sid = svc["id"]
        svc["languages"] = [{"code": r.get("code") or r.get("language", "")[:2]} for r in languages.get(sid, [])]
        svc["required_documents"] = documents.get(sid, [])
        names = [terms[a["taxonomy_term_id"]]["name"] for a in attributes.get(sid, [])
                 if a.get("taxonomy_term_id") in terms]
        names += [terms[t["taxonomy_id"]]["name"] for t in service_taxonomy.get(sid, []) if t.get("taxonomy_id") in terms]
        svc["_taxonomy_names"] = names
        if not svc.get("eligibility_description") and eligibility.get(sid):
            svc["eligibility_description"] = "; ".join(e.get("eligibility", "") for e in eligibility[sid])
        svc["phones"] = [p for p in phones if p.get("service_id") == sid and not p.get("service_at_location_id")]
        sals = []
        for sal in sals_by_service.get(sid, []):
            sal = dict(sal)
            sal["location"] = locations.get(sal.get("location_id"), {"id": sal.get("location_id")})
            sal["phones"] = [p for p in phones if p.get("service_at_location_id") == sal.get("id")
                             or (p.get("location_id") == sal.get("location_id") and not p.get("service_id"))]
            sal["schedules"] = [s for s in schedules if s.get("service_at_location_id") == sal.get("id")] or \
                [s for s in schedules if s.get("service_id") == sid]
            sals.append(sal)
        yield from service_records(svc, orgs.get(svc.get("organization_id")), sals, source=source, file=file)
