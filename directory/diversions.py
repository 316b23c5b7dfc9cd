"""What a diversion is: an officer hands a person to the LEAD program at the moment of contact, instead of
booking them (an *arrest diversion*) or without any offence (a *social contact*). It lands in the on-call
inbox of the program's case managers; one of them claims it (``acknowledged``), reaches the person
(``contacted``) and enrols them (``enrolled``), or closes it with a reason. The officer sees each step.

The statuses and who may make each change are declared once, in ``TRANSITIONS``, in the style of
``directory.referral_states``. Sides:

- ``officer``: the account that recorded the diversion (it may cancel one nobody has claimed yet);
- ``on_call``: a case manager of the diversion's program (or an administrator) who has not claimed it:
  the only move open to them is the claim;
- ``claimer``: the case manager who claimed it: every later step is theirs;
- ``system``: the service itself (none today; escalation is not a status but a mark, ``escalated_at``).

An unacknowledged diversion escalates after ``Settings.diversion_escalate_minutes``: ``overdue`` says so
from the clock alone, so a reader (the inbox, the supervisor's view) or ``lead diversions escalate`` marks
it the first time it is seen overdue, and the mark is written once (``directory.indices.diversions``).

Participant data is minimal: an opaque reference from the officer's or the program's system, the needs,
where and when; a name and date of birth only with the person's consent to be contacted, and erased when
that consent is withdrawn or expires (``directory.consents``). None of it is logged or audited.

Pure: no engine here.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from directory import permissions
from directory.accounts import User

TYPES = ("arrest_diversion", "social_contact")
STATUSES = ("waiting", "acknowledged", "contacted", "enrolled", "closed", "cancelled")
OFFICER, ON_CALL, CLAIMER, SYSTEM = "officer", "on_call", "claimer", "system"
# from -> {to: the sides that may make that change}. Anything else is illegal (HTTP 409 with the status).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "waiting": {"acknowledged": frozenset({ON_CALL}), "cancelled": frozenset({OFFICER})},
    "acknowledged": {"contacted": frozenset({CLAIMER}), "closed": frozenset({CLAIMER})},
    "contacted": {"enrolled": frozenset({CLAIMER}), "closed": frozenset({CLAIMER})},
    "enrolled": {"closed": frozenset({CLAIMER})},
}
OPEN = ("waiting", "acknowledged", "contacted")
TERMINAL = ("closed", "cancelled")
CLOSE_REASONS = ("could_not_contact", "declined_services", "already_enrolled", "other")
# The steps the officer is shown, in order, with the time each was reached.
STEPS = ("acknowledged", "contacted", "enrolled")
# Participant fields: never in an audit event, a log line or a report. Identity only with consent.
PARTICIPANT_FIELDS = ("participant_ref", "name", "dob", "place", "needs", "note")
IDENTITY_FIELDS = ("name", "dob")


class DiversionNotFound(LookupError):
    """No such diversion, or not one the caller may see (which is not said)."""


class IllegalMove(Exception):
    def __init__(self, current: str, to: str):
        super().__init__(f"a diversion that is {current} cannot become {to}")
        self.current, self.to = current, to


class NotYours(Exception):
    def __init__(self, to: str, who: frozenset[str]):
        names = {ON_CALL: "the program's case managers on call", CLAIMER: "the case manager who claimed it",
                 OFFICER: "the officer who recorded it"}
        super().__init__(f"only {' or '.join(names.get(w, w) for w in sorted(who))} may make a diversion {to}")
        self.to = to


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def diversion_id(username: str, client_key: str) -> str:
    """The id of the diversion an account recorded with this key: the same key sent twice (a phone that
    sends again when the signal comes back) names the same diversion, so it is recorded exactly once."""
    return hashlib.sha256(f"diversion:{username}:{client_key}".encode()).hexdigest()[:20]


# ----- who may see and do what -----------------------------------------------------------------------
def scope_filter(user: User) -> dict | None:
    """The diversions this account may see, as a query clause (None: all of them). Case managers: their
    program's inbox (``diversion.inbox``, own program). Officers: the ones they recorded."""
    inbox = permissions.scope(user, "diversion.inbox")
    if inbox == permissions.ANY:
        return None
    if inbox == permissions.OWN_PROGRAM:
        return {"term": {"program": user.program or "-"}}
    if permissions.may(user, "diversion.follow"):
        return {"term": {"officer": user.username}}
    return {"term": {"id": "-"}}


def sides(user: User | None, doc: dict) -> frozenset[str]:
    """The sides of this diversion the account acts for."""
    if user is None:
        return frozenset({SYSTEM})
    got: set[str] = set()
    if doc.get("officer") == user.username:
        got.add(OFFICER)
    inbox = permissions.scope(user, "diversion.inbox")
    if inbox == permissions.ANY or (inbox == permissions.OWN_PROGRAM and user.program
                                    and user.program == doc.get("program")):
        got.add(CLAIMER if doc.get("claimed_by") == user.username else ON_CALL)
    return frozenset(got)


def allowed(doc: dict, acting: frozenset[str]) -> list[str]:
    """The statuses this diversion may move to, made by these sides."""
    return [to for to, who in TRANSITIONS.get(doc["status"], {}).items() if who & acting]


def decide(doc: dict, to: str, acting: frozenset[str]) -> str:
    """The side that makes this move, or raise ``IllegalMove`` / ``NotYours``."""
    who = TRANSITIONS.get(doc["status"], {}).get(to)
    if who is None:
        raise IllegalMove(doc["status"], to)
    side = next((s for s in (CLAIMER, ON_CALL, OFFICER, SYSTEM) if s in who & acting), None)
    if side is None:
        raise NotYours(to, who)
    return side


def apply(doc: dict, to: str, side: str, actor: str, now: datetime, reason: str | None = None) -> None:
    """Make the move on ``doc`` (already decided legal): status, the step's time, the claim, the event."""
    at = now.isoformat()
    doc["events"].append({"n": len(doc["events"]) + 1, "at": at, "actor": actor, "side": side, "status": to,
                          "from": doc["status"], "reason": reason})
    doc.update(status=to, status_at=at, updated_at=at)
    if to == "acknowledged":
        doc["claimed_by"] = actor
    if to in STEPS or to in TERMINAL:
        doc[f"{to}_at"] = at
    if to in TERMINAL:
        doc["close_reason"] = reason


# ----- the clock ----------------------------------------------------------------------------------------
def due_at(doc: dict, minutes: float) -> datetime:
    """When an unacknowledged diversion escalates."""
    return datetime.fromisoformat(doc["created_at"]) + timedelta(minutes=minutes)


def overdue(doc: dict, now: datetime, minutes: float) -> bool:
    """Still waiting for a case manager past the configured time."""
    return doc["status"] == "waiting" and now >= due_at(doc, minutes)


def overdue_filter(now: datetime, minutes: float) -> dict:
    """Waiting, not yet marked escalated, created before the cut-off: the ones to escalate now."""
    cutoff = (now - timedelta(minutes=minutes)).isoformat()
    return {"bool": {"filter": [{"term": {"status": "waiting"}}, {"range": {"created_at": {"lte": cutoff}}}],
                     "must_not": [{"exists": {"field": "escalated_at"}}]}}


# ----- consent -----------------------------------------------------------------------------------------
def consent_state(doc: dict, now: datetime) -> str:
    """``given``, ``withdrawn``, ``expired`` or ``none`` (no consent to be contacted was recorded)."""
    consent = doc.get("consent") or {}
    if consent.get("withdrawn_at"):
        return "withdrawn"
    if not consent.get("contact"):
        return "none"
    expires = consent.get("expires_at")
    if expires and datetime.fromisoformat(expires) <= now:
        return "expired"
    return "given"


# ----- views --------------------------------------------------------------------------------------------
# What the officer who recorded it sees: what they wrote, where it is now and when each step was reached,
# not who the case manager is nor their notes.
OFFICER_FIELDS = ("id", "program", "type", "participant_ref", "town", "place", "occurred_at", "needs", "status",
                  "status_at", "created_at", "acknowledged_at", "contacted_at", "enrolled_at", "closed_at",
                  "cancelled_at")
# What the supervisor's view shows: the clock and who holds it, no participant data.
SUPERVISOR_FIELDS = ("id", "program", "type", "town", "officer", "status", "created_at", "acknowledged_at",
                     "claimed_by", "escalated_at")


def for_viewer(doc: dict, user: User, now: datetime, minutes: float) -> dict:
    """The diversion as this account may see it, with the moves it may make and its clock."""
    acting = sides(user, doc)
    state = consent_state(doc, now)
    if acting & {ON_CALL, CLAIMER}:
        out = {k: v for k, v in doc.items() if k != "client_key"}
    else:
        out = {k: doc.get(k) for k in OFFICER_FIELDS}
        out.update({k: None for k in (*IDENTITY_FIELDS, "note", "claimed_by", "officer", "events")})
    if state != "given":
        for name in IDENTITY_FIELDS:
            out[name] = None
    out["consent_state"] = state
    out["allowed"] = allowed(doc, acting)
    out["due_at"] = due_at(doc, minutes).isoformat()
    out["overdue"] = overdue(doc, now, minutes)
    return out


def for_supervisor(doc: dict, now: datetime, minutes: float) -> dict:
    out = {k: doc.get(k) for k in SUPERVISOR_FIELDS}
    out["due_at"] = due_at(doc, minutes).isoformat()
    out["overdue"] = overdue(doc, now, minutes)
    return out


def new_document(user: User, *, client_key: str, program: str, type_: str, participant_ref: str, town: str | None,
                 place: str | None, occurred_at: datetime, needs: list[str], note: str | None, consent_to_contact: bool,
                 name: str | None, dob: str | None, consent_expires_at: datetime | None, now: datetime) -> dict:
    """A new diversion as recorded by this officer (inputs already validated)."""
    at = now.isoformat()
    return {
        "id": diversion_id(user.username, client_key), "client_key": client_key, "program": program, "type": type_,
        "officer": user.username, "participant_ref": participant_ref,
        "town": " ".join(town.split()).title() if town and town.strip() else None, "place": place,
        "occurred_at": occurred_at.isoformat(), "needs": needs, "note": note,
        "name": name if consent_to_contact else None, "dob": dob if consent_to_contact else None,
        "consent": {"contact": consent_to_contact, "recorded_by": user.username, "recorded_at": at,
                    "expires_at": consent_expires_at.isoformat() if consent_expires_at and consent_to_contact else None,
                    "withdrawn_at": None, "withdrawn_by": None},
        "status": "waiting", "status_at": at, "created_at": at, "updated_at": at, "claimed_by": None,
        "acknowledged_at": None, "contacted_at": None, "enrolled_at": None, "closed_at": None, "cancelled_at": None,
        "close_reason": None, "escalated_at": None,
        "events": [{"n": 1, "at": at, "actor": user.username, "side": OFFICER, "status": "waiting", "from": None,
                    "reason": None}],
    }
