"""Shape engine hits into what people read: results that say why they matched and what to check,
who a program serves, and the public view of one listing. English or Spanish (``lang``)."""
from __future__ import annotations

from typing import Any

from directory import eligibility, hours, taxonomy
from directory.documents import callable_phones
from directory.places import miles_between, town_label
from directory.vocabulary import GENDERS, LANGUAGES, document_name, service_name
from matching import phrases
from matching.freshness import Moment, capacity_view
from matching.profile import Profile

KM_PER_MILE = 1.609344


def need_name(code: str, lang: str = "en") -> str:
    need = taxonomy.BY_CODE[code]
    return need.name_es if lang == "es" else need.name


def _intervals(doc: dict) -> list[tuple[int, int]]:
    return [(r["gte"], r["lt"]) for r in (doc.get("hours") or {}).get("open") or []]


def opening(doc: dict, moment: Moment, lang: str = "en") -> dict:
    """Open now, the next opening, and one line that says which."""
    h = doc.get("hours") or {}
    intervals = _intervals(doc)
    if not intervals:
        return {"open_now": None, "next_opening": None, "text": phrases.say("hours_unknown", lang)}
    open_now = hours.is_open(intervals, moment.when, moment.tz)
    nxt = hours.next_opening(intervals, moment.when, moment.tz)
    later = moment.at is not None  # asked about another time: "open then", not "open now"
    if open_now:
        text = phrases.say("open_24_7" if h.get("always_open") else ("open_then" if later else "open_now"), lang)
    else:
        text = phrases.next_opening(nxt, moment.when, lang, relative=not later) if nxt else \
            phrases.say("closed_then" if later else "closed_now", lang)
    return {"open_now": open_now, "next_opening": nxt.isoformat() if nxt else None, "text": text}


def who_it_serves(doc: dict, lang: str = "en") -> dict:
    """Genders, ages and restrictions a listing states: what an officer checks before sending someone."""
    genders = eligibility.BY_NAME["gender"].doc_value(doc)
    ages = eligibility.BY_NAME["age"].doc_value(doc)
    notices = [n for n in (d.notice_text(d.doc_value(doc), "serves", lang) for d in eligibility.DIMENSIONS) if n]
    parts = []
    if genders is not None and set(genders) != set(GENDERS.codes):
        parts.append(", ".join(GENDERS.label(g, lang) for g in genders) or phrases.say("not_stated", lang))
    elif genders is not None:
        parts.append(phrases.say("all_genders", lang))
    if ages:
        lo, hi = ages
        span = f"{lo or 0}+" if hi is None or hi >= 120 else f"{lo or 0}–{hi}"
        parts.append(phrases.say("serves_ages", lang, span=span))
    parts.extend(notices)
    text = "; ".join(parts) if parts else phrases.say("who_not_stated", lang)
    return {"genders": genders, "min_age": ages[0] if ages else None,
            "max_age": ages[1] if ages and ages[1] is not None and ages[1] < 120 else None,
            "restrictions": notices, "stated": bool(parts), "text": text[:1].upper() + text[1:]}


def who_to_ask(facts: dict, lang: str = "en") -> str:
    """When a program states nothing about who it serves: what the case manager asks when calling,
    from what they know of the participant ("ask whether they take: age 17, woman, pregnant")."""
    told = []
    if isinstance(facts.get("age"), int):
        told.append(phrases.say("ask_age", lang, age=facts["age"]))
    if facts.get("gender"):
        told.append(GENDERS.label(facts["gender"], lang))
    for key in ("pregnant", "parenting", "veteran"):
        if facts.get(key) is True:
            told.append(phrases.say(f"ask_{key}", lang))
    if facts.get("moud"):
        told.append(phrases.say("ask_moud", lang, moud=eligibility.BY_NAME["moud"].vocabulary.label(facts["moud"], lang)))
    if not told:
        return phrases.say("who_not_stated", lang)
    return phrases.say("who_not_stated_ask_for", lang, who=", ".join(told))


def _common(doc: dict, moment: Moment, lang: str) -> dict:
    """The fields every result shape shares."""
    loc = doc.get("location") or {}
    point = loc.get("point")
    phone, phone_source, phone_note = best_phone(doc, lang)
    address = doc.get("address") or {}
    when = opening(doc, moment, lang)
    if when["open_now"] is None:  # never "call first" without a number to call
        when["text"] = phrases.say("hours_unknown_call" if phone else "hours_unknown", lang)
    no_site = loc.get("location_type") == "virtual"
    capacity = capacity_view(doc.get("capacity"), moment, lang)
    walk_in = (doc.get("access") or {}).get("walk_in")
    # A waitlist or "full" confirmed this shift is what applies tonight, whatever the walk-in policy says.
    no_room = capacity["fresh"] and capacity["status"] in ("waitlist", "full")
    return {
        "listing_id": doc["id"],
        "service": {"id": (doc.get("service") or {}).get("id"), "name": service_name(doc["name"], lang)},
        "organization": {"id": doc["organization"]["id"], "name": doc["organization"]["name"]},
        "address": {**{k: address.get(k) for k in ("address_1", "address_2", "city", "state_province",
                                                    "postal_code")}, "town": town_label(address.get("town"))},
        "phone": phone,
        "phone_source": phone_source,
        "phone_note": phone_note,
        "location": {"lat": point["lat"], "lon": point["lon"], "geocode_quality": loc.get("geocode_quality")}
        if point else None,
        # A service with no site (phone or online only): no address, no distance, says so.
        "no_site": no_site,
        "site_text": phrases.say("no_site", lang) if no_site else None,
        "capacity": capacity,
        "open_now": when["open_now"],
        "next_opening": when["next_opening"],
        "opening_text": when["text"],
        "hours": hours.human(_intervals(doc), lang) if _intervals(doc) else None,
        "walk_in": walk_in,
        "walk_in_now": bool(walk_in and not no_room),
        "access_text": phrases.say("walk_in_no_room" if capacity["status"] == "waitlist" else "walk_in_full", lang)
        if walk_in and no_room else None,
        "languages": doc.get("languages") or [],
        "needs": doc.get("needs_leaf") or [],
        "serves": who_it_serves(doc, lang),
        "required_documents": [document_name(d, lang) for d in doc.get("required_documents") or []],
        "sample": bool(doc.get("sample")),
    }


def best_phone(doc: dict, lang: str = "en") -> tuple[str | None, str | None, str | None]:
    """(number, where it came from, a note saying so): the listing's own callable number; else the number
    of its site or organisation (``ingest.reach``), named; else none, and the note "No phone on file"."""
    own = callable_phones((doc.get("phones") or {}).get("items"))
    if own:
        return own[0]["number"], "own", None
    lent = doc.get("reach") or {}
    if lent.get("number"):
        where = f"{lent['organization']} / {service_name(lent['service'], lang)}" + \
            (f" ({town_label(lent['town'])})" if lent.get("town") else "")
        key = "phone_site" if lent.get("via") == "site" else "phone_organization"
        return lent["number"], lent.get("via"), phrases.say(key, lang, program=where)
    return None, None, phrases.say("no_phone", lang)


def explain(doc: dict, p: Profile, moment: Moment, score: float | None, lang: str = "en") -> dict:
    """One result with its reasons and cautions."""
    out = _common(doc, moment, lang)
    reasons: list[str] = []
    cautions: list[str] = []
    point = (doc.get("location") or {}).get("point")

    matched = [c for c in p.needs if c in (doc.get("needs") or [])]
    exact = [c for c in p.needs if c in (doc.get("needs_leaf") or [])]
    if matched:
        names = ", ".join(need_name(c, lang) for c in (exact or matched))
        reasons.append(phrases.say("offers" if exact else "broader", lang, needs=names))
    else:  # coded with a need (its parent, or a sibling) that usually comes with the one asked for
        for code in p.needs:
            implying = [c for c in taxonomy.IMPLIED_BY.get(code, ()) if c in (doc.get("needs_leaf") or [])]
            if implying:
                reasons.append(phrases.say("offers", lang, needs=", ".join(need_name(c, lang) for c in implying)))
                cautions.append(phrases.say("leaf_not_stated", lang, need=need_name(code, lang).lower()))
    co_occurring = taxonomy.CO_OCCURRING
    if co_occurring in p.needs and co_occurring not in (doc.get("needs") or []):
        # both kinds of care, here or with the organisation's other programs at this address
        here = set(doc.get("needs") or [])
        if all(top in here for top in ("mental_health", "substance_use")):
            reasons.append(phrases.say("treats_both", lang))
        else:
            beside = [_site_program_name(b["name"], lang) for b in (doc.get("site_programs") or {}).get("items") or []
                      if {"mental_health", "substance_use"} & set(taxonomy.with_ancestors(b.get("needs") or [])) - here]
            reasons.append(phrases.say("treats_both_at_site", lang, programs="; ".join(beside)))
        cautions.append(phrases.say("leaf_not_stated", lang, need=need_name(co_occurring, lang).lower()))

    distance = None
    if p.point and point:
        miles = miles_between(p.point.lat, p.point.lon, point["lat"], point["lon"])
        distance = {"miles": round(miles, 2), "km": round(miles * KM_PER_MILE, 2), "text": phrases.distance(miles, lang)}
        reasons.append(phrases.say("away", lang, distance=phrases.distance(miles, lang)))
    elif out["no_site"]:
        reasons.append(out["site_text"])
    elif p.point and not point:
        cautions.append(phrases.say("no_point", lang))
    quality = (doc.get("location") or {}).get("geocode_quality")
    if quality in ("zip_centroid", "town_centroid"):
        cautions.append(phrases.say("approx_zip" if quality == "zip_centroid" else "approx_town", lang))

    cap = out["capacity"]
    if cap["fresh"] and cap["status"] in ("available", "waitlist"):
        reasons.append(cap["text"])
    elif cap["updated_at"]:
        cautions.append(cap["text"])

    if out["open_now"]:
        reasons.append(out["opening_text"])
    elif out["open_now"] is None:
        cautions.append(out["opening_text"])
    access = doc.get("access") or {}
    if out["walk_in_now"]:
        reasons.append(phrases.say("walk_in", lang))
    elif out["access_text"]:
        cautions.append(out["access_text"])
    if access.get("appointment_required"):
        cautions.append(phrases.say("appointment", lang))

    facts = p.eligibility_facts
    leaf_needs = doc.get("needs_leaf") or []
    inferred = doc.get("inferred") or {}
    minor = isinstance(facts.get("age"), int) and facts["age"] < 18
    for dim in eligibility.DIMENSIONS:
        value = dim.doc_value(doc)
        state = dim.evaluate(value, facts)
        if state == "met":
            from_name = any(c in inferred for c in dim.columns)
            reasons.append(dim.reason_text(value, facts, lang) + (phrases.say("inferred", lang) if from_name else ""))
        elif state == "unknown" and dim.name == "age" and minor:
            # A program that states no ages may be for adults only: a minor's case manager asks first.
            cautions.append(phrases.say("minor_ages_unknown", lang, age=facts["age"]))
        elif state == "unknown" and dim.applies(leaf_needs):
            text = dim.caution_text(facts, lang)
            if text:
                cautions.append(text)
        notice = dim.notice_text(value, "cautions", lang)
        if notice:
            cautions.append(notice)

    other_languages = [code for code in p.languages if code != "en"]
    spoken = [code for code in other_languages if code in (doc.get("languages") or [])]
    if spoken:
        reasons.append(phrases.say("speaks", lang, languages=", ".join(LANGUAGES.label(c, lang) for c in spoken)))
    elif other_languages:
        listed = ", ".join(LANGUAGES.label(c, lang) for c in doc.get("languages") or [])
        cautions.append(phrases.say("languages_other", lang, languages=listed or phrases.say("not_stated", lang)))

    if out["serves"]["stated"] is False:
        out["serves"]["text"] = who_to_ask(facts, lang)
    out["also_here"] = [b["name"] for b in also_here(doc, lang)]
    return {**out, "distance": distance, "score": round(score, 3) if score is not None else None,
            "reasons": reasons, "cautions": cautions}


def also_here(doc: dict, lang: str = "en") -> list[dict]:
    """The organisation's other programs at this address (``ingest.sites``): id and name ('organisation /
    service', the service's name in ``lang`` where it is a generic one)."""
    return [{"id": b["id"], "name": _site_program_name(b["name"], lang)}
            for b in (doc.get("site_programs") or {}).get("items") or []]


def _site_program_name(name: str, lang: str) -> str:
    org, _sep, service = name.rpartition(" / ")
    return f"{org} / {service_name(service, lang)}" if org else service_name(service, lang)


def nearby_result(doc: dict, origin, moment: Moment, lang: str = "en") -> dict:
    """A result of the officer's nearby mode: where, how far, open or when it opens, who it serves."""
    out = _common(doc, moment, lang)
    point = (doc.get("location") or {}).get("point")
    miles = miles_between(origin.lat, origin.lon, point["lat"], point["lon"]) if point else None
    out["distance"] = {"miles": round(miles, 2), "km": round(miles * KM_PER_MILE, 2),
                       "text": phrases.distance(miles, lang)} if miles is not None else None
    cap = out["capacity"]
    out["beds"] = cap["available"] if cap["fresh"] and cap["status"] == "available" else None
    return out


def listing_view(doc: dict, moment: Moment, lang: str = "en") -> dict:
    """The public shape of one listing: what it is, where, when it is open, who it serves and how full it is."""
    common = _common(doc, moment, lang)
    h = doc.get("hours") or {}
    intervals = [{"start": r["gte"], "end": r["lt"], "text": hours.describe([(r["gte"], r["lt"])])}
                 for r in h.get("open") or []]
    service = {k: v for k, v in (doc.get("service") or {}).items()}
    org = doc.get("organization") or {}
    return {
        "id": doc["id"],
        "name": doc["name"],
        "description": doc.get("description"),
        "status": doc.get("status"),
        "sample": common["sample"],
        "organization": {k: org.get(k) for k in ("id", "name", "alternate_name", "description", "website", "email")},
        "service": service,
        "location": {**(common["location"] or {}), "id": (doc.get("location") or {}).get("id"),
                     "name": (doc.get("location") or {}).get("name"),
                     "transportation": (doc.get("location") or {}).get("transportation"),
                     "location_type": (doc.get("location") or {}).get("location_type") or "physical"},
        "no_site": common["no_site"],
        "site_text": common["site_text"],
        "address": common["address"],
        "phones": (doc.get("phones") or {}).get("items") or [],
        "phone": common["phone"], "phone_source": common["phone_source"], "phone_note": common["phone_note"],
        "hours": {"text": h.get("text"), "always_open": h.get("always_open"), "known": h.get("known"),
                  "source_text": h.get("source_text"), "intervals": intervals, "open_now": common["open_now"],
                  "next_opening": common["next_opening"], "opening_text": common["opening_text"]},
        "needs": [{"code": c, "name": need_name(c, lang)} for c in doc.get("needs_leaf") or []],
        "languages": common["languages"],
        "required_documents": doc.get("required_documents") or [],
        "eligibility": eligibility_view(doc),
        "serves": common["serves"],
        "access": doc.get("access") or {},
        "capacity": common["capacity"],
        "sources": doc.get("sources") or [],
        "edited_fields": doc.get("edited_fields") or [],
        "edited_at": doc.get("edited_at"),
        "inferred": doc.get("inferred") or {},
        "also_here": also_here(doc, lang),
        # What the feed says beyond what matching reads, and why an import wants a person's look.
        "details": doc.get("details") or {},
        "flags": (doc.get("review") or {}).get("flags") or [],
        "needs_read_from": (doc.get("review") or {}).get("needs_read_from") or {},
    }


def eligibility_view(doc: dict) -> dict[str, Any]:
    """Each eligibility column (as the provider edits it) with its value; None = not stated."""
    out: dict[str, Any] = {}
    for dim in eligibility.DIMENSIONS:
        out.update(dim.kind.view(dim, dim.doc_value(doc)))
    return out

