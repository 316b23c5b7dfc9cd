"""What a referral is and who may do what with it: the statuses and the declared transition table,
which referrals an account sees, and each viewer's view of one (what a provider may see of it is decided
in ``directory.disclosure``).

Pure: no engine here. ``directory.referrals`` keeps referrals in the engine by these rules.
"""
from __future__ import annotations

from datetime import datetime, timezone

from directory import disclosure, holds, permissions
from directory.accounts import User

STATUSES = ("sent", "viewed", "accepted", "declined", "enrolled", "no_show", "closed", "withdrawn")
# The state machine, declared once: from -> {to: the sides that may make that change}. "system" is the
# service itself (withdrawing the other referrals of a group when one is enrolled). Anything not in this
# table is illegal (HTTP 409 with the current status).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "sent": {"viewed": frozenset({"provider"}), "accepted": frozenset({"provider"}),
             "declined": frozenset({"provider"}), "withdrawn": frozenset({"referrer", "system"})},
    "viewed": {"accepted": frozenset({"provider"}), "declined": frozenset({"provider"}),
               "withdrawn": frozenset({"referrer", "system"})},
    "accepted": {"enrolled": frozenset({"provider"}), "no_show": frozenset({"provider"}),
                 "withdrawn": frozenset({"referrer", "system"})},
    "declined": {"closed": frozenset({"referrer", "provider"})},
    "enrolled": {"closed": frozenset({"referrer", "provider"})},
    "no_show": {"closed": frozenset({"referrer", "provider"})},
}
TERMINAL = ("closed", "withdrawn")
OPEN = ("sent", "viewed", "accepted")
DECLINE_REASONS = ("no_capacity", "not_eligible", "could_not_contact", "other")
URGENCIES = ("now", "today", "this_week")
# What a consent may let the provider see (declared, with what each name covers, in directory.disclosure).
SHAREABLE = disclosure.SHAREABLE
MAX_GROUP = 3
# Outcome rates per listing (matching.service.referral_outcomes) look this far back.
OUTCOME_DAYS = 90

class ReferralNotFound(LookupError):
    """No such referral, or not one the caller may see (which is not said)."""


class IllegalTransition(Exception):
    def __init__(self, current: str, to: str):
        super().__init__(f"a referral that is {current} cannot become {to}")
        self.current, self.to = current, to


class WrongSide(Exception):
    def __init__(self, to: str, sides: frozenset[str]):
        super().__init__(f"only the {' or '.join(sorted(sides - {'system'}))} side may make a referral {to}")
        self.to = to


class ConsentMissing(ValueError):
    """Listings whose organisation has no recorded consent: [(listing id, organisation id)]."""

    def __init__(self, missing: list[tuple[str, str]]):
        super().__init__("no consent recorded for " + ", ".join(f"{o} ({lid})" for lid, o in missing))
        self.missing = missing


class ListingGone(Exception):
    """The listing a referral is about is no longer in the directory."""


NoBedLeft = holds.NoBedLeft


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ----- who may see and do what -----------------------------------------------------------------------
def scope_filter(user: User) -> dict | None:
    """The referrals this account may see (its scope of ``referral.follow`` in the permission table), as a
    query clause; None: all of them."""
    scope = permissions.scope(user, "referral.follow")
    if scope == permissions.ANY:
        return None
    if scope == permissions.OWN_ORGANIZATION:
        return {"terms": {"organization_id": user.organizations or ["-"]}}
    if scope == permissions.OWN_PROGRAM:
        return {"term": {"program": user.program}} if user.program else {"term": {"referrer": user.username}}
    return {"term": {"id": "-"}}  # no scope: none of them


def sides(user: User, doc: dict) -> frozenset[str]:
    """The sides of this referral this account acts for: its provider (scope: own organisation), its
    referrer (own program), or both (any)."""
    scope = permissions.scope(user, "referral.follow")
    if scope == permissions.ANY:
        return frozenset({"provider", "referrer"})
    if scope == permissions.OWN_ORGANIZATION:
        return frozenset({"provider"}) if doc["organization_id"] in user.organizations else frozenset()
    if scope == permissions.OWN_PROGRAM:
        mine = doc["referrer"] == user.username or (user.program is not None and doc.get("program") == user.program)
        return frozenset({"referrer"}) if mine else frozenset()
    return frozenset()


def allowed(doc: dict, acting: frozenset[str]) -> list[str]:
    """The statuses this referral may move to, made by these sides."""
    return [to for to, who in TRANSITIONS.get(doc["status"], {}).items() if who & acting]


def for_viewer(doc: dict, user: User) -> dict:
    """The referral as this account may see it now (``directory.disclosure.disclose``: a provider-only viewer
    gets what the participant consented to share, the rest null and named in ``withheld``); plus the moves
    it may make and what it has not seen."""
    acting = sides(user, doc)
    out = disclosure.disclose(doc, acting, utcnow())
    out["allowed"] = allowed(doc, acting)
    side = "provider" if acting == {"provider"} else ("referrer" if acting == {"referrer"} else None)
    out["unseen"] = int(doc.get(f"{side}_unseen") or 0) if side else 0
    hold = doc.get("hold")
    if hold:
        out["hold"] = {**hold, "active": not hold.get("released_at") and not hold.get("converted")
                       and datetime.fromisoformat(hold["until"]) > utcnow()}
    return out


def recount(doc: dict) -> None:
    """Set each side's count of the other side's events it has not seen."""
    events = doc["events"]
    for side in ("referrer", "provider"):
        seen = int(doc.get(f"{side}_seen") or 0)
        doc[f"{side}_unseen"] = sum(1 for e in events[seen:] if e["side"] != side)
