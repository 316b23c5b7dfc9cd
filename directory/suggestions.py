"""Suggested corrections: someone who is not a listing's owner (a provider who spots a wrong listing
of another organisation) proposes field changes; an administrator accepts or rejects them.

Kept in ``<prefix>-suggestions``, one document per suggestion. Accepting one applies its changes
through ``Store.edit`` (so they survive rebuilds and are audited like any edit); this module only
keeps the suggestion and its decision.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from directory.indices.catalogue import StaleWrite
from directory.indices.suggestions import SuggestionIndex

STATUSES = ("pending", "accepted", "rejected")


class SuggestionNotFound(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, status: str):
        super().__init__(f"this suggestion was already {status}")
        self.status = status


class Suggestions:
    """Suggested corrections and their decisions (kept by ``directory.indices.suggestions``)."""

    def __init__(self, index: SuggestionIndex):
        self.index = index

    def create(self, *, listing: dict, changes: dict[str, Any], note: str | None, by: str,
               by_organizations: list[str]) -> dict:
        """Keep a new pending suggestion for the listing document ``listing``."""
        doc = {"id": secrets.token_hex(8), "listing_id": listing["id"], "listing_name": listing.get("name"),
               "organization_id": listing["organization"]["id"],
               "organization_name": listing["organization"].get("name"), "changes": changes, "note": note,
               "by": by, "by_organizations": by_organizations, "at": _now(), "status": "pending",
               "decided_by": None, "decided_at": None, "decision_note": None}
        self.index.create(doc)
        return doc

    def get(self, suggestion_id: str) -> tuple[dict, dict]:
        """The suggestion and the sequence numbers to decide it with; raises ``SuggestionNotFound``."""
        found = self.index.get(suggestion_id)
        if found is None:
            raise SuggestionNotFound(suggestion_id)
        return found

    def list(self, *, status: str | None = None, by: str | None = None, size: int = 200) -> list[dict]:
        """Newest first, optionally only one status or one author."""
        return self.index.list(status=status, by=by, size=size)

    def decide(self, suggestion_id: str, status: str, *, by: str, note: str | None = None,
               apply=None) -> dict:  # noqa: ANN001 - apply(suggestion) runs before the decision is kept
        """Accept or reject a pending suggestion once. ``apply`` (accepting) runs first and may raise,
        in which case the suggestion stays pending; a second decision raises ``AlreadyDecided``."""
        if status not in ("accepted", "rejected"):
            raise ValueError(status)
        doc, seq = self.get(suggestion_id)
        if doc["status"] != "pending":
            raise AlreadyDecided(doc["status"])
        if apply:
            apply(doc)
        doc.update(status=status, decided_by=by, decided_at=_now(), decision_note=note)
        try:
            self.index.save(doc, seq)
        except StaleWrite:
            raise AlreadyDecided(self.get(suggestion_id)[0]["status"]) from None
        return doc


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
