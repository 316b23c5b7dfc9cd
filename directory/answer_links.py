"""Answer links: a provider organisation without staff accounts answers a referral through a link.

The link carries a token signed with the app's secret (itsdangerous, salted for this one use) naming a
random link id and the referral; the link id's record in ``<prefix>-answer-links`` says for which referral
and organisation it was issued, by whom, until when, and whether it was used. So a link cannot be

- guessed: the id is 128 random bits and the token is signed; an unsigned or altered token is refused;
- widened: the referral is inside the signature and must match the record; the page shows that one
  referral, as its provider may see it (``directory.disclosure``), and offers only accept or decline;
- reused: using it is a compare-and-swap on its record (``used_at``), so of two answers at once one wins;
- kept: it expires (``Settings.answer_link_hours``), checked both by the signature's age and the record.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from elasticsearch import Elasticsearch
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from directory.indices.answer_links import AnswerLinkIndex
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.settings import Settings

SALT = "lead-referral-answer-link"


class LinkRefused(Exception):
    """The link is not (or no longer) good: ``why`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class AnswerLinks:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue, settings: Settings):
        self.es, self.catalogue, self.settings = es, catalogue, settings
        self.links = AnswerLinkIndex(es, catalogue)
        self.index = self.links.index
        self.signer = URLSafeTimedSerializer(settings.secret_key, salt=SALT)

    def issue(self, referral: dict, by: str, now: datetime) -> tuple[str, datetime]:
        """A new link for this referral's provider organisation: (token, expires at)."""
        link_id = secrets.token_urlsafe(16)
        expires = now + timedelta(hours=self.settings.answer_link_hours)
        self.links.add(link_id, {
            "referral_id": referral["id"], "organization_id": referral["organization_id"], "issued_by": by,
            "issued_at": now.isoformat(), "expires_at": expires.isoformat(), "used_at": None, "answer": None})
        return self.signer.dumps({"l": link_id, "r": referral["id"]}), expires

    def open(self, token: str, now: datetime) -> tuple[str, dict, dict]:
        """(link id, its record, its sequence numbers) of a good, unused, unexpired link; else LinkRefused."""
        try:
            data = self.signer.loads(token, max_age=int(self.settings.answer_link_hours * 3600))
        except SignatureExpired:
            raise LinkRefused("expired") from None
        except BadSignature:
            raise LinkRefused("invalid") from None
        if not isinstance(data, dict) or not isinstance(data.get("l"), str) or not isinstance(data.get("r"), str):
            raise LinkRefused("invalid")
        found = self.links.get(data["l"])
        if found is None:
            raise LinkRefused("invalid")
        record, seq = found
        if record["referral_id"] != data["r"]:
            raise LinkRefused("invalid")
        if record.get("used_at"):
            raise LinkRefused("used")
        if datetime.fromisoformat(record["expires_at"]) <= now:
            raise LinkRefused("expired")
        return data["l"], record, seq

    def claim(self, token: str, answer: str, now: datetime) -> tuple[str, dict]:
        """Mark the link used for this answer, once: of two claims at once, one wins (the other: used)."""
        link_id, record, seq = self.open(token, now)
        record = {**record, "used_at": now.isoformat(), "answer": answer}
        try:
            self.links.save(link_id, record, seq)
        except StaleWrite:
            raise LinkRefused("used") from None
        return link_id, record

    def unclaim(self, link_id: str, record: dict) -> None:
        """The answer could not be made (no bed left to hold): the link may be used again to answer otherwise."""
        self.links.save(link_id, {**record, "used_at": None, "answer": None})
