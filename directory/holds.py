"""Bed holds: an accepted referral keeps one of a listing's open beds (or slots) for its participant
until they are enrolled or the hold expires, so two case managers are not sent to the same last bed.

Holds live in the listing record (``record["holds"]``: referral id, placed at, until, by) and are
changed like any provider edit, through ``Store.edit`` with the listing's sequence numbers: deciding
"there is a free bed" and taking it are one compare-and-swap write, so two accepts racing for the last
bed cannot both win. Being part of the record, holds are kept in the durable edit records and survive
a rebuild from sources.

A hold past its ``until`` no longer counts: every reader compares it with the clock, so no timer is
needed to free a bed, and the next write drops it. The search engine cannot run that comparison per
hold inside a filter without scripts, so each listing document also carries ``capacity.held_until``:
the instant from which, as holds expire, at least one bed is free again (``held_until``). "Every open
bed is held" is then one range query, ``held_until > now`` (``matching.freshness``).

These functions are pure: holds and figures in, holds and figures out.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


class NoBedLeft(Exception):
    """Every open bed of the listing is already held (or none is open)."""

    def __init__(self, available: int | None, held: int):
        super().__init__(f"no bed left: {available or 0} open, {held} held for other referrals")
        self.available, self.held = available, held


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def active(holds: list[dict] | None, now: datetime) -> list[dict]:
    """The holds that still count at ``now`` (their ``until`` is later)."""
    return [h for h in holds or [] if _instant(h["until"]) > now]


def counted(capacity: dict | None) -> int | None:
    """The open figure holds are taken from: ``available`` when the listing states a number, else None
    (a listing without a count places no holds)."""
    value = (capacity or {}).get("available")
    return int(value) if isinstance(value, int) else None


def free(capacity: dict | None, holds: list[dict] | None, now: datetime) -> int | None:
    """Open beds not held at ``now`` (never below 0), or None without a count."""
    available = counted(capacity)
    if available is None:
        return None
    return max(0, available - len(active(holds, now)))


def held(capacity: dict | None, holds: list[dict] | None, now: datetime) -> int:
    """How many of the open beds are held at ``now``."""
    available = counted(capacity) or 0
    return min(len(active(holds, now)), max(available, 0))


def held_until(available: Any, holds: list[dict] | None) -> str | None:
    """The instant from which at least one bed is free again as holds expire, or None when a bed is
    free whatever the clock says (or the listing has no count, or nothing frees one: then its own
    figures say full). Past instants simply mean "not held now", so no clock is needed here."""
    if not isinstance(available, int) or available <= 0 or not holds:
        return None
    untils = sorted((h["until"] for h in holds), key=_instant)
    # Free beds at t = available - (holds with until > t): one frees once len - available + 1 have ended.
    needed = len(untils) - available + 1
    if needed <= 0:
        return None
    return untils[needed - 1]


def place(capacity: dict | None, holds: list[dict] | None, *, referral_id: str, now: datetime, hours: float,
          by: str) -> list[dict] | None:
    """The holds with one more for ``referral_id`` (expired ones dropped), or None when the listing has
    no count and so takes no hold. Idempotent: an active hold of the referral is kept as it is.
    Raises ``NoBedLeft`` when every open bed is held."""
    available = counted(capacity)
    if available is None:
        return None
    current = active(holds, now)
    if any(h["referral_id"] == referral_id for h in current):
        return current
    if available - len(current) <= 0:
        raise NoBedLeft(available, len(current))
    return current + [{"referral_id": referral_id, "at": now.isoformat(), "by": by,
                       "until": (now + timedelta(hours=hours)).isoformat()}]


def release(holds: list[dict] | None, *, referral_id: str, now: datetime) -> list[dict]:
    """The holds without ``referral_id``'s (and without expired ones)."""
    return [h for h in active(holds, now) if h["referral_id"] != referral_id]


def of(holds: list[dict] | None, referral_id: str) -> dict | None:
    """The hold of this referral, active or not."""
    return next((h for h in holds or [] if h["referral_id"] == referral_id), None)
