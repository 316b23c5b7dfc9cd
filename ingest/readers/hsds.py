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
from ingest.needs_text import needs_from_text
from ingest.readers import hsds_fields as F
from ingest.readers import hsds_keep as K
from ingest.readers.hsds_objects import is_object_tree, is_type_keyed, read_object_tree
from ingest.records import Candidate, ReadItem, Rejection, Skipped, drop_none, listing_id, text


# ----- one nested service -> records ----------------------------------------------------------------
def needs_for(terms: Iterable[str], name: str | None, description: str | None) -> tuple[list[str], dict[str, str]]:
    """Need codes from taxonomy term names and keywords; failing that, read from the service name or
    description where the text says the need (``ingest.needs_text``). Returns (codes, read from: code ->
    words), the second empty when the codes came from terms."""
    codes: set[str] = set()
    for term in terms:
        codes.update(taxonomy.open_eligibility_to_codes(term) or taxonomy.resolve(term))
    if codes:
        return sorted(codes), {}
    read = needs_from_text(name, description)
    return sorted(read), read


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
    sid = str(service.get("id") or "")
    if not text(service.get("name")):
        yield Rejection(file, sid or "-", "service.name", "the service has no name: nothing to list it by")
        return
    flags: list[dict] = [_flag(v) for v in direct.get("flag") or []]
    as_given: list[dict] = [_pair(v, "field", "value") for v in direct.get("as_given") or []]
    read_from: dict[str, str] = dict(_pair(v, "code", "words").values() for v in direct.get("need_read_from") or [])

    if ours.get("needs"):
        needs = ours["needs"]
    elif not ours:
        needs, read_from = needs_for(terms + keywords, service.get("name"), service.get("description"))
        if read_from:
            flags.append({"code": "needs_from_text", "message": "no need the taxonomy knows in the feed's terms; "
                          "read from the service's text: " + "; ".join(f"{c} from {w}" for c, w in read_from.items())})
        else:
            given = ", ".join(sorted(set(terms + keywords))) or "none"
            flags.append({"code": "uncategorised", "message": f"service {sid}: no need the taxonomy recognises "
                          f"(feed terms: {given}); listed uncategorised, found by its words and terms"})
    else:
        needs = []  # our own export of an uncategorised listing: its flag travels with it
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
    except ValueError as exc:  # an age that is not a number: kept as written, the service still listed
        eligibility, ages = F.eligibility({k: v for k, v in service.items() if k not in F.AGE_COLUMNS},
                                          ours.get("eligibility") or {})
        as_given.extend({"field": k, "value": str(service[k])} for k in F.AGE_COLUMNS if text(service.get(k)))
        flags.append({"code": "age_unreadable", "message": f"service {sid}: {exc}; kept as written"})
    inferred_ages: dict[str, str] = {d["code"]: d["words"] for d in
                                     (_pair(v, "code", "words") for v in direct.get("inferred") or [])}
    if not ours:
        ages, inferred_ages = F.ages_with_origin(service, ages)
    base_service.update(ages)
    org_id = direct.get("organization_id") or text(org.get("id")) or text(service.get("organization_id"))
    org_name = text(org.get("name"))
    if not org_name:
        org_name = f"{org_id} (as given by the feed)" if org_id else "Not named by the feed"
        flags.append({"code": "organization_unknown",
                      "message": f"service {sid}: organization_id {org_id!r} is not among the feed's organizations; "
                                 "kept as given by the feed" if org_id else
                                 f"service {sid} names no organization; kept without one"})
    organization = drop_none({"id": org_id or "unknown",
                              "name": org_name, "alternate_name": text(org.get("alternate_name")),
                              "description": text(org.get("description")),
                              "website": text(org.get("website") or org.get("url")), "email": text(org.get("email"))})
    capacity = F.capacity(service.get("capacities") or [], direct)
    if capacity and capacity.get("unit") == "other" and not ours:
        flags.append({"code": "capacity_unit_not_modelled",
                      "message": f"service {sid}: capacity unit {capacity.get('unit_name')!r} is not one the directory "
                                 "models (beds, slots, appointments, spaces); figures kept with the unit as given"})
    access = drop_none({"walk_in": direct.get("walk_in"), "appointment_required": direct.get("appointment_required")})
    service_schedules = K.readable_schedules(
        F.current_schedules([s for s in service.get("schedules") or [] if not K.is_holiday(s)], today, warnings),
        as_given, flags, sid)
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
        site_flags: list[dict] = []
        site_given: list[dict] = []

        def weekly(rows: list[dict]) -> list[dict]:
            current = F.current_schedules([s for s in rows or [] if not K.is_holiday(s)], today, site_warnings)
            return K.readable_schedules(current, site_given, site_flags, sid)
        schedules = weekly(sal.get("schedules")) or service_schedules or weekly(loc.get("schedules"))
        details = K.details({**service, "audience": service.get("audience") or direct.get("audience"),
                             "payment_accepted": service.get("payment_accepted") or direct.get("payment_accepted")},
                            org, loc, sal)
        kept = as_given + [g for g in site_given if g not in as_given]
        if kept:
            details["as_given"] = kept
        ref = str(sal.get("id") or service.get("id"))
        if direct.get("listing_id") and len(sites) == 1:
            record_id = direct["listing_id"]
        elif sal.get("id"):
            record_id = listing_id(source, sal["id"])
        else:
            record_id = listing_id(source, service.get("id"), loc.get("id") if not virtual else None)
        location_id = direct.get("location_id") if len(sites) == 1 and direct.get("location_id") else \
            text(loc.get("id")) or (f"{base_service.get('id') or 'service'}.no-site" if virtual else "unknown")
        location = drop_none({"id": location_id, "name": text(loc.get("name")) or (direct.get("location_name")
                                                                              if virtual else None),
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
            "flags": _unique(flags + site_flags) or None,
            "needs_read_from": read_from or None,
            "details": details or None,
            "inferred": inferred_ages or None,
        }
        if not record["inferred"]:
            del record["inferred"]
        cand = Candidate(raw=record, file=file, ref=ref, warnings=list(dict.fromkeys(warnings + site_warnings)))
        yield cand


def _unique(flags: list[dict]) -> list[dict]:
    out: list[dict] = []
    for f in flags:
        if f not in out:
            out.append(f)
    return out


def _pair(value: str, first: str, second: str) -> dict:
    """'code: message' as {first: code, second: message} (our own export's attribute values)."""
    head, _, rest = str(value).partition(": ")
    return {first: head, second: rest}


def _flag(value: str) -> dict:
    return _pair(value, "code", "message")


# ----- HSDS 3.0 JSON --------------------------------------------------------------------------------
OHANA_JSONL = ("this is an Ohana API JSON export (locations with nested services), not HSDS 3.0; "
               "load it as ohana-jsonl:PATH")


def read_hsds3_json(path: str | Path, *, source: str = "hsds3") -> Iterator[ReadItem]:
    """JSON files (or a folder of them) holding service, organization or service_at_location objects:
    full objects, paginated list pages, arrays, or newline-delimited JSON (``.ndjson``/``.jsonl``)."""
    path = Path(path)
    if is_object_tree(path):  # one folder per object type, root.json at the top
        yield from read_object_tree(path, source=source)
        return
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
        if objects and (F.looks_like_ohana_location(objects[0]) or F.looks_like_ohana_organization(objects[0])):
            yield Rejection(str(file), "-", "_file", OHANA_JSONL)
            continue
        if len(objects) == 1 and is_type_keyed(objects[0]):  # one file holding a list per object type
            yield from read_object_tree(file, source=source)
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
