"""Capacity freshness, defined once: a bed count not confirmed within the window counts as unknown.

Connecticut's DMHAS bed board treats a figure not confirmed for a shift as unknown; so do we, with
the window from ``Settings.capacity_fresh_hours``. Every search body (match, browse, nearby, the bed
board) asks for a capacity state through ``status_clause``, and every answer shows capacity through
``capacity_view``, so the rule cannot drift between them.

Beds held for accepted referrals (``directory.holds``) are taken off the open count here too: a listing
whose every open bed is held is *full* for the next person until a hold ends (enrolment turns it into a
placement, expiry frees it). Python views compare each hold's expiry with the clock; the engine reads
``capacity.held_until``, the instant from which a bed is free again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from directory import holds, hours
from matching import phrases

STATUSES = ("available", "waitlist", "full", "unknown")


@dataclass(frozen=True)
class Moment:
    """The instant a search is made, the freshness window that applies at it, and the time whose opening
    hours it asks about: ``at`` (a later or earlier local time: "what is open at 10 pm tonight"), else now.
    Capacity freshness and bed holds are always judged at ``now``: a figure is as old as it is."""
    now: datetime
    fresh_hours: float
    tz: str = "America/New_York"
    at: datetime | None = None

    @property
    def when(self) -> datetime:
        """The instant whose opening hours count: ``at`` when asked, else now."""
        return self.at or self.now

    @property
    def fresh_since(self) -> str:
        return (self.now - timedelta(hours=self.fresh_hours)).isoformat()

    @property
    def minute_of_week(self) -> int:
        return hours.minute_of_week(self.when, self.tz)


def fresh_clause(moment: Moment) -> dict:
    """Capacity confirmed within the window."""
    return {"range": {"capacity.updated_at": {"gte": moment.fresh_since}}}


def all_held_clause(moment: Moment) -> dict:
    """Listings whose every open bed is held for a referral at this moment."""
    return {"range": {"capacity.held_until": {"gt": moment.now.isoformat()}}}


def status_clause(status: str, moment: Moment) -> dict:
    """Listings whose *effective* capacity status is ``status``: a stated status counts only while
    fresh; ``unknown`` is no figure, an unknown figure, or a stale one; a fresh ``available`` whose
    every open bed is held for a referral is ``full``."""
    if status == "unknown":
        return {"bool": {"should": [
            {"bool": {"must_not": {"exists": {"field": "capacity.status"}}}},
            {"term": {"capacity.status": "unknown"}},
            {"bool": {"must_not": fresh_clause(moment)}},
        ], "minimum_should_match": 1}}
    stated = {"term": {"capacity.status": status}}
    if status == "available":
        return {"bool": {"filter": [stated, fresh_clause(moment)], "must_not": [all_held_clause(moment)]}}
    if status == "full":
        all_held = {"bool": {"filter": [{"term": {"capacity.status": "available"}}, all_held_clause(moment)]}}
        return {"bool": {"filter": [{"bool": {"should": [stated, all_held], "minimum_should_match": 1}},
                                    fresh_clause(moment)]}}
    return {"bool": {"filter": [stated, fresh_clause(moment)]}}


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def capacity_view(cap: dict | None, moment: Moment, lang: str = "en") -> dict:
    """Capacity as shown: a stale figure keeps its numbers, but its effective status is unknown.
    ``available`` is what a new person can have: the provider's figure (``reported_available``) less the
    beds ``held`` for accepted referrals; when all are held the effective status is full."""
    if not cap:
        return {"status": "unknown", "reported_status": "unknown", "fresh": False, "updated_at": None,
                "age_hours": None, "available": None, "reported_available": None, "held": 0, "maximum": None,
                "unit": None, "unit_name": None, "waitlist": None, "wait_days": None, "accepting_new_clients": None,
                "updated_by": None, "text": phrases.capacity_text("unknown", None, None, None, None, lang)}
    updated = _parse(cap.get("updated_at"))
    age = (moment.now - updated).total_seconds() / 3600 if updated else None
    fresh = age is not None and age <= moment.fresh_hours
    held = holds.held(cap, cap.get("holds"), moment.now)
    free = holds.free(cap, cap.get("holds"), moment.now)
    reported = cap.get("status", "unknown")
    if reported == "available" and held and not free:
        reported = "full"
    status = reported if fresh else "unknown"
    shown = {**cap, "available": free} if free is not None else cap
    return {
        "status": status,
        "reported_status": cap.get("status", "unknown"),
        "available": free if free is not None else cap.get("available"),
        "reported_available": cap.get("available"), "held": held,
        "maximum": cap.get("maximum"), "unit": cap.get("unit"), "unit_name": cap.get("unit_name"),
        "waitlist": cap.get("waitlist"), "wait_days": cap.get("wait_days"),
        "accepting_new_clients": cap.get("accepting_new_clients"),
        "updated_at": cap.get("updated_at"), "updated_by": cap.get("updated_by"),
        "age_hours": round(age, 1) if age is not None else None,
        "fresh": fresh,
        "text": phrases.capacity_text(status if fresh else reported, shown, age, fresh,
                                      moment.fresh_hours, lang, held=held),
    }
