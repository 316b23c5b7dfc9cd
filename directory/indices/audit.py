"""The audit trail (``<prefix>-audit``): who changed what, when, with the old and new value. Append only;
never participant data (referral events are audited by id and status)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from elasticsearch import Elasticsearch, helpers

from directory.indices.catalogue import Catalogue


def event(action: str, *, actor: str, at: str, listing_id: str | None = None, field: str | None = None,
          old: Any = None, new: Any = None, source: str | None = None, detail: dict | None = None) -> dict:
    """One audit document. Old and new values are wrapped so any JSON value can be kept unindexed."""
    return {"at": at, "actor": actor, "action": action, "listing_id": listing_id, "field": field,
            "old": {"value": old}, "new": {"value": new}, "source": source, "detail": detail}


def events_body(*, listing_id: str | None = None, actor: str | None = None, action: str | None = None,
                since: str | None = None, size: int = 100) -> dict:
    """The newest audit events, optionally of one listing, actor or action, or since an instant."""
    filters: list[dict] = [{"term": {name: value}} for name, value in
                           (("listing_id", listing_id), ("actor", actor), ("action", action)) if value]
    if since:
        filters.append({"range": {"at": {"gte": since}}})
    return {"size": size, "query": {"bool": {"filter": filters}}, "sort": [{"at": "desc"}]}


class AuditTrail:
    """Appending to and reading the audit trail."""

    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("audit")

    def append(self, action: str, *, actor: str, listing_id: str | None = None, field: str | None = None,
               old: Any = None, new: Any = None, source: str | None = None, detail: dict | None = None) -> None:
        """Append one audit event. Never pass participant data here."""
        self.es.index(index=self.index, document=event(
            action, actor=actor, at=_now(), listing_id=listing_id, field=field, old=old, new=new, source=source,
            detail=detail))

    def append_many(self, events: list[dict]) -> None:
        """Append several audit events in one request (each a dict of ``append``'s arguments)."""
        if not events:
            return
        helpers.bulk(self.es, self.actions(events))

    def actions(self, events: list[dict]) -> list[dict]:
        """The bulk actions that append these events (each a dict of ``append``'s arguments), for a caller
        that sends them with other writes in one request."""
        at = _now()
        return [{"_index": self.index, "_source": event(e.pop("action"), at=at, **e)}
                for e in (dict(x) for x in events)]

    def events(self, **filters: Any) -> list[dict]:
        """Audit events, newest first (``events_body``'s filters), with old and new unwrapped."""
        self.es.indices.refresh(index=self.index)
        resp = self.es.search(index=self.index, body=events_body(**filters))
        return [{**h["_source"], "old": h["_source"]["old"]["value"], "new": h["_source"]["new"]["value"]}
                for h in resp["hits"]["hits"]]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
