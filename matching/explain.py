"""Turn engine hits into results that say why they matched and what to check."""
from __future__ import annotations

import math
from datetime import datetime

from directory import hours, taxonomy
from directory.model import INSURANCE_LABELS
from matching import weights as W
from matching.profile import Profile
from matching.query import MOUD_RELEVANT

KM_PER_MILE = 1.609344


def miles_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a_lat, a_lon, b_lat, b_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 3958.7613 * math.asin(math.sqrt(h))


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def capacity_view(cap: dict | None, now: datetime, fresh_hours: float) -> dict:
    """Capacity as shown: a stale figure keeps its numbers but its effective status is unknown."""
    if not cap:
        return {"status": "unknown", "fresh": False, "updated_at": None, "age_hours": None}
    updated = parse_time(cap.get("updated_at"))
    age = (now - updated).total_seconds() / 3600 if updated else None
    fresh = age is not None and age <= fresh_hours
    return {
        "status": cap.get("status", "unknown") if fresh else "unknown",
        "reported_status": cap.get("status", "unknown"),
        "available": cap.get("available"), "maximum": cap.get("maximum"), "unit": cap.get("unit"),
        "waitlist": cap.get("waitlist"), "wait_days": cap.get("wait_days"),
        "accepting_new_clients": cap.get("accepting_new_clients"),
        "updated_at": cap.get("updated_at"), "age_hours": round(age, 1) if age is not None else None,
        "fresh": fresh,
    }


def _ago(age_hours: float) -> str:
    if age_hours < 1:
        return f"{max(1, round(age_hours * 60))} min ago"
    if age_hours < 48:
        return f"{round(age_hours)} h ago"
    return f"{round(age_hours / 24)} days ago"


def explain(doc: dict, p: Profile, now: datetime, fresh_hours: float, score: float | None) -> dict:
    """One result with its reasons and cautions."""
    reasons: list[str] = []
    cautions: list[str] = []
    elig = doc.get("eligibility") or {}
    access = doc.get("access") or {}
    loc = doc.get("location") or {}
    point = loc.get("point")

    matched = [c for c in p.needs if c in (doc.get("needs") or [])]
    exact = [c for c in p.needs if c in (doc.get("needs_leaf") or [])]
    if matched:
        names = ", ".join(taxonomy.BY_CODE[c].name for c in (exact or matched))
        reasons.append(f"Offers {names}" if exact else f"Matches {names} (broader need)")

    distance = None
    if p.point and point:
        miles = miles_between(p.point.lat, p.point.lon, point["lat"], point["lon"])
        distance = {"miles": round(miles, 2), "km": round(miles * KM_PER_MILE, 2)}
        reasons.append(f"{miles:.1f} miles away")
    elif p.point and not point:
        cautions.append("No map location for this site; distance unknown")
    quality = loc.get("geocode_quality")
    if quality in ("zip_centroid", "town_centroid"):
        cautions.append(f"Located only to its {'ZIP code' if quality == 'zip_centroid' else 'town'} centre; "
                        "distance is approximate")

    cap = capacity_view(doc.get("capacity"), now, fresh_hours)
    if cap["fresh"]:
        unit = cap.get("unit") or "places"
        if cap["status"] == "available":
            reasons.append(f"{cap.get('available') or 'Some'} {unit} open, confirmed {_ago(cap['age_hours'])}")
        elif cap["status"] == "waitlist":
            wait = f", about {cap['wait_days']} days" if cap.get("wait_days") else ""
            reasons.append(f"Waitlist of {cap.get('waitlist') or 'some'}{wait}, confirmed {_ago(cap['age_hours'])}")
        elif cap["status"] == "full":
            cautions.append(f"Full as of {_ago(cap['age_hours'])}")
    elif cap.get("updated_at"):
        cautions.append(f"Capacity not confirmed for {_ago(cap['age_hours'])}: treat as unknown")

    intervals = [(r["gte"], r["lt"]) for r in (doc.get("hours") or {}).get("open") or []]
    open_now = hours.is_open(intervals, now) if intervals else None
    next_open = hours.next_opening(intervals, now) if intervals else None
    if open_now:
        reasons.append("Open 24/7" if (doc.get("hours") or {}).get("always_open") else "Open now")
    elif intervals is not None and not intervals:
        cautions.append("Hours not stated; call first")
    if access.get("walk_in"):
        reasons.append("Walk-ins welcome")
    if access.get("appointment_required"):
        cautions.append("Appointment needed")

    # Eligibility: what is confirmed, what is not stated.
    if p.age is not None:
        if doc.get("age"):
            lo, hi = doc["age"]["gte"], doc["age"]["lte"]
            reasons.append(f"Serves ages {lo}+" if hi >= 120 else f"Serves ages {lo}-{hi}")
        else:
            cautions.append("Age limits not stated")
    if p.gender:
        if elig.get("genders_known"):
            reasons.append(f"Serves {p.gender} clients")
        else:
            cautions.append("Genders served not stated")
    if p.insurance:
        if elig.get("insurance_known"):
            ok = [i for i in elig.get("insurance") or [] if i in set(p.insurance) | {"uninsured", "sliding_fee"}]
            reasons.append("Accepts " + ", ".join(INSURANCE_LABELS.get(i, i) for i in ok))
        else:
            cautions.append("Insurance accepted not stated")
    needs_moud_check = any(c.startswith(r) or r.startswith(c) for c in doc.get("needs_leaf") or []
                           for r in MOUD_RELEVANT)
    if p.moud and needs_moud_check:
        if elig.get("moud_known"):
            reasons.append(f"Accepts people on {p.moud}")
        else:
            cautions.append(f"Not stated whether people on {p.moud} are accepted")
    if elig.get("sobriety_required") is None and p.currently_using and any(
            c.startswith("housing") for c in doc.get("needs_leaf") or []):
        cautions.append("Sobriety requirement not stated")
    if p.offences and not elig.get("offence_known") and any(c.startswith("housing") for c in doc.get("needs_leaf") or []):
        cautions.append("Offence exclusions not stated")
    if p.has_id is False and elig.get("id_required") is None:
        cautions.append("Not stated whether ID is required")
    if elig.get("id_required"):
        cautions.append("Photo ID required")
    other_languages = [lang for lang in p.languages if lang != "en"]
    spoken = [lang for lang in other_languages if lang in (doc.get("languages") or [])]
    if spoken:
        reasons.append("Staff speak " + ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in spoken))
    elif other_languages:
        cautions.append("Staff languages: " + (", ".join(doc.get("languages") or []) or "not stated"))
    if doc.get("sample"):
        cautions.append("Sample data, not a real program")

    phones = (doc.get("phones") or {}).get("items") or []
    address = doc.get("address") or {}
    return {
        "listing_id": doc["id"],
        "service": {"id": doc["service"]["id"], "name": doc["name"]},
        "organization": {"id": doc["organization"]["id"], "name": doc["organization"]["name"]},
        "address": {k: address.get(k) for k in ("address_1", "address_2", "city", "state_province", "postal_code")},
        "phone": phones[0]["number"] if phones else None,
        "location": {"lat": point["lat"], "lon": point["lon"], "geocode_quality": quality} if point else None,
        "distance": distance,
        "score": round(score, 3) if score is not None else None,
        "capacity": cap,
        "open_now": open_now,
        "next_opening": next_open.isoformat() if next_open else None,
        "hours": (doc.get("hours") or {}).get("text"),
        "walk_in": access.get("walk_in"),
        "languages": doc.get("languages") or [],
        "needs": doc.get("needs_leaf") or [],
        "reasons": reasons,
        "cautions": cautions,
    }


LANGUAGE_NAMES = {"es": "Spanish", "pt": "Portuguese", "pl": "Polish", "fr": "French", "ht": "Haitian Creole",
                  "ar": "Arabic", "zh": "Chinese", "vi": "Vietnamese", "en": "English"}


def diversify(results: list, *, limit: int, org=lambda r: r["organization"]["id"]) -> list:
    """At most MAX_PER_ORG_IN_TOP listings of one organisation in the top TOP_N; the rest move down.

    ``org`` reads the organisation id of an item (a result or a raw engine hit).
    """
    top: list = []
    deferred: list = []
    per_org: dict[str, int] = {}
    for r in results:
        org_id = org(r)
        if len(top) < W.TOP_N and per_org.get(org_id, 0) >= W.MAX_PER_ORG_IN_TOP:
            deferred.append(r)
            continue
        per_org[org_id] = per_org.get(org_id, 0) + 1
        top.append(r)
    # Deferred listings keep their relative order, right after the top slots.
    ordered = top[:W.TOP_N] + deferred + top[W.TOP_N:]
    return ordered[:limit]

