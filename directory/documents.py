"""Index definitions: the listing mapping and how a listing document is built from a record.

One document per service at a location, with organisation, location, schedule and capacity
denormalised, because distance, hours and beds are per site. This module is the only place the
field layout is defined; ``matching/`` reads the same names.
"""
from __future__ import annotations

import hashlib
from typing import Any

import orjson

from directory import eligibility, holds, hours, hsds, places, taxonomy

# The engine here has no analysis-common plugin: only built-in analyzers. ``standard`` with
# an English stop list keeps "the"/"and" out of relevance; everyday words and Spanish terms
# are expanded from the taxonomy at query time instead of with synonym filters.
# Shards and replicas come from the settings (``directory.es.index_settings``).
SETTINGS: dict[str, Any] = {
    "analysis": {
        "analyzer": {
            "text_en": {"type": "standard", "stopwords": "_english_"},
        },
        "normalizer": {"lower": {"type": "custom", "filter": ["lowercase"]}},
    },
}

_TEXT = {"type": "text", "analyzer": "text_en"}
_TEXT_KW = {"type": "text", "analyzer": "text_en",
            "fields": {"raw": {"type": "keyword", "normalizer": "lower", "ignore_above": 256}}}
_KW = {"type": "keyword"}
_LOWER_KW = {"type": "keyword", "normalizer": "lower"}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}
_DATE = {"type": "date"}
_STORED = {"type": "object", "enabled": False}

def _eligibility_mapping() -> dict[str, Any]:
    """One field per eligibility dimension kept under ``eligibility`` (lists also say whether stated)."""
    props: dict[str, Any] = {}
    for dim in eligibility.DIMENSIONS:
        if not dim.doc_field.startswith("eligibility."):
            continue
        props.update(dim.kind.mapping(dim.doc_field.split(".", 1)[1]))
    return props


LISTING_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KW,
        "status": _KW,
        "sample": _BOOL,
        "name": _TEXT_KW,
        "description": _TEXT,
        "organization": {"properties": {
            "id": _KW, "name": _TEXT_KW, "alternate_name": _TEXT, "description": _TEXT,
            "website": {"type": "keyword", "index": False}, "email": {"type": "keyword", "index": False},
        }},
        "service": {"properties": {
            "id": _KW, "name": _TEXT_KW, "alternate_name": _TEXT, "description": _TEXT,
            "url": {"type": "keyword", "index": False}, "email": {"type": "keyword", "index": False},
            "interpretation_services": _TEXT, "application_process": _TEXT, "fees_description": _TEXT,
            "eligibility_description": _TEXT, "alert": _TEXT,
            "minimum_age": _INT, "maximum_age": _INT, "assured_date": _DATE, "last_modified": _DATE,
        }},
        "location": {"properties": {
            "id": _KW, "name": _TEXT_KW, "point": {"type": "geo_point"}, "geocode_quality": _KW,
            "transportation": {"type": "text", "index": False},
            # physical, or virtual: a service with no site (phone or online), which has no point.
            "location_type": _KW,
        }},
        # The listing's HSDS 3.0 ids (``directory.hsds.ids``), for the HSDS API's look-ups.
        "hsds": {"properties": {"service_id": _KW, "service_at_location_id": _KW, "organization_id": _KW,
                                "location_id": _KW}},
        "address": {"properties": {
            "address_1": _TEXT, "address_2": _TEXT, "city": _TEXT_KW, "town": _KW,
            "state_province": _KW, "postal_code": _KW, "country": _KW,
        }},
        "phones": _STORED,
        # The number that reaches a listing with none of its own (ingest.reach), and how it is reached:
        # own, site, organization or none (the admin's data-quality page counts these).
        "reach": _STORED,
        "contact": _KW,
        "schedules": _STORED,
        "hours": {"properties": {
            "open": {"type": "integer_range"},
            "always_open": _BOOL,
            "known": _BOOL,
            "text": {"type": "text", "index": False},
            "source_text": {"type": "text", "index": False},
        }},
        # Leaf codes as given, and every ancestor for parent-need queries.
        "needs": _KW,
        "needs_leaf": _KW,
        # Everyday and Spanish words of the listing's needs, so typed queries find them.
        "need_words": _TEXT,
        # What the organisation's other programs at this address offer (ingest.sites), with ancestors.
        "site_needs": _KW,
        "site_programs": _STORED,
        "source_terms": _TEXT,
        "languages": _KW,
        "required_documents": _TEXT,
        "age": {"type": "integer_range"},
        "eligibility": {"properties": _eligibility_mapping()},
        "access": {"properties": {"walk_in": _BOOL, "appointment_required": _BOOL}},
        "capacity": {"properties": {
            "status": _KW, "available": _INT, "maximum": _INT, "unit": _KW, "waitlist": _INT,
            # The feed's own name of a unit we do not model (unit "other"), shown as given.
            "unit_name": {"type": "keyword", "index": False},
            "wait_days": _INT, "accepting_new_clients": _BOOL, "updated_at": _DATE, "updated_by": _KW,
            "relative_time": _BOOL, "revision": _INT, "log": _STORED,
            "source": _KW,
            # Beds held for accepted referrals (directory.holds): each hold's expiry, so the bed board can
            # count the ones still active; and the instant from which a bed is free again as they expire
            # (while ``held_until`` is in the future, every open bed is held).
            "holds": {"type": "nested", "properties": {"referral_id": _KW, "until": _DATE}},
            "held_until": _DATE,
        }},
        "sources": {"properties": {
            "source": _KW, "source_id": _KW, "file": {"type": "keyword", "index": False},
            "imported_at": _DATE,
        }},
        # Which fields came from provider edits through the API (re-applied on every rebuild).
        "edited_fields": _KW,
        # Eligibility columns read from a name or description (column -> origin), shown with the value.
        "inferred": _STORED,
        # Why an imported listing wants a person's look (model.FLAG_CODES), and the words each need was read
        # from when the feed named none (``review``: flags with their messages, needs_read_from).
        "flags": _KW,
        "review": _STORED,
        # What a feed says that matching does not read (wait time, service areas, contacts, ...), shown as is.
        "details": _STORED,
        # A hash of the listing record: the ETag, unchanged when a rebuild brings the same data.
        "etag": {"type": "keyword", "index": False},
        "edited_at": _DATE,
        "indexed_at": _DATE,
        # The validated record rides along, unindexed, so an edit can rebuild the document from it.
        "record": _STORED,
    },
}


def callable_phones(phones: list[dict] | None) -> list[dict]:
    """The phones a person can call: never a fax, never a number with too few digits to dial."""
    return [p for p in phones or [] if (p.get("type") or "voice") != "fax"
            and sum(c.isdigit() for c in p.get("number") or "") >= 3]


def contact_kind(record: dict) -> str:
    """How a listing is reached by phone: ``own`` number, the ``site``'s or the ``organization``'s
    (``ingest.reach``), or ``none``."""
    if callable_phones(record.get("phones")):
        return "own"
    return (record.get("reach") or {}).get("via") or "none"


def capacity_status(capacity: dict | None) -> str:
    """available / waitlist / full / unknown from the numbers a provider gave.

    Freshness is a query-time concern (it changes with the clock), so it is not baked in here.
    """
    if not capacity:
        return "unknown"
    available, waitlist = capacity.get("available"), capacity.get("waitlist")
    accepting = capacity.get("accepting_new_clients")
    if accepting is False:
        return "full"
    if available is not None and available > 0:
        return "available"
    if (waitlist or 0) > 0 or (capacity.get("wait_days") or 0) > 0:
        return "waitlist"
    if available == 0:
        return "full"
    if accepting is True:
        return "available"
    return "unknown"


def listing_document(record: dict, *, indexed_at: str | None = None) -> dict:
    """Build the search document for one validated, JSON-ready listing record (``model.load_record``).

    The record is not modified; the document shares its leaf values.
    """
    rec = record
    service, org, loc = rec["service"], rec["organization"], rec["location"]
    address = rec.get("address") or {}

    intervals = hours.parse_hours(rec["hours_text"]) if rec.get("hours_text") else []
    if not intervals and rec.get("schedules"):
        intervals = hours.schedule_intervals(rec["schedules"])

    point = None
    if loc.get("latitude") is not None and loc.get("longitude") is not None:
        point = {"lat": loc["latitude"], "lon": loc["longitude"]}

    capacity = rec.get("capacity")
    capacity_doc = None
    if capacity:
        capacity_doc = {**capacity, "status": capacity_status(capacity), "source": capacity.get("source", "import")}
        if rec.get("holds"):
            capacity_doc["holds"] = [{"referral_id": h["referral_id"], "until": h["until"]} for h in rec["holds"]]
            capacity_doc["held_until"] = holds.held_until(capacity.get("available"), rec["holds"])

    doc = {
        "id": rec["id"],
        "status": service.get("status") or "active",
        "sample": bool(rec.get("sample")),
        "name": service["name"],
        "description": service.get("description"),
        "organization": {k: org.get(k) for k in ("id", "name", "alternate_name", "description", "website", "email")},
        "service": {k: v for k, v in service.items() if k != "status"},
        "location": {
            "id": loc["id"], "name": loc.get("name"), "point": point,
            "geocode_quality": loc.get("geocode_quality") or ("provided" if point else "none"),
            "transportation": loc.get("transportation"),
            "location_type": loc.get("location_type") or "physical",
        },
        "hsds": hsds.ids(rec),
        "address": {**address, "town": town_key(address.get("city"), address.get("state_province"))},
        "phones": {"items": rec.get("phones") or []},
        "reach": rec.get("reach"),
        "contact": contact_kind(rec),
        "schedules": {"items": rec.get("schedules") or []},
        "hours": {
            "open": hours.as_ranges(intervals),
            "always_open": hours.is_always_open(intervals) if intervals else False,
            "known": bool(intervals),
            "text": hours.describe(intervals),
            "source_text": rec.get("hours_text"),
        },
        "needs": taxonomy.with_ancestors(rec["needs"]),
        "needs_leaf": list(rec["needs"]),
        "need_words": taxonomy.offered_words(rec["needs"]),
        "site_needs": taxonomy.with_ancestors((rec.get("site") or {}).get("needs") or []),
        "site_programs": {"items": (rec.get("site") or {}).get("programs") or []},
        "source_terms": rec.get("source_terms") or [],
        "languages": rec.get("languages") or [],
        "required_documents": rec.get("required_documents") or [],
        "access": rec.get("access") or {},
        "capacity": capacity_doc,
        "sources": rec["sources"],
        "inferred": rec.get("inferred") or {},
        "flags": sorted({f["code"] for f in rec.get("flags") or []}),
        "review": {"flags": rec.get("flags") or [], "needs_read_from": rec.get("needs_read_from") or {}},
        "details": rec.get("details") or {},
        "edited_fields": [],
        "edited_at": None,
        "indexed_at": indexed_at,
    }
    for dim in eligibility.DIMENSIONS:
        for path, value in dim.document_fields(rec).items():
            _set(doc, path, value)
    return doc


def content_tag(record: dict) -> str:
    """A short hash of a listing record's content (keys sorted): the listing's ETag."""
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


def stored_document(record: dict, edit_fields: dict | None, indexed_at: str) -> dict:
    """What the listings index holds for one listing: the search document, the record itself, its
    content tag (the ETag) and which fields the provider edited."""
    doc = listing_document(record, indexed_at=indexed_at)
    doc["record"] = record
    doc["etag"] = content_tag(record)
    if edit_fields:
        doc["edited_fields"] = sorted(edit_fields)
        doc["edited_at"] = max(f["at"] for f in edit_fields.values())
    return doc


def _set(doc: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def town_key(city: str | None, state: str | None = "CT") -> str | None:
    """The town as a facet and filter key, in one spelling: a Connecticut town's official name in upper
    case ('Harford', 'HTFD' and 'hartford' are all 'HARTFORD'); elsewhere upper-case, single spaces."""
    if not city:
        return None
    return places.canonical_town(city, state) or " ".join(city.upper().split())
