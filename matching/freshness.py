"""Capacity freshness, defined once: a bed count not confirmed within the window counts as unknown.

Connecticut's DMHAS bed board treats a figure not confirmed for a shift as unknown; so do we, with
the window from ``Settings.capacity_fresh_hours``. Every search body (match, browse, nearby, the bed
board) asks for a capacity state through ``status_clause``, and every answer shows capacity through
``capacity_view``, so the rule cannot drift between them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from directory import hours
from matching import phrases

STATUSES = ("available", "waitlist", "full", "unknown")


@dataclass(frozen=True)
class Moment:
    """The instant a search is made for, and the freshness window that applies at it."""
    now: datetime
    fresh_hours: float
    tz: str = "America/New_York"

    @property
    def fresh_since(self) -> str:
        return (self.now - timedelta(hours=self.fresh_hours)).isoformat()

    @property
    def minute_of_week(self) -> int:
        return hours.minute_of_week(self.now, self.tz)


def fresh_clause(moment: Moment) -> dict:
    """Capacity confirmed within the window."""
    return {"range": {"capacity.updated_at": {"gte": moment.fresh_since}}}


def status_clause(status: str, moment: Moment) -> dict:
    """Listings whose *effective* capacity status is ``status``: a stated status counts only while
    fresh; ``unknown`` is no figure, an unknown figure, or a stale one."""
    if status == "unknown":
        return {"bool": {"should": [
            {"bool": {"must_not": {"exists": {"field": "capacity.status"}}}},
            {"term": {"capacity.status": "unknown"}},
            {"bool": {"must_not": fresh_clause(moment)}},
        ], "minimum_should_match": 1}}
    return {"bool": {"filter": [{"term": {"capacity.status": status}}, fresh_clause(moment)]}}


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def capacity_view(cap: dict | None, moment: Moment, lang: str = "en") -> dict:
    """Capacity as shown: a stale figure keeps its numbers, but its effective status is unknown."""
    if not cap:
        return {"status": "unknown", "reported_status": "unknown", "fresh": False, "updated_at": None,
                "age_hours": None, "available": None, "maximum": None, "unit": None, "waitlist": None,
                "wait_days": None, "accepting_new_clients": None, "updated_by": None,
                "text": phrases.capacity_text("unknown", None, None, None, None, lang)}
    updated = _parse(cap.get("updated_at"))
    age = (moment.now - updated).total_seconds() / 3600 if updated else None
    fresh = age is not None and age <= moment.fresh_hours
    status = cap.get("status", "unknown") if fresh else "unknown"
    return {
        "status": status,
        "reported_status": cap.get("status", "unknown"),
        "available": cap.get("available"), "maximum": cap.get("maximum"), "unit": cap.get("unit"),
        "waitlist": cap.get("waitlist"), "wait_days": cap.get("wait_days"),
        "accepting_new_clients": cap.get("accepting_new_clients"),
        "updated_at": cap.get("updated_at"), "updated_by": cap.get("updated_by"),
        "age_hours": round(age, 1) if age is not None else None,
        "fresh": fresh,
        "text": phrases.capacity_text(status if fresh else cap.get("status", "unknown"), cap, age, fresh,
                                      moment.fresh_hours, lang),
    }
