"""Closed-loop referrals: send a group (up to three listings) with the participant's consent per provider
organisation, move a referral through its statuses, list and read them as each side sees them, a listing's
outcome rates, and the menu badge of unseen events."""
from __future__ import annotations

from typing import TYPE_CHECKING

from api.usecases.errors import Conflict, Forbidden, NotFound, Refused
from api.usecases.search import resolve
from directory import permissions
from directory.accounts import User
from directory.errors import ListingNotFound
from directory.es import ENGINE_ERROR, ENGINE_UNAVAILABLE
from directory.referral_states import (ConsentMissing, IllegalTransition, ListingGone, NoBedLeft, ReferralNotFound,
                                       WrongSide, for_viewer)

if TYPE_CHECKING:
    from api.runtime import Runtime


def send(rt: Runtime, who: User, body: dict) -> dict:
    """Send a loaded ``NewReferralSchema`` body as ``who``: the group id and each referral as ``who`` sees it.
    Refused with 422 naming the field: an unknown need, a listing missing or not taking referrals, a provider
    organisation without the participant's recorded consent."""
    needs = resolve(body["needs"], "needs", hint=False)
    listings, errors = [], []
    for i, listing_id in enumerate(body["listing_ids"]):
        try:
            doc, _ = rt.store.get(listing_id)
        except ListingNotFound:
            errors.append({"field": f"listing_ids[{i}]", "message": f"no listing {listing_id!r}"})
            continue
        if doc.get("status") != "active":
            errors.append({"field": f"listing_ids[{i}]", "message": f"{listing_id} is not taking referrals "
                                                                     f"({doc.get('status')})"})
        listings.append(doc)
    if errors:
        raise Refused("Some listings cannot be referred to.", status=422, errors=errors)
    consents: dict[str, list[str]] = {}
    for c in body["consents"]:
        consents.setdefault(c["organization_id"], []).extend(c["share"])
    try:
        made = rt.referrals.send(who, listings, participant_ref=body["participant_ref"], needs=needs,
                                 note=body.get("note"), urgency=body["urgency"], consents=consents)
    except ConsentMissing as exc:
        raise Refused("Record the participant's consent to share with every provider organisation "
                      "(42 CFR Part 2): " + ", ".join(f"{org} ({lid})" for lid, org in exc.missing) + ".", status=422,
                      errors=[{"field": "consents", "message": f"no consent recorded to share with {org} "
                                                              f"(listing {lid})"} for lid, org in exc.missing]) from None
    return {"group_id": made[0]["group_id"], "referrals": [for_viewer(d, who) for d in made]}


class NoBed(Conflict):
    """Accepting would hold a bed that is not there (409 with the referral's status now)."""


def change_status(rt: Runtime, who: User, referral_id: str, body: dict) -> dict:
    """Move a referral as ``who`` (a loaded ``StatusChangeSchema``); returns it as ``who`` sees it. Refused:
    ``NotFound``, ``Conflict`` (an illegal move, with ``current_status``), ``NoBed``, ``Forbidden`` (the
    other side's move)."""
    try:
        doc = rt.referrals.transition(referral_id, body["status"], who, reason=body.get("reason"),
                                      note=body.get("note"))
    except ReferralNotFound:
        raise NotFound(f"No referral {referral_id!r}.") from None
    except IllegalTransition as exc:
        raise Conflict(f"This referral is {exc.current}; it cannot become {exc.to}.",
                       current_status=exc.current) from None
    except WrongSide as exc:
        raise Forbidden(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    except NoBedLeft as exc:
        current = rt.referrals.get(referral_id, who)["status"]
        raise NoBed(f"No bed left: {exc.available or 0} open and {exc.held} held for other referrals. "
                    "Decline it, or update the bed count first.", current_status=current) from None
    except ListingGone:
        raise Conflict("The listing this referral is about is no longer in the directory.") from None
    return for_viewer(doc, who)


def listed(rt: Runtime, who: User, *, statuses: list[str] | None = None, group_id: str | None = None,
           participant_ref: str | None = None, inbox: bool | None = None) -> list[dict]:
    """The referrals ``who`` follows, as ``who`` sees them. Showing a provider's inbox is viewing each referral
    in it (``inbox``: by default, when the account follows its organisation's referrals); a referrer's list
    marks nothing seen."""
    found = rt.referrals.search(who, statuses=statuses, group_id=group_id, participant_ref=participant_ref)
    if inbox is None:
        inbox = permissions.scope(who, "referral.follow") == permissions.OWN_ORGANIZATION
    return rt.referrals.looked_at(found, who, seen=inbox)


def listing_with_unseen(rt: Runtime, who: User, args: dict) -> dict:
    """The API's list: the referrals (filters of a loaded ``ReferralQuerySchema``) and the unseen count."""
    return {"referrals": listed(rt, who, statuses=args.get("status"), group_id=args.get("group_id"),
                                participant_ref=args.get("participant_ref")),
            "unseen": rt.referrals.unseen(who)}


def view(rt: Runtime, who: User, referral_id: str) -> dict:
    """One referral with every status change, as ``who`` sees it (audited; a provider's first read views it)."""
    try:
        return rt.referrals.view(referral_id, who)
    except ReferralNotFound:
        raise NotFound(f"No referral {referral_id!r}.") from None


def outcomes(rt: Runtime, listing_id: str, lang: str) -> dict:
    """How a listing answered its referrals over the last 90 days."""
    try:
        rt.store.get(listing_id)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    found = rt.search.referral_outcomes([listing_id], lang).get(listing_id)
    empty = {"days": 90, "received": 0, "accepted": 0, "declined": 0, "acceptance_rate": None, "decline_rate": None,
             "decline_reasons": {}, "text": ""}
    return {"listing_id": listing_id, **(found or empty)}


def unseen_count(rt: Runtime, person: User | None) -> int:
    """The menu badge: events on this person's referrals their side has not seen. A badge is not worth an
    error page: when the engine does not answer (an error page may be saying just that) it is left out."""
    if person is None or permissions.scope(person, "referral.follow") == permissions.ANY:
        return 0  # an administrator sees both sides of every referral: no badge is theirs
    try:
        return rt.referrals.unseen(person)
    except (*ENGINE_UNAVAILABLE, ENGINE_ERROR):
        return 0
