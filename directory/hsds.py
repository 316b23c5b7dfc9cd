"""Listing records as Open Referral HSDS 3.0 objects: what the HSDS API serves and the export writes.

Each listing (one service at one location) becomes **one HSDS service with one
service_at_location**. The directory keeps eligibility, capacity, hours, phones and languages per
site, and HSDS keeps them per service, so grouping several sites under one HSDS service would have to
pick one site's values for all of them. A service with no site (phone or online only) is an HSDS
service without service_at_locations. Capacity is HSDS 3.1 ``service_capacity`` (``capacities``);
what HSDS has no field for travels as attributes under our own taxonomies (``directory.hsds_terms``).

Pure functions over validated records (``directory.model``); values that are not known are left out,
never written as null, so every object validates against the official compiled schemas.
"""
from __future__ import annotations

from typing import Any, Iterable

from directory import hours
from directory.hsds_terms import (DIRECTORY, ELIGIBILITY, NEEDS, TERMS_BY_ID, eligibility_dimensions, encode,
                                  hsds_id, term_id)
from directory.vocabulary import LANGUAGES

HSDS_VERSION = "3.0"
STATUS_TO_HSDS = {"temporarily_closed": "temporarily closed"}
SERVICE_FIELDS = ("name", "alternate_name", "description", "url", "email", "interpretation_services",
                  "application_process", "fees_description", "eligibility_description", "alert",
                  "minimum_age", "maximum_age", "assured_date", "last_modified")
CAPACITY_ATTRIBUTES = ("waitlist", "wait_days", "accepting_new_clients", "updated_by", "unit_name")


def _clean(obj: dict) -> dict:
    """Leave out unknown values: HSDS schemas type their fields and null is not among the types."""
    return {k: v for k, v in obj.items() if v is not None and v != []}


def ids(record: dict) -> dict[str, str]:
    """The HSDS ids of one listing record (also stored on its search document, for look-ups)."""
    return {
        "service_id": hsds_id("service", record["id"]),
        "service_at_location_id": hsds_id("service_at_location", record["id"]),
        "organization_id": hsds_id("organization", record["organization"]["id"]),
        "location_id": hsds_id("location", record["location"]["id"]),
    }


def is_virtual(record: dict) -> bool:
    return (record.get("location") or {}).get("location_type") == "virtual"


# ----- pieces ----------------------------------------------------------------------------------------
def _attribute(record: dict, taxonomy_name: str, code: str, value: str | None, index: int) -> dict:
    term = TERMS_BY_ID[term_id(taxonomy_name, code)]
    return _clean({"id": hsds_id("attribute", f"{record['id']}|{taxonomy_name}|{code}|{index}"),
                   "link_id": ids(record)["service_id"], "link_type": taxonomy_name, "link_entity": "service",
                   "taxonomy_term_id": term["id"], "value": value, "taxonomy_term": term})


def attributes(record: dict) -> list[dict]:
    """Needs, eligibility and the directory's own fields, as HSDS attributes of the listing's service."""
    out: list[dict] = []

    def add(taxonomy_name: str, code: str, value: Any) -> None:
        for v in encode(value) if value is not None else []:
            out.append(_attribute(record, taxonomy_name, code, v, len(out)))

    for code in record.get("needs") or []:
        out.append(_attribute(record, NEEDS, code, None, len(out)))
    for dim in eligibility_dimensions():
        add(ELIGIBILITY, dim.columns[0], dim.record_value(record))
    loc, access = record["location"], record.get("access") or {}
    for code, value in (("listing_id", record["id"]), ("service_id", record["service"]["id"]),
                        ("organization_id", record["organization"]["id"]), ("location_id", loc["id"]),
                        ("hours", record.get("hours_text")), ("geocode_quality", loc.get("geocode_quality")),
                        ("walk_in", access.get("walk_in")), ("appointment_required", access.get("appointment_required")),
                        ("sample", True if record.get("sample") else None),
                        ("source_term", record.get("source_terms") or None),
                        # A service with no site has no service_at_location to carry its location's name.
                        ("location_name", loc.get("name") if is_virtual(record) else None)):
        add(DIRECTORY, code, value)
    details = record.get("details") or {}
    pairs = lambda d: [f"{k}: {v}" for k, v in (d or {}).items()] or None  # noqa: E731
    for code, value in (("audience", details.get("audience")), ("payment_accepted", details.get("payment_methods")),
                        ("need_read_from", pairs(record.get("needs_read_from"))),
                        ("inferred", pairs(record.get("inferred"))),
                        ("flag", [f"{f['code']}: {f['message']}" for f in record.get("flags") or []] or None),
                        ("as_given", [f"{g['field']}: {g['value']}" for g in details.get("as_given") or []] or None)):
        add(DIRECTORY, code, value)
    cap = record.get("capacity") or {}
    as_hsds = cap.get("available") is not None and cap.get("updated_at")
    extra = CAPACITY_ATTRIBUTES if as_hsds else ("available", "maximum", "unit", "updated_at") + CAPACITY_ATTRIBUTES
    for key in extra if cap else ():
        add(DIRECTORY, f"capacity_{key}", cap.get(key))
    return out


def capacities(record: dict) -> list[dict]:
    """HSDS 3.1 ``service_capacity``: available and updated are required, so only a figure with both."""
    cap = record.get("capacity") or {}
    if cap.get("available") is None or not cap.get("updated_at"):
        return []
    unit = cap.get("unit") or "beds"
    # A unit we do not model is published under the feed's own name, identified as "other".
    name = cap.get("unit_name") if unit == "other" and cap.get("unit_name") else unit
    service_id = ids(record)["service_id"]
    return [_clean({"id": hsds_id("service_capacity", record["id"]), "service_id": service_id,
                    "unit_id": hsds_id("unit", f"{unit}|{name}" if name != unit else unit),
                    "unit": {"id": hsds_id("unit", f"{unit}|{name}" if name != unit else unit), "name": name,
                             "scheme": DIRECTORY, "identifier": unit},
                    "available": cap["available"], "maximum": cap.get("maximum"),
                    "description": f"{name[:1].upper()}{name[1:]} available", "updated": cap["updated_at"]})]


def _phone(p: dict, phone_id: str, **links: str) -> dict:
    ext = p.get("extension")
    return _clean({"id": phone_id, **links, "number": p["number"],
                   "extension": int(ext) if ext and str(ext).isdigit() else None,
                   "type": p.get("type") or "voice", "description": p.get("description"),
                   "languages": [_language(code, f"{phone_id}|{code}", phone_id=phone_id)
                                 for code in p.get("languages") or []]})


def _language(code: str, key: str, **links: str) -> dict:
    return {"id": hsds_id("language", key), **links, "name": LANGUAGES.label(code), "code": code}


def phones(record: dict) -> list[dict]:
    service_id = ids(record)["service_id"]
    return [_phone(p, hsds_id("phone", f"{record['id']}|{i}"), service_id=service_id)
            for i, p in enumerate(record.get("phones") or [])]


def contacts(record: dict) -> list[dict]:
    service_id = ids(record)["service_id"]
    out = []
    for i, c in enumerate((record.get("details") or {}).get("contacts") or []):
        contact_id = hsds_id("contact", f"{record['id']}|{i}")
        out.append(_clean({"id": contact_id, "service_id": service_id, "name": c.get("name"), "title": c.get("title"),
                           "department": c.get("department"), "email": c.get("email"),
                           "phones": [_phone(p, hsds_id("phone", f"{record['id']}|contact{i}|{j}"), contact_id=contact_id)
                                      for j, p in enumerate(c.get("phones") or [])]}))
    return out


def service_areas(record: dict) -> list[dict]:
    service_id = ids(record)["service_id"]
    return [_clean({"id": hsds_id("service_area", f"{record['id']}|{i}"), "service_id": service_id, **a})
            for i, a in enumerate((record.get("details") or {}).get("service_areas") or [])]


def funding(record: dict) -> list[dict]:
    service_id = ids(record)["service_id"]
    return [{"id": hsds_id("funding", f"{record['id']}|{i}"), "service_id": service_id, "source": source}
            for i, source in enumerate((record.get("details") or {}).get("funding") or [])]


def holiday_schedules(record: dict) -> list[dict]:
    """Closures and changed hours on dates, as dated HSDS schedules marked ``notes: holiday``."""
    out = []
    for h in (record.get("details") or {}).get("holiday_schedules") or []:
        closed = h.get("closed")
        out.append({"valid_from": h.get("valid_from"), "valid_to": h.get("valid_to"),
                    "opens_at": None if closed else _seconds(h.get("opens_at")),
                    "closes_at": None if closed else _seconds(h.get("closes_at")),
                    "description": h.get("description") or ("Closed" if closed else "Holiday hours"),
                    "notes": "holiday"})
    return out


def _seconds(clock: str | None) -> str | None:
    return f"{clock}:00" if clock and len(clock) == 5 else clock


def languages(record: dict) -> list[dict]:
    service_id = ids(record)["service_id"]
    return [_language(code, f"{record['id']}|{code}", service_id=service_id) for code in record.get("languages") or []]


def _clock(minute: int) -> str:
    minute %= hours.DAY
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def schedules_from_intervals(intervals: Iterable[tuple[int, int]]) -> list[dict]:
    """Weekly intervals as HSDS weekly schedules: one per opening and closing time, with its days.

    An opening that runs past midnight is one schedule that closes the next day (closes_at before
    opens_at); 00:00 to 00:00 is a whole day.
    """
    by_times: dict[tuple[str, str], list[int]] = {}
    for start, end in intervals:
        day = start // hours.DAY
        while start < end:
            # Cut at the next day boundary unless the opening goes on overnight into an early close.
            day_end = (day + 1) * hours.DAY
            stop = min(end, day_end)
            by_times.setdefault((_clock(start), _clock(stop)), []).append(day % 7)
            start, day = stop, day + 1
    return [{"freq": "WEEKLY", "byday": ",".join(hours.DAYS[d] for d in sorted(set(days))),
             "opens_at": opens, "closes_at": closes} for (opens, closes), days in sorted(by_times.items())]


def schedules(record: dict) -> list[dict]:
    """The listing's hours as HSDS schedules: from its written hours when it has them, else as read."""
    if record.get("hours_text"):
        rows = schedules_from_intervals(hours.parse_hours(record["hours_text"]))
    else:
        rows = [{k: _seconds(s.get(k)) if k in ("opens_at", "closes_at") else s.get(k)
                 for k in ("freq", "byday", "opens_at", "closes_at", "description")}
                for s in record.get("schedules") or []]
    rows += holiday_schedules(record)
    link = ids(record)
    owner = {"service_id": link["service_id"]} if is_virtual(record) else \
        {"service_at_location_id": link["service_at_location_id"], "location_id": link["location_id"]}
    return [_clean({"id": hsds_id("schedule", f"{record['id']}|{i}"), **owner, **row}) for i, row in enumerate(rows)]


def location(record: dict) -> dict:
    loc, address = record["location"], record.get("address") or {}
    location_id = ids(record)["location_id"]
    details = record.get("details") or {}
    out = _clean({"id": location_id, "location_type": loc.get("location_type") or "physical",
                  "organization_id": ids(record)["organization_id"], "name": loc.get("name"),
                  "latitude": loc.get("latitude"), "longitude": loc.get("longitude"),
                  "transportation": loc.get("transportation"),
                  # A location's own facts are one object each, whichever of its listings publishes them.
                  "languages": [_language(c, f"location|{loc['id']}|{c}", location_id=location_id)
                                for c in details.get("location_languages") or []],
                  "accessibility": [_clean({"id": hsds_id("accessibility", f"{loc['id']}|{i}"),
                                            "location_id": location_id, **a})
                                    for i, a in enumerate(details.get("accessibility") or [])]})
    if any(address.get(k) for k in ("address_1", "city", "postal_code")):
        # address_1, city, state_province, postal_code and country are required: unknown ones are empty.
        out["addresses"] = [_clean({
            "id": hsds_id("address", loc["id"]), "location_id": location_id,
            **{k: address.get(k) or "" for k in ("address_1", "city", "state_province", "postal_code")},
            "address_2": address.get("address_2"), "country": address.get("country") or "US",
            "address_type": "physical"})]
    return out


def organization_basic(org: dict) -> dict:
    return _clean({"id": hsds_id("organization", org["id"]), "name": org["name"],
                   "alternate_name": org.get("alternate_name"), "description": org.get("description") or "",
                   "email": org.get("email"), "website": org.get("website")})


# ----- whole objects ---------------------------------------------------------------------------------
def service_basic(record: dict) -> dict:
    """The one-to-one fields of the listing's service (list pages)."""
    service = record["service"]
    status = service.get("status") or "active"
    return _clean({"id": ids(record)["service_id"], "organization_id": ids(record)["organization_id"],
                   **{k: service.get(k) for k in SERVICE_FIELDS}, "status": STATUS_TO_HSDS.get(status, status),
                   "wait_time": (record.get("details") or {}).get("wait_time")})


def service_at_location(record: dict, *, full: bool = True) -> dict | None:
    """The listing's service_at_location (None for a service with no site)."""
    if is_virtual(record):
        return None
    link = ids(record)
    out = {"id": link["service_at_location_id"], "service_id": link["service_id"], "location_id": link["location_id"]}
    if full:
        out.update(_clean({"schedules": schedules(record), "location": location(record)}))
    return out


def service_full(record: dict) -> dict:
    """The fully nested HSDS service of one listing (``/services/{id}``)."""
    sal = service_at_location(record)
    out = {**service_basic(record), "organization": organization_basic(record["organization"]),
           "service_at_locations": [sal] if sal else [], "phones": phones(record),
           "languages": languages(record),
           "required_documents": [{"id": hsds_id("required_document", f"{record['id']}|{i}"),
                                   "service_id": ids(record)["service_id"], "document": d}
                                  for i, d in enumerate(record.get("required_documents") or [])],
           "attributes": attributes(record), "capacities": capacities(record),
           "contacts": contacts(record), "service_areas": service_areas(record), "funding": funding(record)}
    if not sal:
        out["schedules"] = schedules(record)
    return _clean(out) | {"service_at_locations": out["service_at_locations"]}


def service_at_location_full(record: dict) -> dict | None:
    """A service_at_location with its location, schedules, phones and (basic) service."""
    sal = service_at_location(record)
    if sal is None:
        return None
    return _clean({**sal, "phones": phones(record), "service": service_basic(record)})


def organizations(records: Iterable[dict], *, full_services: bool = False) -> list[dict]:
    """One HSDS organization per organisation id, with its services (basic, or full)."""
    by_org: dict[str, dict] = {}
    for record in sorted(records, key=lambda r: r["id"]):
        org = by_org.setdefault(record["organization"]["id"],
                                {**organization_basic(record["organization"]), "services": []})
        org["services"].append(service_full(record) if full_services else service_basic(record))
    return list(by_org.values())


def with_locations(org: dict, records: Iterable[dict]) -> dict:
    """A fully nested organization (``full``): its services and, once each, the locations they are at."""
    seen: dict[str, dict] = {}
    for record in sorted(records, key=lambda r: r["id"]):
        if not is_virtual(record):
            loc = location(record)
            seen.setdefault(loc["id"], loc)
    return {**org, "locations": list(seen.values())} if seen else org


def page(contents: list[dict], total: int, page_number: int, per_page: int) -> dict:
    """The HSDS paginated list envelope."""
    pages = max(1, -(-total // per_page)) if per_page else 1
    return {"total_items": total, "total_pages": pages, "page_number": page_number, "size": len(contents),
            "first_page": page_number == 1, "last_page": page_number >= pages, "empty": not contents,
            "contents": contents}
