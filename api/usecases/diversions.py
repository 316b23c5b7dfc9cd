"""Diversion hand-off, for the JSON API and the pages alike: an officer records a diversion to a LEAD
program, the program's case managers see it in their on-call inbox and one claims it, the officer follows
its steps, and a diversion nobody acknowledged in time escalates (the supervisor's view, a second notice,
a webhook to the program's receiver). Every step is audited by id and status, never with participant data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from datetime import datetime, timedelta

from api.usecases.errors import Conflict, Forbidden, Invalid, NotFound
from directory import diversions as rules
from directory.accounts import User
from directory.diversions import DiversionNotFound, IllegalMove, NotYours
from directory.indices.diversions import DiversionIndex

if TYPE_CHECKING:
    from api.runtime import Runtime


def index(rt: Runtime) -> DiversionIndex:
    return DiversionIndex(rt.store.es, rt.store.catalogue)


def _minutes(rt: Runtime) -> float:
    return rt.settings.diversion_escalate_minutes


def _view(rt: Runtime, doc: dict, user: User, now: datetime) -> dict:
    return rules.for_viewer(doc, user, now, _minutes(rt))


def record(rt: Runtime, user: User, body: dict, now: datetime | None = None) -> tuple[dict, bool]:
    """Record a diversion (``body`` as loaded by ``DiversionSchema``); (its view, whether new). The same
    ``client_key`` sent again by the same officer returns the diversion already recorded."""
    now = now or rules.utcnow()
    program = body.get("program") or user.program
    if not program:
        raise Invalid("program", "choose the LEAD program to divert to")
    if program not in rt.settings.programs:
        raise Invalid("program", f"not a LEAD program here; one of: {', '.join(rt.settings.programs)}")
    consent = bool(body.get("consent_to_contact"))
    for name in rules.IDENTITY_FIELDS:
        if body.get(name) and not consent:
            raise Invalid(name, "a name or date of birth is recorded only with the person's consent to be contacted")
    occurred = body.get("occurred_at") or now
    if occurred > now + timedelta(minutes=5) or occurred < now - timedelta(days=2):
        raise Invalid("occurred_at", "when the contact happened: within the last two days")
    expires = body.get("consent_expires_at") or (now + timedelta(days=rt.settings.consent_days))
    if consent and expires <= now:
        raise Invalid("consent_expires_at", "must be in the future")
    doc = rules.new_document(user, client_key=body["client_key"], program=program, type_=body["type"],
                             participant_ref=body["participant_ref"], town=body.get("town"), place=body.get("place"),
                             occurred_at=occurred, needs=body.get("needs") or [], note=body.get("note"),
                             consent_to_contact=consent, name=body.get("name"), dob=body.get("dob"),
                             consent_expires_at=expires, now=now)
    stored, created = index(rt).create(doc)
    if created:
        rt.store.audit("diversion.recorded", actor=user.username, field="diversion",
                       new={"id": stored["id"], "program": program, "type": stored["type"], "status": "waiting"})
    return _view(rt, stored, user, now), created


def inbox(rt: Runtime, user: User, *, statuses: list[str] | None = None, now: datetime | None = None) -> list[dict]:
    """The program's on-call inbox (an administrator: every program's), escalating what is overdue first."""
    now = now or rules.utcnow()
    escalate_due(rt, now)
    filters = [c for c in (rules.scope_filter(user),) if c]
    filters.append({"terms": {"status": statuses or list(rules.OPEN)}})
    docs = index(rt).search({"bool": {"filter": filters}})
    return [_view(rt, d, user, now) for d in docs]


def mine(rt: Runtime, user: User, now: datetime | None = None) -> list[dict]:
    """The diversions this officer recorded, newest first, with their steps."""
    now = now or rules.utcnow()
    docs = index(rt).search({"bool": {"filter": [{"term": {"officer": user.username}}]}}, size=50)
    return [_view(rt, d, user, now) for d in docs]


def get(rt: Runtime, user: User, diversion_id: str, now: datetime | None = None) -> dict:
    now = now or rules.utcnow()
    try:
        doc, _ = index(rt).get(diversion_id)
    except DiversionNotFound:
        raise NotFound(f"No diversion {diversion_id!r}.") from None
    if not rules.sides(user, doc):
        raise NotFound(f"No diversion {diversion_id!r}.")
    if rules.overdue(doc, now, _minutes(rt)) and not doc.get("escalated_at"):
        escalate_due(rt, now)
    rt.store.audit("diversion.view", actor=user.username, field="diversion",
                   new={"id": diversion_id, "status": doc["status"]})
    return _view(rt, doc, user, now)


def move(rt: Runtime, user: User, diversion_id: str, to: str, reason: str | None = None,
         now: datetime | None = None) -> dict:
    """Move a diversion: claim it (``acknowledged``; exactly one case manager wins), contact, enrol, close,
    or cancel it (its officer, before anyone claimed it)."""
    now = now or rules.utcnow()
    if to not in rules.STATUSES or to == "waiting":
        raise Invalid("status", f"one of: {', '.join(s for s in rules.STATUSES if s != 'waiting')}")
    if to == "closed" and reason not in rules.CLOSE_REASONS:
        raise Invalid("reason", f"say why it is closed: one of {', '.join(rules.CLOSE_REASONS)}")
    seen: dict = {}

    def decide(doc: dict) -> bool:
        acting = rules.sides(user, doc)
        if not acting:
            raise DiversionNotFound(diversion_id)
        side = rules.decide(doc, to, acting)
        seen["from"] = doc["status"]
        rules.apply(doc, to, side, user.username, now, reason)
        return True
    try:
        doc, _ = index(rt).change(diversion_id, decide)
    except DiversionNotFound:
        raise NotFound(f"No diversion {diversion_id!r}.") from None
    except IllegalMove as exc:
        raise Conflict(f"This diversion is {exc.current}; it cannot become {exc.to}.",
                       current_status=exc.current) from None
    except NotYours as exc:
        raise Forbidden(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    rt.store.audit(f"diversion.{to}", actor=user.username, field="diversion",
                   new={"id": diversion_id, "from": seen["from"], "status": to, "reason": reason})
    return _view(rt, doc, user, now)


def escalate_due(rt: Runtime, now: datetime | None = None) -> list[str]:
    """Mark every diversion still unacknowledged past its time as escalated (once each: a compare-and-swap,
    so two readers at once escalate it once), audit it and notify the program's webhook. Returns the ids
    this call escalated."""
    now = now or rules.utcnow()
    idx = index(rt)
    done = []
    for doc in idx.search(rules.overdue_filter(now, _minutes(rt)), size=500, sort=[{"created_at": "asc"}]):
        def mark(current: dict) -> bool:
            if current.get("escalated_at") or not rules.overdue(current, now, _minutes(rt)):
                return False
            current["escalated_at"] = now.isoformat()
            return True
        marked, written = idx.change(doc["id"], mark)
        if not written:
            continue
        done.append(marked["id"])
        rt.store.audit("diversion.escalated", actor="system", field="diversion",
                       new={"id": marked["id"], "program": marked["program"], "waited_minutes": _minutes(rt)})
        rt.webhooks.enqueue_event(f"program:{marked['program']}", "diversion.escalated", marked["id"], {
            "diversion": {k: marked.get(k) for k in ("id", "program", "type", "town", "status", "created_at",
                                                     "escalated_at")},
            "href": f"/api/v1/diversions/{marked['id']}"})
    return done


def escalations(rt: Runtime, user: User, now: datetime | None = None) -> list[dict]:
    """The supervisor's view: every escalated diversion (and any overdue one), open ones first, no
    participant data."""
    now = now or rules.utcnow()
    escalate_due(rt, now)
    docs = index(rt).search({"bool": {"filter": [{"exists": {"field": "escalated_at"}}]}}, size=200,
                            sort=[{"escalated_at": "desc"}, {"id": "asc"}])
    views = [rules.for_supervisor(d, now, _minutes(rt)) for d in docs]
    return sorted(views, key=lambda v: (v["status"] != "waiting", v["acknowledged_at"] is not None))
