"""Closed-loop referrals: a case manager or officer sends a participant to a listing (or to up to three at
once, a *group*); the provider views, accepts or declines, then enrols or records a no-show; either side
closes the loop. Every change is an event with its time and actor, kept inside the referral itself so a
status and its event are one write.

Kept in ``<prefix>-referrals`` (created by ``Store.ensure_indices``), one document per referral, written
with the engine's sequence numbers: a transition is decided on the referral as read and written only if
nobody changed it meanwhile, else read again and re-decided (``Referrals.transition``).

Participant data is minimal and never logged or audited: an opaque reference from the program's case
system, needs, a short note, urgency, and the consent record (42 CFR Part 2: consent is given per
provider organisation and names what may be shared; the provider sees only that).

An accepted referral to a listing with a count holds one of its open beds (``directory.holds``), placed
*before* the referral is written so that "a bed is free" and "it is taken" are one compare-and-swap on
the listing: two accepts racing for the last bed cannot both win. Enrolment turns the hold into a
placement: the hold goes and the listing's open count drops by one in the same listing write (the bed
is taken at that moment; waiting for the provider to lower the count would show it free in between).
No-show and withdrawal release the hold; expiry frees it by itself. Enrolling one referral of a group
withdraws the others.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from elasticsearch import Elasticsearch

from directory import holds, permissions
from directory.accounts import User
from directory.indices.catalogue import StaleWrite
from directory.indices.referrals import (ReferralIndex, ended_before_query, group_open_body, list_body,
                                         unseen_body)
from directory.referral_states import (MAX_GROUP, OPEN, STATUSES, TERMINAL, TRANSITIONS, ConsentMissing,
                                       IllegalTransition, ListingGone, NoBedLeft, ReferralNotFound, WrongSide,
                                       for_viewer, recount, scope_filter, sides, utcnow)
from directory.settings import Settings
from directory.errors import ListingNotFound, VersionConflict
from directory.store import Store

@dataclass
class _Effect:
    """What a transition did to the listing, so it can be kept (written with the referral) or undone."""
    hold: dict | None = None        # a hold placed by this call (accept)
    placed: bool = False            # the open count was lowered by one (enrol)


class Referrals:
    """Referrals in the engine, with the listing holds their transitions place and release."""

    def __init__(self, es: Elasticsearch, settings: Settings, store: Store,
                 notify: Callable[[dict, dict], None] | None = None):
        self.es, self.settings, self.store = es, settings, store
        self.records = ReferralIndex(es, store.catalogue)
        self.index = self.records.index
        # notify(referral, event) after each change is written: outgoing webhooks (directory.webhooks).
        self.notify = notify or (lambda referral, event: None)

    # ----- reads ----------------------------------------------------------------------------------
    def _get(self, referral_id: str) -> tuple[dict, dict]:
        found = self.records.get(referral_id)
        if found is None:
            raise ReferralNotFound(referral_id)
        return found

    def get(self, referral_id: str, user: User) -> dict:
        """The raw referral, if this account may see it (else ``ReferralNotFound``). Not audited: callers
        showing it to a person use ``view``."""
        doc, _ = self._get(referral_id)
        if not sides(user, doc):
            raise ReferralNotFound(referral_id)
        return doc

    def search(self, user: User, *, statuses: list[str] | None = None, group_id: str | None = None,
               participant_ref: str | None = None, size: int = 200) -> list[dict]:
        """The referrals this account may see, most recently changed first."""
        filters = [c for c in (scope_filter(user),) if c]
        if statuses:
            filters.append({"terms": {"status": statuses}})
        if group_id:
            filters.append({"term": {"group_id": group_id}})
        if participant_ref and permissions.may(user, "referral.send"):
            filters.append({"term": {"participant_ref": participant_ref}})
        resp = self.records.search(list_body(filters, size))
        return [h["_source"] for h in resp["hits"]["hits"]] if resp else []

    def unseen(self, user: User) -> int:
        """Events on this account's referrals made by the other side since its side last looked."""
        scope = permissions.scope(user, "referral.follow")
        if scope in (None, permissions.ANY):
            return 0  # an administrator sees both sides: no side's badge is theirs
        field_name = "provider_unseen" if scope == permissions.OWN_ORGANIZATION else "referrer_unseen"
        resp = self.records.search(unseen_body(scope_filter(user), field_name))
        return int(resp["aggregations"]["n"]["value"] or 0) if resp else 0

    def view(self, referral_id: str, user: User) -> dict:
        """The referral shown to a person: audited as a view; the provider's first view makes it
        ``viewed``; the viewer's side has now seen every event."""
        doc = self.get(referral_id, user)
        return self.looked_at([doc], user, seen=True)[0]

    def looked_at(self, docs: list[dict], user: User, *, seen: bool = True) -> list[dict]:
        """These referrals were shown to this person (an inbox, a detail page): audit each view, mark a
        provider's first view (``viewed``), and with ``seen`` mark their events seen by the person's side.
        Returns them as the person may see them."""
        self.store.audit_trail.append_many([{"action": "referral.view", "actor": user.username, "listing_id": d["listing_id"],
                                "field": "referral", "new": {"id": d["id"], "status": d["status"]}} for d in docs])
        out = []
        for doc in docs:
            acting = sides(user, doc)
            if acting == {"provider"} and doc["status"] == "sent":
                try:
                    doc = self.transition(doc["id"], "viewed", user)
                except IllegalTransition:
                    doc = self._get(doc["id"])[0]
            if seen and acting in ({"provider"}, {"referrer"}):
                doc = self._mark_seen(doc["id"], next(iter(acting)))
            out.append(for_viewer(doc, user))
        return out

    def _mark_seen(self, referral_id: str, side: str) -> dict:
        for _ in range(20):
            doc, seq = self._get(referral_id)
            if doc.get(f"{side}_seen") == len(doc["events"]):
                return doc
            doc[f"{side}_seen"] = len(doc["events"])
            recount(doc)
            try:
                self.records.save(doc, seq)
                return doc
            except StaleWrite:
                continue
        return doc

    # ----- sending --------------------------------------------------------------------------------
    def send(self, user: User, listings: list[dict], *, participant_ref: str, needs: list[str], note: str | None,
             urgency: str, consents: dict[str, list[str]]) -> list[dict]:
        """One referral per listing document (up to ``MAX_GROUP``, one group). ``consents`` maps each
        provider organisation to what the participant agreed to share with it; a listing whose
        organisation is missing raises ``ConsentMissing`` and nothing is sent."""
        if not 1 <= len(listings) <= MAX_GROUP:
            raise ValueError(f"send to 1 to {MAX_GROUP} listings")
        missing = [(d["id"], d["organization"]["id"]) for d in listings if d["organization"]["id"] not in consents]
        if missing:
            raise ConsentMissing(missing)
        if not self.records.exists():
            self.store.ensure_indices()
        now = utcnow().isoformat()
        expires = (utcnow() + timedelta(days=self.settings.consent_days)).isoformat()
        group_id = secrets.token_hex(8)
        made = []
        for listing in listings:
            org = listing["organization"]["id"]
            event = {"n": 1, "at": now, "actor": user.username, "side": "referrer", "status": "sent", "from": None,
                     "reason": None, "note": None}
            made.append({
                "id": secrets.token_hex(8), "group_id": group_id, "group_size": len(listings),
                "listing_id": listing["id"], "listing_name": listing.get("name"), "organization_id": org,
                "organization_name": listing["organization"].get("name"), "referrer": user.username,
                "referrer_role": user.role, "program": user.program, "participant_ref": participant_ref,
                "needs": needs, "note": note, "urgency": urgency,
                "consent": {"organization_id": org, "share": sorted(set(consents[org])), "recorded_by": user.username,
                            "recorded_at": now, "expires_at": expires, "withdrawn_at": None, "withdrawn_by": None},
                "status": "sent", "status_at": now, "created_at": now, "updated_at": now, "ended_at": None,
                "decision": None, "decided_at": None, "decline_reason": None, "hold": None, "events": [event],
                "referrer_seen": 1, "provider_seen": 0, "referrer_unseen": 0, "provider_unseen": 1,
            })
        self.records.create_many(made)
        for doc in made:
            self.store.audit("referral.sent", actor=user.username, listing_id=doc["listing_id"], field="referral",
                             new={"id": doc["id"], "group_id": group_id, "status": "sent",
                                  "consent_share": doc["consent"]["share"]})
            self.notify(doc, doc["events"][-1])
        return made

    # ----- transitions ----------------------------------------------------------------------------
    def transition(self, referral_id: str, to: str, user: User | None, *, reason: str | None = None,
                   note: str | None = None) -> dict:
        """Move a referral to ``to`` as this account (None: the service itself), with its listing effect.

        Raises ``ReferralNotFound`` (not visible to the caller), ``IllegalTransition`` (not from the
        current status), ``WrongSide``, ``NoBedLeft`` (accepting when every open bed is held) or
        ``ListingGone``. A concurrent change of the referral makes this decide again on the new state;
        what it had already done to the listing is kept if the move is still legal, else undone.
        """
        if to not in STATUSES or to == "sent":
            raise ValueError(to)
        actor = user.username if user else "system"
        effect = _Effect()
        for _attempt in range(30):
            doc, seq = self._get(referral_id)
            acting = sides(user, doc) if user else frozenset({"system"})
            if not acting:
                raise ReferralNotFound(referral_id)
            current = doc["status"]
            who = TRANSITIONS.get(current, {}).get(to)
            if who is None:
                self._undo(doc, effect, actor)
                raise IllegalTransition(current, to)
            side = next((s for s in ("provider", "referrer", "system") if s in who & acting), None)
            if side is None:
                self._undo(doc, effect, actor)
                raise WrongSide(to, who)
            try:
                self._effect(doc, to, effect, actor)
            except NoBedLeft:
                latest, _ = self._get(referral_id)
                if latest["status"] != current:  # it moved on meanwhile: say so rather than "no bed"
                    raise IllegalTransition(latest["status"], to) from None
                raise
            now = utcnow().isoformat()
            self._apply(doc, to, side, actor, reason, note, now, effect)
            try:
                self.records.save(doc, seq)
                break
            except StaleWrite:
                continue
        else:
            self._undo(doc, effect, actor)
            raise RuntimeError(f"could not change referral {referral_id}: too much contention")
        event = doc["events"][-1]
        self.store.audit(f"referral.{to}", actor=actor, listing_id=doc["listing_id"], field="referral",
                         new={"id": referral_id, "from": event["from"], "status": to, "reason": reason})
        self.notify(doc, event)
        if to == "enrolled":
            self._withdraw_others(doc)
        return doc

    def _apply(self, doc: dict, to: str, side: str, actor: str, reason: str | None, note: str | None, now: str,
               effect: _Effect) -> None:
        previous = doc["status"]
        doc["events"].append({"n": len(doc["events"]) + 1, "at": now, "actor": actor, "side": side, "status": to,
                              "from": previous, "reason": reason, "note": note})
        doc.update(status=to, status_at=now, updated_at=now)
        if to in TERMINAL:
            doc["ended_at"] = now
        if to in ("accepted", "declined"):
            doc.update(decision=to, decided_at=now, decline_reason=reason if to == "declined" else None)
        hold = doc.get("hold")
        if to == "accepted":
            doc["hold"] = effect.hold
        elif hold and not hold.get("released_at") and to in ("enrolled", "no_show", "withdrawn"):
            doc["hold"] = {**hold, "released_at": now, "converted": to == "enrolled", "released_because": to}
        if side in ("referrer", "provider"):  # a side has seen what it just did
            doc[f"{side}_seen"] = len(doc["events"])
        recount(doc)

    def _effect(self, doc: dict, to: str, effect: _Effect, actor: str) -> None:
        """Place, convert or release this referral's bed hold on its listing (once per call for a
        placement; a release is repeated safely)."""
        hold = doc.get("hold") or {}
        hold_id = hold.get("id") if not hold.get("released_at") else None
        now = utcnow()
        if to == "accepted" and effect.hold is None:
            token = f"{doc['id']}.{secrets.token_hex(4)}"

            def place(record: dict) -> dict | None:
                placed = holds.place(record.get("capacity"), record.get("holds"), referral_id=token, now=now,
                                     hours=self.settings.referral_hold_hours, by=actor)
                return None if placed is None else {"holds": placed}

            record = self._edit_listing(doc["listing_id"], place, actor=actor)
            mine = holds.of(record.get("holds"), token)
            effect.hold = {"id": token, "listing_id": doc["listing_id"], "at": mine["at"], "until": mine["until"],
                           "by": actor} if mine else None
        elif to == "enrolled" and not effect.placed:
            def convert(record: dict) -> dict | None:
                changes: dict[str, Any] = {}
                if hold_id and holds.of(record.get("holds"), hold_id):
                    changes["holds"] = holds.release(record.get("holds"), referral_id=hold_id, now=now)
                cap = record.get("capacity")
                if holds.counted(cap):
                    changes["capacity"] = {**{k: v for k, v in cap.items() if k not in ("log", "revision")},
                                           "available": holds.counted(cap) - 1}
                return changes or None

            self._edit_listing(doc["listing_id"], convert, actor=actor, capacity_kind="placement")
            effect.placed = True
        elif to in ("no_show", "withdrawn") and hold_id:
            self._release(doc["listing_id"], hold_id, actor)

    def _undo(self, doc: dict, effect: _Effect, actor: str) -> None:
        """The move turned out illegal after its listing effect: take the effect back."""
        if effect.hold:
            self._release(effect.hold["listing_id"], effect.hold["id"], actor)
            effect.hold = None
        if effect.placed:
            def give_back(record: dict) -> dict | None:
                cap = record.get("capacity")
                if holds.counted(cap) is None:
                    return None
                return {"capacity": {**{k: v for k, v in cap.items() if k not in ("log", "revision")},
                                     "available": holds.counted(cap) + 1}}
            self._edit_listing(doc["listing_id"], give_back, actor=actor, capacity_kind="update")
            effect.placed = False

    def _release(self, listing_id: str, hold_id: str, actor: str) -> None:
        now = utcnow()

        def release(record: dict) -> dict | None:
            if not holds.of(record.get("holds"), hold_id):
                return None
            return {"holds": holds.release(record.get("holds"), referral_id=hold_id, now=now)}
        try:
            self._edit_listing(listing_id, release, actor=actor)
        except ListingGone:
            pass  # nothing left to hold

    def _edit_listing(self, listing_id: str, change: Callable[[dict], dict | None], *, actor: str,
                      capacity_kind: str | None = None) -> dict:
        """Apply ``change(record) -> changes`` to the live listing as one compare-and-swap write, deciding
        again on the new record whenever someone else wrote it in between. Returns the record written
        (or read, when there was nothing to change)."""
        for _ in range(50):
            try:
                doc, version = self.store.get(listing_id)
            except ListingNotFound:
                raise ListingGone(listing_id) from None
            changes = change(doc["record"])
            if not changes:
                return doc["record"]
            try:
                return self.store.edit(listing_id, changes, actor=actor, if_version=version, source="referral",
                                       capacity_kind=capacity_kind if "capacity" in changes else None).doc["record"]
            except VersionConflict:
                continue
            except ListingNotFound:
                raise ListingGone(listing_id) from None
        raise RuntimeError(f"could not change listing {listing_id}: too much contention")

    def _withdraw_others(self, enrolled: dict) -> None:
        """The participant is placed: the other referrals of the group still open are withdrawn."""
        if enrolled.get("group_size", 1) < 2:
            return
        resp = self.records.search(group_open_body(enrolled["group_id"], list(OPEN), MAX_GROUP * 2))
        for hit in (resp or {"hits": {"hits": []}})["hits"]["hits"]:
            if hit["_id"] == enrolled["id"]:
                continue
            try:
                self.transition(hit["_id"], "withdrawn", None, reason="placed_elsewhere")
            except (IllegalTransition, ReferralNotFound):
                continue  # it moved on (declined, closed) meanwhile: nothing to withdraw

    # ----- retention ------------------------------------------------------------------------------
    def purge(self, now: datetime | None = None, *, dry_run: bool = False) -> int:
        """Delete closed and withdrawn referrals that ended more than ``referral_retention_days`` ago;
        returns how many (only counted with ``dry_run``). Audited without participant data."""
        cutoff = ((now or utcnow()) - timedelta(days=self.settings.referral_retention_days)).isoformat()
        ids = self.records.ids(ended_before_query(list(TERMINAL), cutoff))
        if ids is None:
            return 0
        if ids and not dry_run:
            self.records.delete_many(ids)
            self.store.audit("referral.purge", actor="retention", field="referral",
                             new={"deleted": len(ids), "ended_before": cutoff})
        return len(ids)
