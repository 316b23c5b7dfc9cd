"""Program reports over a period and a program (``directory.reports``): the documents are read here with
only the fields the figures need, and the report is made, suppressed, in one pure function."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from api.usecases.diversions import index as diversion_index
from api.usecases.errors import Invalid
from directory import places, reports
from directory.accounts import User
from directory.errors import ListingNotFound
from directory.referral_states import utcnow

if TYPE_CHECKING:
    from api.runtime import Runtime

MAX_DAYS = 400
DIVERSION_FIELDS = ["id", "program", "type", "town", "participant_ref", "occurred_at", "created_at",
                    "acknowledged_at", "contacted_at", "enrolled_at", "status"]
REFERRAL_FIELDS = ["id", "program", "participant_ref", "listing_id", "needs", "created_at", "decision",
                   "decided_at", "decline_reason", "status", "events.status", "events.at", "hold"]


def period_of(rt: Runtime, start: date, end: date) -> reports.Period:
    """[start, end] as whole local days."""
    if end < start:
        raise Invalid("to", "must be on or after from")
    if (end - start).days > MAX_DAYS:
        raise Invalid("to", f"a report covers at most {MAX_DAYS} days")
    zone = ZoneInfo(rt.settings.timezone)
    return reports.Period(datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone))


def program_report(rt: Runtime, user: User, start: date, end: date, program: str | None,
                   now: datetime | None = None) -> dict:
    now = now or utcnow()
    if program and program not in rt.settings.programs:
        raise Invalid("program", f"one of: {', '.join(rt.settings.programs)}")
    period = period_of(rt, start, end)
    window = {"range": {"created_at": {"gte": period.start.isoformat(), "lt": period.end.isoformat()}}}
    scoped = [window] + ([{"term": {"program": program}}] if program else [])
    divs = diversion_index(rt).scan({"bool": {"filter": scoped}}, DIVERSION_FIELDS)
    # Referrals made from the period's start on: those of the period, and later ones that placed its diverted.
    since = {"range": {"created_at": {"gte": period.start.isoformat()}}}
    refs = rt.store.referral_index.scan({"bool": {"filter": [since] + scoped[1:]}}, REFERRAL_FIELDS)
    towns = {}
    for listing_id in {r["listing_id"] for r in refs if r.get("decline_reason") == "no_capacity"}:
        try:
            doc, _ = rt.store.get(listing_id)
            towns[listing_id] = places.town_label((doc.get("address") or {}).get("town")) or "unknown"
        except ListingNotFound:
            towns[listing_id] = "unknown"
    searches = rt.unmet_need.searches(period.start, period.end)
    report = reports.program_report(period, program, divs, refs, searches, towns, now)
    rt.store.audit("report.read", actor=user.username, field="report",
                   new={"program": program, "from": start.isoformat(), "to": end.isoformat()})
    return report
