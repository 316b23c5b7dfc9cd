"""What an HSDS-family feed says beyond what matching reads, kept for the listing (``details``), and the
feed's values the directory cannot model, kept as written (``as_given``) instead of costing the service.

The nested shape is the one ``hsds.service_records`` takes: HSDS 3.0 names (``service_areas``,
``accessibility``, ``funding``, ``contacts``, ``schedules`` with ``valid_from``/``valid_to``) and the 1.x
and Ohana ones the CSV and Ohana readers put under the same keys (``wait_time``, ``audience``,
``payment_accepted``, ``holiday_schedules``).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from directory import hours
from ingest.readers import hsds_fields as F
from ingest.records import blank, drop_none, text


def clock(value: Any) -> str | None:
    """A time of day as HH:MM ('9am' -> '09:00', '17:00:00' -> '17:00'); None when it is not one."""
    raw = text(value)
    if raw is None:
        return None
    raw = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}.get(raw.lower(), raw)
    try:
        minute = hours.parse_time(raw)
    except hours.HoursError:
        return None
    return f"{minute // 60:02d}:{minute % 60:02d}"


def readable_schedules(rows: list[dict], as_given: list[dict], flags: list[dict], ref: str) -> list[dict]:
    """Schedules with their times normalised (HH:MM); one the hours reader cannot understand is left out of
    the hours, kept as written and flagged, never the reason to drop the service."""
    out = []
    for row in rows:
        fixed = dict(row)
        try:
            for key in ("opens_at", "closes_at"):
                if text(row.get(key)):
                    fixed[key] = clock(row[key])
                    if fixed[key] is None:
                        raise hours.HoursError(f"not a time of day: {row[key]!r}")
            freq = (text(row.get("freq")) or "WEEKLY").upper()
            if freq not in ("WEEKLY", "DAILY"):
                raise hours.HoursError(f"{freq.lower()} schedules are not weekly hours")
            hours.schedule_intervals([fixed])
        except hours.HoursError as exc:
            written = " ".join(f"{k}={row[k]}" for k in ("freq", "byday", "bymonthday", "opens_at", "closes_at",
                                                          "description")
                               if text(row.get(k)) and not (k == "freq" and str(row[k]).upper() == "WEEKLY"))
            as_given.append({"field": "schedule", "value": written or str(row)})
            flags.append({"code": "schedule_unreadable",
                          "message": f"schedule of {ref} not understood ({exc}); kept as written: {written}"})
            continue
        fixed.pop("bymonthday", None)
        out.append(fixed)
    return out


def _languages(rows: Iterable[Any]) -> list[str] | None:
    items: list[Any] = []
    for row in rows:
        items.extend(F.split_list(row) if isinstance(row, str) else [row])
    codes, _ = F.languages(items)
    return codes or None


def holiday_schedules(rows: Iterable[dict]) -> list[dict]:
    """Closures and changed hours on given dates (1.x ``holiday_schedules``; 3.0 schedules with dates)."""
    out = []
    for row in rows:
        start = F._date(row.get("start_date") or row.get("valid_from"))
        end = F._date(row.get("end_date") or row.get("valid_to")) or start
        closed = row.get("closed")
        closed = None if blank(closed) else str(closed).strip().lower() in ("true", "1", "yes", "y", "t", "closed")
        opens, closes = clock(row.get("opens_at")), clock(row.get("closes_at"))
        if closed is None and not (opens and closes):
            closed = True if re.search(r"\bclosed?\b", (text(row.get("description")) or "").lower()) else None
        elif closed is None:
            closed = False  # hours of their own on those dates
        if not start and not (opens or closed):
            continue
        out.append(drop_none({"valid_from": start.isoformat() if start else None,
                              "valid_to": end.isoformat() if end else None, "closed": closed,
                              "opens_at": None if closed else opens, "closes_at": None if closed else closes,
                              "description": _said(row)}))
    return out


# What our export writes on a dated schedule that has no words of its own (directory.hsds.holiday_schedules).
EXPORT_WORDS = ("Closed", "Holiday hours")


def _said(row: dict) -> str | None:
    description = text(row.get("description"))
    if (text(row.get("notes")) or "").lower() == "holiday":
        return None if description in EXPORT_WORDS else description
    return description or text(row.get("notes"))


def is_holiday(row: dict) -> bool:
    """A 3.0 schedule that is a closure or special hours on dates, not the weekly hours: our export marks
    them ``notes: holiday``; a feed's dated row of at most a month that says it is closed is one too."""
    if (text(row.get("notes")) or "").lower() == "holiday":
        return True
    start, end = F._date(row.get("valid_from")), F._date(row.get("valid_to"))
    closed = re.search(r"\b(closed|holiday)\b", " ".join(text(row.get(k)) or "" for k in ("description", "notes"))
                       .lower())
    return bool(start and end and (end - start).days <= 31 and closed and not text(row.get("byday")))


def contacts(rows: Iterable[dict]) -> list[dict]:
    out = []
    for c in rows:
        if not isinstance(c, dict):
            continue
        phones = [drop_none({"number": p["number"], "extension": p.get("extension"), "type": p["type"],
                             "description": p.get("description")})
                  for p in F.phones(c.get("phones") or [])]
        row = drop_none({"name": text(c.get("name")), "title": text(c.get("title")),
                         "department": text(c.get("department")), "email": text(c.get("email")),
                         "phones": phones or None})
        if row:
            out.append(row)
    return out


def _texts(rows: Iterable[Any], *keys: str) -> list[str]:
    out = []
    for row in rows or []:
        value = row if isinstance(row, str) else next((row.get(k) for k in keys if text(row.get(k))), None)
        if text(value) and text(value) not in out:
            out.append(text(value))
    return out


def details(service: dict, org: dict, loc: dict, sal: dict) -> dict:
    """The listing's ``details`` section from a nested service, its organisation, location and link."""
    areas = [drop_none({"name": text(a.get("name") or a.get("service_area")), "description": text(a.get("description")),
                        "extent": text(a.get("extent")), "extent_type": text(a.get("extent_type"))})
             for a in (service.get("service_areas") or []) if isinstance(a, dict)]
    areas += [{"name": n} for n in F.split_list(service.get("service_areas_text"))]
    access = [drop_none({"description": text(a.get("description") or a.get("accessibility")),
                         "details": text(a.get("details")), "url": text(a.get("url"))})
              for a in (loc.get("accessibility") or []) if isinstance(a, dict)]
    access += [{"description": t} for t in F.split_list(loc.get("accessibility_text"))]
    holidays = holiday_schedules([s for s in (sal.get("schedules") or []) + (service.get("schedules") or [])
                                  + (loc.get("schedules") or []) if is_holiday(s)]
                                 + list(service.get("holiday_schedules") or []) + list(loc.get("holiday_schedules") or []))
    out = {
        "wait_time": text(service.get("wait_time")),
        "audience": text(service.get("audience")),
        "service_areas": [a for a in areas if a] or None,
        "accessibility": [a for a in access if a] or None,
        "funding": _texts(list(service.get("funding") or []) + list(org.get("funding") or []), "source") or None,
        "payment_methods": _texts(service.get("payment_accepted") or [], "payment", "option") or None,
        "holiday_schedules": holidays or None,
        "contacts": contacts(list(sal.get("contacts") or []) + list(service.get("contacts") or [])
                             + list(loc.get("contacts") or [])) or None,
        "location_languages": _languages(loc.get("languages") or []),
    }
    return {k: v for k, v in out.items() if v}
