"""Consent that can be withdrawn and expires (42 CFR Part 2 gives the participant the right to revoke it).

Two consents exist: a referral's consent to share named parts of it with its provider organisation
(``directory.disclosure`` decides what the provider sees from it, at every read), and a diversion's consent
to be contacted by the program (``directory.diversions.consent_state``). Each has an ``expires_at`` and,
once the participant takes it back, ``withdrawn_at`` and ``withdrawn_by``.

Withdrawal and a new expiry are compare-and-swap writes on the referral or diversion (the same sequence
numbers every transition uses), audited by id and state only. From the next read on, a provider sees none
of the consented fields and sees that consent was withdrawn; there is nothing cached to take back, since
every view (pages, the JSON API, webhook payloads) is made by ``disclosure.disclose`` at read time. A
diversion's name and date of birth, kept only because the person consented, are erased by the same write.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from elasticsearch import Elasticsearch

from directory import diversions, permissions, referral_states
from directory.accounts import User
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.versioned import VersionedDocs

KINDS = ("referral", "diversion")


class NotAllowed(Exception):
    """This account may not change this consent (it is not the referrer's side, nor the program's)."""


class NotFound(LookupError):
    pass


class AlreadyWithdrawn(Exception):
    pass


class Consents:
    """Withdrawing consents and setting their expiry, on referrals and diversions."""

    def __init__(self, es: Elasticsearch, catalogue: Catalogue, audit: Callable[..., None]):
        self.es, self.audit = es, audit
        self.index = {"referral": catalogue.name("referrals"), "diversion": catalogue.name("diversions")}
        self.docs = {kind: VersionedDocs(es, name) for kind, name in self.index.items()}

    def _may(self, kind: str, doc: dict, user: User) -> bool:
        if not permissions.may(user, "consent.withdraw"):
            return False
        if kind == "referral":
            return "referrer" in referral_states.sides(user, doc)
        return bool(diversions.sides(user, doc) & {diversions.ON_CALL, diversions.CLAIMER})

    def _change(self, kind: str, record_id: str, user: User, change: Callable[[dict], None]) -> dict:
        if not 0 < len(record_id.encode()) <= 128:  # no id is longer; the engine would refuse it with an error
            raise NotFound(record_id)
        for _ in range(50):
            found = self.docs[kind].get(record_id)
            if found is None:
                raise NotFound(record_id)
            doc, seq = found
            if not self._may(kind, doc, user):
                # Not said whether it exists: the same answer as for an unknown id.
                raise NotFound(record_id) if not self._sees(kind, doc, user) else NotAllowed(record_id)
            change(doc)
            try:
                self.docs[kind].save(record_id, doc, seq)
                return doc
            except StaleWrite:
                continue
        raise RuntimeError(f"could not change the consent of {kind} {record_id}: too much contention")

    @staticmethod
    def _sees(kind: str, doc: dict, user: User) -> bool:
        return bool(referral_states.sides(user, doc) if kind == "referral" else diversions.sides(user, doc))

    def withdraw(self, kind: str, record_id: str, user: User, now: datetime) -> dict:
        """The participant withdrew consent: record it (once), erase what only consent allowed us to keep."""
        at = now.isoformat()

        def change(doc: dict) -> None:
            consent = doc.get("consent") or {}
            if consent.get("withdrawn_at"):
                raise AlreadyWithdrawn(record_id)
            doc["consent"] = {**consent, "withdrawn_at": at, "withdrawn_by": user.username}
            doc["updated_at"] = at
            if kind == "diversion":
                for name in diversions.IDENTITY_FIELDS:
                    doc[name] = None
        doc = self._change(kind, record_id, user, change)
        self.audit("consent.withdrawn", actor=user.username, listing_id=doc.get("listing_id"), field=kind,
                   new={"id": record_id, "state": "withdrawn"})
        return doc

    def set_expiry(self, kind: str, record_id: str, user: User, expires_at: datetime, now: datetime) -> dict:
        """A new expiry date (the participant agreed to a shorter or longer time). A withdrawn consent stays
        withdrawn: giving it again is a new referral or diversion."""
        def change(doc: dict) -> None:
            consent = doc.get("consent") or {}
            if consent.get("withdrawn_at"):
                raise AlreadyWithdrawn(record_id)
            doc["consent"] = {**consent, "expires_at": expires_at.isoformat()}
            doc["updated_at"] = now.isoformat()
        doc = self._change(kind, record_id, user, change)
        self.audit("consent.expiry", actor=user.username, listing_id=doc.get("listing_id"), field=kind,
                   new={"id": record_id, "expires_at": expires_at.isoformat()})
        return doc
