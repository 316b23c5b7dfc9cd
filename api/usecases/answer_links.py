"""Answering a referral without an account: a case manager issues a signed, single-use, expiring link for
the provider organisation (``directory.answer_links``); whoever holds it sees the referral as that provider
may (consented fields only) and accepts it (holding a bed) or declines it with a reason, once."""
from __future__ import annotations

from typing import TYPE_CHECKING

from datetime import datetime

from api.usecases.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from directory import permissions
from directory.accounts import User
from directory.answer_links import AnswerLinks, LinkRefused
from directory.referral_states import (IllegalTransition, ListingGone, NoBedLeft, ReferralNotFound, for_viewer,
                                       sides, utcnow)

if TYPE_CHECKING:
    from api.runtime import Runtime

ANSWERABLE = ("sent", "viewed")


class LinkGone(Refused):
    """The link is invalid, used or expired: 410, saying which (never which referral)."""
    status = 410


def links(rt: Runtime) -> AnswerLinks:
    return AnswerLinks(rt.store.es, rt.store.catalogue, rt.settings)


def _acting(record: dict, link_id: str) -> User:
    """Whoever holds the link acts as a provider account of that one organisation, named after the link."""
    return User(username=f"link:{link_id[:8]}", role=permissions.PROVIDER, organizations=[record["organization_id"]])


def issue(rt: Runtime, user: User, referral_id: str, now: datetime | None = None) -> dict:
    now = now or utcnow()
    try:
        doc = rt.referrals.get(referral_id, user)
    except ReferralNotFound:
        raise NotFound(f"No referral {referral_id!r}.") from None
    if "referrer" not in sides(user, doc):
        raise Forbidden("Only the referral's own program may give its provider an answer link.")
    if doc["status"] not in ANSWERABLE:
        raise Conflict(f"This referral is {doc['status']}: there is nothing left to answer.",
                       current_status=doc["status"])
    token, expires = links(rt).issue(doc, user.username, now)
    rt.store.audit("referral.answer_link", actor=user.username, listing_id=doc["listing_id"], field="referral",
                   new={"id": referral_id, "expires_at": expires.isoformat()})
    return {"token": token, "expires_at": expires.isoformat()}


def _refused(exc: LinkRefused) -> LinkGone:
    text = {"used": "This link was already used: it works once.", "expired": "This link has expired.",
            "invalid": "This link is not valid."}[exc.why]
    return LinkGone(text, why=exc.why)


def open_link(rt: Runtime, token: str, now: datetime | None = None) -> dict:
    """The referral as its provider may see it (this counts as the provider viewing it)."""
    now = now or utcnow()
    try:
        link_id, record, _ = links(rt).open(token, now)
    except LinkRefused as exc:
        raise _refused(exc) from None
    acting = _acting(record, link_id)
    try:
        doc = rt.referrals.get(record["referral_id"], acting)
    except ReferralNotFound:
        raise LinkGone("This link is not valid.", why="invalid") from None
    return rt.referrals.looked_at([doc], acting, seen=True)[0]


def answer(rt: Runtime, token: str, to: str, reason: str | None, now: datetime | None = None) -> dict:
    """Accept (a bed is held) or decline with a reason, once."""
    now = now or utcnow()
    if to == "declined" and not reason:
        raise Invalid("reason", "say why it is declined")
    store = links(rt)
    try:
        link_id, record = store.claim(token, to, now)
    except LinkRefused as exc:
        raise _refused(exc) from None
    acting = _acting(record, link_id)
    try:
        doc = rt.referrals.transition(record["referral_id"], to, acting, reason=reason if to == "declined" else None)
    except NoBedLeft:
        store.unclaim(link_id, record)
        raise Conflict("No bed is left to hold. Decline it, or update your bed count first.") from None
    except IllegalTransition as exc:
        raise Conflict(f"This referral is {exc.current}; it cannot be {to} now.", current_status=exc.current) from None
    except (ReferralNotFound, ListingGone):
        raise LinkGone("This link is not valid.", why="invalid") from None
    rt.store.audit("referral.answer_link_used", actor=acting.username, listing_id=doc["listing_id"],
                   field="referral", new={"id": doc["id"], "status": to})
    return for_viewer(doc, acting)
