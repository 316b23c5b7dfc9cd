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

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from directory.settings import Settings

STATUSES = ("pending", "accepted", "rejected")

MAPPING: dict = {"dynamic": "strict", "properties": {
    "id": {"type": "keyword"}, "listing_id": {"type": "keyword"}, "listing_name": {"type": "keyword"},
    "organization_id": {"type": "keyword"}, "organization_name": {"type": "keyword"},
    # The changes, keyed by the provider edit fields (``PATCH /services/{id}`` names); not searched.
    "changes": {"type": "object", "enabled": False},
    "note": {"type": "text", "index": False},
    "by": {"type": "keyword"}, "by_organizations": {"type": "keyword"}, "at": {"type": "date"},
    "status": {"type": "keyword"}, "decided_by": {"type": "keyword"}, "decided_at": {"type": "date"},
    "decision_note": {"type": "text", "index": False},
}}


class SuggestionNotFound(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, status: str):
        super().__init__(f"this suggestion was already {status}")
        self.status = status


def index_name(settings: Settings) -> str:
    return f"{settings.index_prefix}-suggestions"


class Suggestions:
    """Suggested corrections in Elasticsearch (the index is created by ``Store.ensure_indices``)."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es = es
        self.index = index_name(settings)

    def create(self, *, listing: dict, changes: dict[str, Any], note: str | None, by: str,
               by_organizations: list[str]) -> dict:
        """Keep a new pending suggestion for the listing document ``listing``."""
        doc = {"id": secrets.token_hex(8), "listing_id": listing["id"], "listing_name": listing.get("name"),
               "organization_id": listing["organization"]["id"],
               "organization_name": listing["organization"].get("name"), "changes": changes, "note": note,
               "by": by, "by_organizations": by_organizations, "at": _now(), "status": "pending",
               "decided_by": None, "decided_at": None, "decision_note": None}
        self.es.index(index=self.index, id=doc["id"], document=doc, op_type="create", refresh=True)
        return doc

    def get(self, suggestion_id: str) -> tuple[dict, dict]:
        """The suggestion and the sequence numbers to decide it with; raises ``SuggestionNotFound``."""
        try:
            hit = self.es.get(index=self.index, id=suggestion_id)
        except NotFoundError:
            raise SuggestionNotFound(suggestion_id) from None
        return hit["_source"], {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}

    def list(self, *, status: str | None = None, by: str | None = None, size: int = 200) -> list[dict]:
        """Newest first, optionally only one status or one author."""
        filters = [{"term": {k: v}} for k, v in (("status", status), ("by", by)) if v]
        try:
            resp = self.es.search(index=self.index, size=size, query={"bool": {"filter": filters}},
                                  sort=[{"at": "desc"}])
        except NotFoundError:  # nothing suggested yet on a directory never rebuilt since suggestions came
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]

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
            self.es.index(index=self.index, id=suggestion_id, document=doc, refresh=True, **seq)
        except ConflictError:
            raise AlreadyDecided(self.get(suggestion_id)[0]["status"]) from None
        return doc


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
