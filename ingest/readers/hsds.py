"""Open Referral HSDS feeds, the shared part: one nested service -> listing records, and the 3.0 JSON reader.

Every HSDS reader (3.0 JSON, 3.0 and 1.x CSV datapackages, the Ohana layouts) assembles the same
nested shape, a service with its organisation and its service-at-locations, each with a location,
addresses, phones and schedules, and hands it to ``service_records``, which makes one listing record
per service-at-location, or one with no site (``location_type`` virtual) when the service has none.

Readers never raise on data: a record that cannot be read is a ``Rejection`` with its reason, and an
object that is not a listing by design is ``Skipped`` with its reason; the pipeline reports both.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator

from directory import hsds_terms, taxonomy
from ingest.readers import hsds_fields as F
from ingest.records import Candidate, ReadItem, Rejection, Skipped, drop_none, listing_id, text


# ----- one nested service -> records ----------------------------------------------------------------
def needs_for(terms: Iterable[str], name: str | None, description: str | None) -> tuple[list[str], bool]:
    """Need codes from taxonomy term names and keywords; failing that, inferred from the service name
    or description. Returns (codes, inferred)."""
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


def _attribute_triples(attrs: Iterable[dict]) -> list[tuple[str | None, str | None, str | None, str | None]]:
    """(taxonomy name or id, term code, term name, value) of each attribute with a taxonomy term."""
    out = []
    for a in attrs or []:
        term = a.get("taxonomy_term") if isinstance(a.get("taxonomy_term"), dict) else {}
        tax = text(term.get("taxonomy")) or text(term.get("taxonomy_id"))
        out.append((tax, text(term.get("code")), text(term.get("name")), text(a.get("value"))))
    return out


def service_records(service: dict, org: dict | None, sals: list[dict], *, source: str, file: str,
                    today: date | None = None) -> Iterator[ReadItem]:
    """Listing records for one HSDS service (with organisation and service-at-locations)."""
    org = org or service.get("organization") or {}
    today = today or date.today()
    triples = _attribute_triples(service.get("attributes") or [])
    ours = hsds_terms.lead_attributes((t, c, v) for t, c, _, v in triples if hsds_terms.is_ours(t))
    theirs = [name for t, _, name, _ in triples if name and not hsds_terms.is_ours(t)]
    terms = theirs + list(service.get("_taxonomy_names") or [])
    keywords = [k for k in service.get("_keywords") or [] if k]
    direct = ours.get("directory") or {}
    warnings: list[str] = []

    if ours.get("needs"):
        needs, inferred = ours["needs"], False
    else:
        needs, inferred = needs_for(terms + keywords, service.get("name"), service.get("description"))
    languages, unknown = F.languages(service.get("languages") or [])
    if unknown:
        warnings.append(f"languages not recognised, left out: {', '.join(unknown)}")
    status = (text(service.get("status")) or "active").lower().replace(" ", "_")
    base_service = drop_none({
        "id": direct.get("service_id") or text(service.get("id")), "name": text(service.get("name")),
        "alternate_name": text(service.get("alternate_name")),
        "description": text(service.get("description")), "url": text(service.get("url") or service.get("website")),
        "email": text(service.get("email")), "status": status,
        "interpretation_services": text(service.get("interpretation_services")),
        "application_process": text(service.get("application_process")),
        "fees_description": text(service.get("fees_description") or service.get("fees")),
        "eligibility_description": text(service.get("eligibility_description")),
        "alert": text(service.get("alert")),
        "assured_date": text(service.get("assured_date")), "last_modified": text(service.get("last_modified")),
    })
    try:
        eligibility, ages = F.eligibility(service, ours.get("eligibility") or {})
    except ValueError as exc:
        yield Rejection(file, str(service.get("id")), "eligibility", str(exc))
        return
    base_service.update(ages)
    organization = drop_none({"id": direct.get("organization_id") or text(org.get("id")) or "unknown",
                              "name": text(org.get("name")), "alternate_name": text(org.get("alternate_name")),
                              "description": text(org.get("description")),
                              "website": text(org.get("website") or org.get("url")), "email": text(org.get("email"))})
    capacity = F.capacity(service.get("capacities") or [], direct)
    access = drop_none({"walk_in": direct.get("walk_in"), "appointment_required": direct.get("appointment_required")})
    service_schedules = F.current_schedules(service.get("schedules") or [], today, warnings)
    documents = [d if isinstance(d, str) else d.get("document") for d in service.get("required_documents") or []]

    sites = sals or [None]
    if not sals:
        warnings.append("the service has no location: listed with no site (phone or online)")
    for sal in sites:
        sal = sal or {}
        loc = sal.get("location") or {}
        virtual = not sals or (text(loc.get("location_type")) or "").lower() == "virtual"
        addresses = loc.get("addresses") or []
        physical = next((a for a in addresses if (text(a.get("address_type")) or "physical") == "physical"), None)
        address = {} if virtual else (physical or (addresses[0] if addresses else {}))
        phones = F.phones((sal.get("phones") or []) + (loc.get("phones") or []) + (service.get("phones") or [])
                          + (org.get("phones") or []))
        site_warnings: list[str] = []
        schedules = (F.current_schedules(sal.get("schedules") or [], today, site_warnings) or service_schedules
                     or F.current_schedules(loc.get("schedules") or [], today, site_warnings))
        ref = str(sal.get("id") or service.get("id"))
        if direct.get("listing_id") and len(sites) == 1:
            record_id = direct["listing_id"]
        elif sal.get("id"):
            record_id = listing_id(source, sal["id"])
        else:
            record_id = listing_id(source, service.get("id"), loc.get("id") if not virtual else None)
        location_id = direct.get("location_id") if len(sites) == 1 and direct.get("location_id") else \
            text(loc.get("id")) or (f"{base_service.get('id') or 'service'}.no-site" if virtual else "unknown")
        location = drop_none({"id": location_id, "name": text(loc.get("name")),
                              "latitude": None if virtual else F.coordinate(loc.get("latitude")),
                              "longitude": None if virtual else F.coordinate(loc.get("longitude")),
                              "transportation": text(loc.get("transportation")),
                              "location_type": "virtual" if virtual else "physical"})
        if direct.get("geocode_quality") and location.get("latitude") is not None:
            location["geocode_quality"] = direct["geocode_quality"]
        record = {
            "id": record_id,
            "organization": organization,
            "service": base_service,
            "location": location,
            "address": None if virtual else drop_none({
                "address_1": text(address.get("address_1")), "address_2": text(address.get("address_2")),
                "city": text(address.get("city")), "state_province": text(address.get("state_province")),
                "postal_code": text(address.get("postal_code")), "country": text(address.get("country")) or "US"}),
            "phones": phones,
            "schedules": [] if direct.get("hours") else schedules,
            "hours_text": direct.get("hours"),
            "needs": needs,
            "source_terms": direct.get("source_term") or sorted(set(terms + keywords)),
            "languages": languages,
            "required_documents": [d for d in documents if d],
            "eligibility": eligibility,
            "access": access,
            "capacity": capacity,
            "sources": [{"source": source, "source_id": ref, "file": Path(file).name}],
            "sample": bool(direct.get("sample")),
        }
        cand = Candidate(raw=record, file=file, ref=ref, warnings=list(dict.fromkeys(warnings + site_warnings)))
        if inferred:
            cand.warnings.append(f"needs inferred from the service text: {', '.join(needs)}")
        yield cand


# ----- HSDS 3.0 JSON --------------------------------------------------------------------------------
OHANA_JSONL = ("this is an Ohana API JSON export (locations with nested services), not HSDS 3.0; "
               "load it as ohana-jsonl:PATH")


def read_hsds3_json(path: str | Path, *, source: str = "hsds3") -> Iterator[ReadItem]:
    """JSON files (or a folder of them) holding service, organization or service_at_location objects:
    full objects, paginated list pages, arrays, or newline-delimited JSON (``.ndjson``/``.jsonl``)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".json", ".ndjson", ".jsonl"))
        if not files:
            yield Rejection(str(path), "-", "_file", "no .json, .ndjson or .jsonl files in this folder")
    elif path.exists():
        files = [path]
    else:
        yield Rejection(str(path), "-", "_file", "no such file or folder")
        files = []
    for file in files:
        try:
            objects = _json_objects(file)
        except (OSError, ValueError) as exc:
            yield Rejection(str(file), "-", "_file", f"not readable JSON: {exc}")
            continue
        if objects and F.looks_like_ohana_location(objects[0]):
            yield Rejection(str(file), "-", "_file", OHANA_JSONL)
            continue
        for n, obj in enumerate(objects, start=1):
            yield from _json_object(obj, source=source, file=str(file), ref=f"object {n}")


def _json_objects(file: Path) -> list[Any]:
    raw = file.read_text(encoding="utf-8-sig")
    if file.suffix.lower() in (".ndjson", ".jsonl"):
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    data = json.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return data["contents"]  # a paginated list page
    return data if isinstance(data, list) else [data]


def _json_object(obj: Any, *, source: str, file: str, ref: str) -> Iterator[ReadItem]:
    if not isinstance(obj, dict):
        yield Rejection(file, ref, "_object", f"expected a JSON object, got {type(obj).__name__}")
        return
    ref = str(obj.get("id") or ref)
    if "resources" in obj and "profile" in obj:
        yield Skipped(file, ref, "datapackage descriptor")
    elif F.looks_like_ohana_location(obj):
        yield Rejection(file, ref, "_object", OHANA_JSONL)
    elif "service_at_locations" in obj and obj.get("name"):  # a full service
        yield from service_records(obj, obj.get("organization"), [s for s in obj["service_at_locations"] or []
                                                                   if isinstance(s, dict)], source=source, file=file)
    elif isinstance(obj.get("services"), list) and obj.get("name") and \
            not any(isinstance(s, dict) and "service_at_locations" in s for s in obj["services"]):
        yield Skipped(file, ref, "organization with service summaries only (full services are read from "
                                 "service objects)")
    elif isinstance(obj.get("services"), list) and obj.get("name"):  # an organization with full services
        for svc in obj["services"]:
            if isinstance(svc, dict) and "service_at_locations" in svc:
                yield from service_records(svc, obj, svc["service_at_locations"] or [], source=source, file=file)
            else:
                yield Skipped(file, str((svc or {}).get("id") if isinstance(svc, dict) else ref),
                              "organization's service without service_at_locations (a summary, not a full service)")
    elif isinstance(obj.get("service"), dict) and obj["service"].get("name"):  # a service_at_location
        svc = obj["service"]
        yield from service_records(svc, svc.get("organization") or obj.get("organization"), [obj],
                                   source=source, file=file)
    elif "service_id" in obj and "location_id" in obj:
        yield Skipped(file, ref, "service_at_location with ids only (no nested service and location)")
    elif obj.get("name") and obj.get("status") and ("organization_id" in obj or "organization" in obj):
        yield Skipped(file, ref, "service summary without service_at_locations (a list page: load full services)")
    else:
        yield Skipped(file, ref, f"not a listing: {F.kind_of(obj)} object")
