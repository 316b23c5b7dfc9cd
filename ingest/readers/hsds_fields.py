"""Field readers shared by the HSDS-family readers: languages, phones, schedules, eligibility, capacity.

Each reads what a feed states and nothing more: an unrecognised value is reported and left out.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from directory import eligibility as E
from directory.model import CAPACITY_UNITS
from directory import vocabulary as V
from directory.taxonomy import fold
from ingest.records import blank, drop_none, integer, text

WEEKDAY_NUMBERS = {"1": "MO", "2": "TU", "3": "WE", "4": "TH", "5": "FR", "6": "SA", "7": "SU"}

# Phone types as HSDS 3.0 names them; a fax is never the number to call.
PHONE_TYPES = {
    "voice": "voice", "phone": "voice", "main": "voice", "office": "voice", "hotline": "voice", "landline": "voice",
    "toll free": "voice", "tollfree": "voice", "work": "voice", "intake": "voice", "crisis": "voice",
    "fax": "fax", "facsimile": "fax", "fax number": "fax",
    "cell": "cell", "mobile": "cell", "cellular": "cell",
    "text": "text", "sms": "text", "txt": "text",
    "tty": "textphone", "tdd": "textphone", "textphone": "textphone", "ttd": "textphone",
    "video": "video", "pager": "pager",
}
PHONE_ORDER = {"voice": 0, "cell": 1, "text": 2, "textphone": 3, "video": 4, "pager": 5, "fax": 9}


def coordinate(value: Any) -> float | None:
    try:
        return float(value) if not blank(value) else None
    except (TypeError, ValueError):
        return None


# ----- languages ----------------------------------------------------------------------------------
def languages(rows: Iterable[Any]) -> tuple[list[str] | None, list[str]]:
    """ISO 639-1 codes from language rows or strings ('sp', 'Spanish', 'español', 'spa' -> 'es').

    Returns (codes or None when none were given, values not recognised)."""
    codes: list[str] = []
    unknown: list[str] = []
    given = False
    for row in rows:
        values = [row] if isinstance(row, str) else [row.get("code"), row.get("name"), row.get("language")]
        values = [v for v in values if not blank(v)]
        if not values:
            continue
        given = True
        found = next((V.LANGUAGES.lookup(str(v)) for v in values if V.LANGUAGES.lookup(str(v))), None)
        code = str(values[0]).strip()
        if found:
            codes.append(found)
        elif re.fullmatch(r"[a-z]{2}", code):  # an ISO 639-1 code the vocabulary has no words for (ur)
            codes.append(code)
        else:
            unknown.append(str(values[0]))
    return (sorted(set(codes)) if given else None), unknown


def split_list(value: Any) -> list[str]:
    """'a, b; c' or a JSON-ish list -> items."""
    if blank(value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if not blank(v)]
    return [p.strip(" []'\"") for p in re.split(r"[,;|]", str(value)) if p.strip(" []'\"")]


# ----- phones -------------------------------------------------------------------------------------
def phone_type(value: Any) -> str:
    key = fold(str(value or ""))
    return PHONE_TYPES.get(key, "voice" if not key else PHONE_TYPES.get(key.split()[0], "voice"))


def phones(rows: Iterable[dict]) -> list[dict]:
    """Phones with normalised types, callable ones first, each number once per type (a textphone on the
    voice number is kept as well: a Deaf caller needs to know)."""
    out: list[dict] = []
    seen: set[tuple[str, str, str | None]] = set()
    for p in rows:
        number = text(str(p.get("number") or "").strip('"'))
        kind = phone_type(p.get("type") or p.get("number_type"))
        key = (number or "", kind, text(p.get("extension")))
        if not number or key in seen or sum(c.isdigit() for c in number) < 3:
            continue
        seen.add(key)
        spoken = p.get("languages") if isinstance(p.get("languages"), list) else split_list(p.get("language"))
        codes, _ = languages(spoken or [])
        out.append(drop_none({"number": number, "extension": text(p.get("extension")),
                              "type": kind,
                              "description": text(p.get("description") or p.get("department")),
                              "languages": codes or None}))
    return sorted(out, key=lambda p: PHONE_ORDER.get(p["type"], 5))


# ----- schedules ----------------------------------------------------------------------------------
def _day(value: Any) -> str | None:
    raw = text(value)
    if raw is None:
        return None
    if raw in WEEKDAY_NUMBERS:
        return WEEKDAY_NUMBERS[raw]
    return raw[:2].upper()


def schedule(s: dict) -> dict:
    byday = text(s.get("byday"))
    if not byday and not blank(s.get("weekday")):  # HSDS 1.x / Ohana regular_schedule
        byday = _day(s["weekday"])
    return drop_none({"freq": (text(s.get("freq")) or "WEEKLY").upper(), "byday": byday,
                      "opens_at": text(s.get("opens_at")), "closes_at": text(s.get("closes_at")),
                      "description": text(s.get("description")),
                      # Read only to say so when the schedule is not weekly hours (hsds_keep.readable_schedules).
                      "bymonthday": text(s.get("bymonthday"))})


def _date(value: Any) -> date | None:
    raw = text(value)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def current_schedules(rows: Iterable[dict], today: date, warnings: list[str]) -> list[dict]:
    """The schedules in force today: one whose valid_to has passed, or whose valid_from is still to
    come, is left out (and said so) instead of being applied as the current hours."""
    out = []
    for s in rows:
        valid_to, valid_from = _date(s.get("valid_to")), _date(s.get("valid_from"))
        if valid_to and valid_to < today:
            warnings.append(f"schedule {s.get('id') or ''} expired on {valid_to.isoformat()}; left out".replace("  ", " "))
            continue
        if valid_from and valid_from > today:
            warnings.append(f"schedule {s.get('id') or ''} starts on {valid_from.isoformat()}; left out".replace("  ", " "))
            continue
        out.append(schedule(s))
    return out


# ----- eligibility --------------------------------------------------------------------------------
_AGE_FLOOR = re.compile(r"^(?:[a-z]+ )?(?:aged? |ages )?(\d{1,2}) ?(?:\+|(?:years? )?(?:of age )?(?:and|or) (?:over|older|up|above))$")
# Ages in a sentence of eligibility text ('Serves adults age 55 or over', 'children under 12', 'ages 18-64').
_AGE_FLOOR_IN = re.compile(r"\b(?:age[sd]?\s+)?(\d{1,2})\s*(?:\+|years?\s+(?:of\s+age\s+)?(?:and|or)\s+(?:over|older|above)|"
                           r"(?:and|or)\s+(?:over|older|above))", re.I)
_AGE_CEILING_IN = re.compile(r"\b(?:under|younger than|below)\s+(?:the\s+age\s+of\s+|age\s+)?(\d{1,2})\b", re.I)
_AGE_SPAN_IN = re.compile(r"\bages?\s+(\d{1,2})\s*(?:-|–|to|through)\s*(\d{1,3})\b", re.I)
_AGE_SPAN = re.compile(r"^(?:[a-z]+ )?(?:aged? |ages )?(\d{1,2}) ?(?:-|to|through) ?(\d{1,3})(?: years)?$")
_ONLY_FOR = E.PHRASES  # a short value that says who a program is only for -> the dimension


def eligibility_from_text(texts: Iterable[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """Structured eligibility from short eligibility values ('Men', 'Women only', 'Veterans', '18+',
    'Ages 18-64'), as 1.x eligibility tables and Ohana's eligibility column give them. Sentences are
    kept as text only: a whole value must say one thing, or nothing is read from it."""
    genders: list[str] = []
    facts: dict[str, Any] = {}
    ages: dict[str, int] = {}
    for raw in texts:
        value = fold(raw or "").replace("  ", " ")
        if not value or len(value.split()) > 6:
            continue
        gender = V.GENDERS.lookup(value)
        if gender:
            genders.append(gender)
        elif value in _ONLY_FOR:
            facts[_ONLY_FOR[value]] = True
        elif m := _AGE_FLOOR.match(raw.strip().lower().replace("–", "-")):
            ages["minimum_age"] = int(m.group(1))
        elif m := _AGE_SPAN.match(raw.strip().lower().replace("–", "-")):
            ages["minimum_age"], ages["maximum_age"] = int(m.group(1)), int(m.group(2))
    if genders:
        facts["gender"] = sorted(set(genders))
    return facts, ages


def ages_in_text(sentence: str | None) -> dict[str, int]:
    """Ages a sentence of eligibility text states ('Age 55 or over' -> minimum 55; 'under 18' -> maximum 17)."""
    found: dict[str, int] = {}
    if not sentence:
        return found
    if m := _AGE_SPAN_IN.search(sentence):
        return {"minimum_age": int(m.group(1)), "maximum_age": int(m.group(2))}
    if m := _AGE_FLOOR_IN.search(sentence):
        found["minimum_age"] = int(m.group(1))
    if m := _AGE_CEILING_IN.search(sentence):
        found["maximum_age"] = int(m.group(1)) - 1
    return found


AGE_COLUMNS = ("minimum_age", "age_min", "min_age", "maximum_age", "age_max", "max_age")


def eligibility(service: dict, stated: dict[str, Any]) -> tuple[dict, dict]:
    """(record ``eligibility`` section, service age fields) through the eligibility table's listing paths.

    ``stated`` holds our own lead-eligibility attributes (by dimension name); short eligibility values
    (``service['_eligibility']``) and age columns fill what they leave out. Raises ValueError on an
    age that is not a number."""
    from_text, text_ages = eligibility_from_text(service.get("_eligibility") or [])
    values = {**from_text, **stated}
    section: dict[str, Any] = {}
    for dim in E.DIMENSIONS:
        if dim.kind.hsds_native or dim.name not in values:
            continue
        value = values[dim.name]
        if dim.vocabulary and isinstance(value, list):
            value = [dim.vocabulary.lookup(v) or v for v in value]
        section[dim.listing_paths[0].split(".", 1)[1]] = value
    ages: dict[str, int] = {}
    for key, aliases in (("minimum_age", ("minimum_age", "age_min", "min_age")),
                         ("maximum_age", ("maximum_age", "age_max", "max_age"))):
        for alias in aliases:
            try:
                value = integer(service.get(alias))
            except ValueError:
                raise ValueError(f"{alias} {service.get(alias)!r} is not a number of years") from None
            if value is not None:
                ages[key] = value
                break
        else:
            if key in text_ages:
                ages[key] = text_ages[key]
    return section, ages


def ages_with_origin(service: dict, ages: dict[str, int]) -> tuple[dict[str, int], dict[str, str]]:
    """Ages a column did not state, read from the eligibility text, each with where it was read
    (``inferred``: min_age/max_age -> "read from text: '...'")."""
    origin: dict[str, str] = {}
    texts = list(service.get("_eligibility") or []) + [service.get("eligibility_description") or ""]
    stated_by_column = any(text(service.get(a)) for a in ("minimum_age", "age_min", "min_age", "maximum_age",
                                                          "age_max", "max_age"))
    if stated_by_column:
        return ages, origin
    out = dict(ages)
    for sentence in texts:
        _, short = eligibility_from_text([sentence])
        got = short or ages_in_text(sentence)
        for key, column in (("minimum_age", "min_age"), ("maximum_age", "max_age")):
            if key in got and column not in origin and (key not in ages or ages[key] == got[key]):
                out[key] = got[key]
                origin[column] = f"read from text: '{sentence.strip()[:300]}'"
    if out.get("minimum_age") is not None and out.get("maximum_age") is not None \
            and out["minimum_age"] > out["maximum_age"]:
        return ages, {}
    return out, origin


# ----- capacity -----------------------------------------------------------------------------------
def capacity(rows: list[dict], direct: dict[str, Any]) -> dict | None:
    """HSDS 3.1 service_capacity (the first) and our lead-directory capacity attributes."""
    cap: dict[str, Any] = {}
    if rows:
        row = rows[0]
        unit = row.get("unit") if isinstance(row.get("unit"), dict) else {}
        cap.update(drop_none({"available": integer(row.get("available")), "maximum": integer(row.get("maximum")),
                              "unit": text(unit.get("identifier")) or text(unit.get("name")),
                              "unit_name": text(unit.get("name")) or text(unit.get("identifier")),
                              "updated_at": text(row.get("updated"))}))
    for key in ("available", "maximum", "unit", "unit_name", "updated_at", "waitlist", "wait_days",
                "accepting_new_clients", "updated_by"):
        if f"capacity_{key}" in direct:
            cap[key] = direct[f"capacity_{key}"]
    if cap.get("unit"):
        unit = fold(cap["unit"])
        unit = {"bed": "beds", "slot": "slots", "appointment": "appointments", "space": "spaces"}.get(unit, unit)
        if unit in CAPACITY_UNITS:
            cap["unit"] = unit
            cap.pop("unit_name", None)
        elif cap["unit"] != "other":  # a unit we do not model: the figures stay, with the feed's own unit name
            cap["unit"], cap["unit_name"] = "other", cap.get("unit_name") or cap["unit"]
    if cap and "unit" not in cap:
        cap["unit"] = "beds"
    return cap or None


# ----- recognising shapes -------------------------------------------------------------------------
def looks_like_ohana_location(obj: Any) -> bool:
    """An Ohana API location object: nested organization, a single address and services, no HSDS links."""
    return isinstance(obj, dict) and isinstance(obj.get("organization"), dict) and \
        isinstance(obj.get("services"), list) and ("address" in obj or "short_desc" in obj or "admin_emails" in obj) \
        and "service_at_locations" not in obj


def looks_like_ohana_organization(obj: Any) -> bool:
    """An organisation of the Ohana API's JSON export: its locations nested, each with address and services."""
    return isinstance(obj, dict) and isinstance(obj.get("locations"), list) and "services" not in obj and \
        any(isinstance(loc, dict) and isinstance(loc.get("services"), list) and
            ("address" in loc or "short_desc" in loc or "admin_emails" in loc) for loc in obj["locations"])


def kind_of(obj: dict) -> str:
    keys = set(obj)
    if {"taxonomy_id", "name"} <= keys or "parent_id" in keys:
        return "taxonomy term"
    if "location_type" in keys or "addresses" in keys:
        return "location"
    if keys & {"website", "legal_status", "year_incorporated", "tax_status", "parent_organization_id"}:
        return "organization summary (no services)"
    if {"name", "description"} <= keys and ("version" in keys or "uri" in keys):
        return "taxonomy"
    return "unrecognised (keys: " + ", ".join(sorted(keys)[:8]) + ")"
