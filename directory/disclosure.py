"""What a viewer may see of a referral, decided here and nowhere else.

A referral carries participant data protected by 42 CFR Part 2. The participant consents, per provider
organisation, to what that provider may see (``consent.share``); ``CONSENT_COVERS`` declares, once, which
parts of a referral each of those names covers, including the ones inside its history. ``disclose`` is the
one projection every provider-bound output goes through: the referral's JSON and its ``events``, lists,
the pages, webhook payloads. What the consent allows at this moment is read by ``consented`` (the place
where withdrawal or expiry of a consent will be decided).

For a provider the projection is a list of what it may see, not of what it may not: a field added to
referrals later stays out of a provider's view until it is declared here.

What a provider never sees, consent or not: the group (``group_id``, ``group_size``). A group is the set
of programs the person was referred to at once; its size tells a provider how many other places hold this
person's referral, and its id, shared by those referrals, would let two providers find out they were sent
the same person. Neither is needed to accept, decline or enrol, and both are disclosures about the
person's relations with other programs, which Part 2 leaves to the consent of each. For the same reason
the reason of a withdrawal the service made itself (``placed_elsewhere``: another program of the group
enrolled the person) is not shown; the provider sees that the referral was withdrawn, by the service.

Pure: no engine, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

REFERRER, PROVIDER, SYSTEM = "referrer", "provider", "system"


@dataclass(frozen=True)
class Covered:
    """What one consent name covers: top-level fields of the referral, and fields of the events that a side
    wrote in its history (the referrer's notes carry participant details as much as the referral's note)."""
    fields: tuple[str, ...]
    event_fields: tuple[str, ...] = ()
    event_sides: tuple[str, ...] = (REFERRER,)


# The participant's consent, declared once: the name a consent uses -> what it lets the provider see.
CONSENT_COVERS: dict[str, Covered] = {
    "participant_ref": Covered(fields=("participant_ref",)),
    "needs": Covered(fields=("needs",)),
    "note": Covered(fields=("note",), event_fields=("note",)),
    "urgency": Covered(fields=("urgency",)),
}
SHAREABLE: tuple[str, ...] = tuple(CONSENT_COVERS)

# What a provider sees of every referral to its organisation: the referral itself (where to, who sent it,
# what was consented, its status, its decision and its bed hold) and its history as below.
PROVIDER_FIELDS: tuple[str, ...] = (
    "id", "listing_id", "listing_name", "organization_id", "organization_name", "referrer", "referrer_role",
    "program", "consent", "status", "status_at", "created_at", "updated_at", "ended_at", "decision",
    "decided_at", "decline_reason", "hold", "events")
# Never to a provider (see the module's docstring); shown as null.
PROVIDER_NEVER: tuple[str, ...] = ("group_id", "group_size")
# Of each event: when, who, which side, from and to which status; its reason unless the service made it;
# its note when the provider's side wrote it (a note of the referrer's side is covered by "note" above).
EVENT_FIELDS: tuple[str, ...] = ("n", "at", "actor", "side", "status", "from")
# Bookkeeping of each side's unseen events: nobody's business but the service's.
SIDE_BOOKKEEPING: tuple[str, ...] = ("referrer_seen", "provider_seen", "referrer_unseen", "provider_unseen")


def consent_state(doc: dict, now: datetime | None = None) -> str:
    """``given``, ``withdrawn`` (the participant took it back, ``directory.consents``) or ``expired`` (its
    ``expires_at`` has passed at ``now``)."""
    consent = doc.get("consent") or {}
    if consent.get("withdrawn_at"):
        return "withdrawn"
    expires = consent.get("expires_at")
    if expires and now is not None and datetime.fromisoformat(expires) <= now:
        return "expired"
    return "given"


def consented(doc: dict, now: datetime | None = None) -> set[str]:
    """The consent names (``SHAREABLE``) the participant lets the referral's provider see at ``now``: none
    once the consent is withdrawn or has expired."""
    if consent_state(doc, now) != "given":
        return set()
    share = (doc.get("consent") or {}).get("share") or []
    return {name for name in share if name in CONSENT_COVERS}


def disclose(doc: dict, sides: frozenset[str], now: datetime | None = None) -> dict:
    """The referral as a viewer acting for these ``sides`` may see it, with ``withheld`` naming the consent
    names not shared. The referrer's side (and an administrator, who acts for both) sees all of it; a
    viewer acting for the provider side only sees what ``PROVIDER_FIELDS`` and the consent allow, the rest
    as null. Nobody gets the sides' bookkeeping. ``doc`` is not changed."""
    if REFERRER in sides:
        out = {k: v for k, v in doc.items() if k not in SIDE_BOOKKEEPING}
        out["withheld"] = []
        out["consent_state"] = consent_state(doc, now)
        return out
    allowed = consented(doc, now) if PROVIDER in sides else set()
    out = {name: doc.get(name) for name in PROVIDER_FIELDS}
    out.update({name: None for name in PROVIDER_NEVER})
    for name, covered in CONSENT_COVERS.items():
        for field in covered.fields:
            out[field] = doc.get(field) if name in allowed else None
    out["events"] = [_event(e, allowed) for e in doc.get("events") or []]
    out["withheld"] = [name for name in SHAREABLE if name not in allowed]
    out["consent_state"] = consent_state(doc, now)
    return out


def _event(event: dict, allowed: set[str]) -> dict:
    side = event.get("side")
    out = {name: event.get(name) for name in EVENT_FIELDS}
    out["reason"] = event.get("reason") if side != SYSTEM else None
    out["note"] = event.get("note") if side == PROVIDER else None
    for name, covered in CONSENT_COVERS.items():
        if name in allowed and side in covered.event_sides:
            for field in covered.event_fields:
                out[field] = event.get(field)
    return out
