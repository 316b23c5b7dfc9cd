"""The capacity history index (``<prefix>-capacity-revisions``): one document per numbered capacity change
or confirmation, copied from the listing's own log (``directory.capacity``), paged newest first."""
from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue


def page_body(listing_id: str, *, size: int, before: int | None) -> dict:
    """One page of a listing's history, newest first, below revision ``before``; one extra entry tells
    whether another page follows."""
    query: dict[str, Any] = {"bool": {"filter": [{"term": {"listing_id": listing_id}}]}}
    if before is not None:
        query["bool"]["filter"].append({"range": {"revision": {"lt": before}}})
    return {"size": size + 1, "query": query, "sort": [{"revision": "desc"}]}


class CapacityHistory:
    """The history index: one document per numbered change, id ``<listing>:<revision>``."""

    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("capacity_history")

    def actions(self, listing_id: str, organization_id: str, entries: list[dict]) -> list[dict]:
        """The bulk actions that copy log entries to the history index (idempotent: ids are listing and
        revision), for a caller that sends them with other writes in one request."""
        return [{"_index": self.index, "_id": f"{listing_id}:{e['revision']}", "_source": {
            "listing_id": listing_id, "organization_id": organization_id, "revision": e["revision"], "at": e["at"],
            "by": e["by"], "kind": e["kind"], "old": {"value": e["old"]}, "new": {"value": e["new"]}}}
            for e in entries]

    def record(self, listing_id: str, organization_id: str, entries: list[dict]) -> None:
        """Copy log entries to the history index. It does not wait for a refresh: ``page`` takes the newest
        entries from the listing's own log."""
        helpers.bulk(self.es, self.actions(listing_id, organization_id, entries))

    def page(self, listing_id: str, organization_id: str, capacity: dict | None, *, size: int = 50,
             before: int | None = None) -> tuple[list[dict], int | None]:
        """Newest first: up to ``size`` entries with a revision below ``before``, and the cursor for the
        next page (None at the end). Entries still only in the listing's own log are copied first.

        The listing's log (read by id, real-time) holds its newest ``LOG_KEEP`` entries, and every entry
        the index may not show yet (written within the last refresh interval) is among them: the page is
        the index's answer with the log's entries merged in, so a write is in its history at once."""
        log = (capacity or {}).get("log") or []
        if log:
            ids = [f"{listing_id}:{e['revision']}" for e in log]
            try:
                found = {d["_id"] for d in self.es.mget(index=self.index, ids=ids)["docs"] if d.get("found")}
            except NotFoundError:
                found = set()
            missing = [e for e, i in zip(log, ids) if i not in found]
            if missing:
                self.record(listing_id, organization_id, missing)
        resp = self.es.search(index=self.index, body=page_body(listing_id, size=size, before=before))
        found = {h["_source"]["revision"]: {
            "revision": h["_source"]["revision"], "at": h["_source"]["at"], "by": h["_source"]["by"],
            "kind": h["_source"]["kind"], "old": h["_source"]["old"]["value"], "new": h["_source"]["new"]["value"]}
            for h in resp["hits"]["hits"]}
        for e in log:
            if before is None or e["revision"] < before:
                found.setdefault(e["revision"], {k: e[k] for k in ("revision", "at", "by", "kind", "old", "new")})
        entries = [found[r] for r in sorted(found, reverse=True)]
        return entries[:size], (entries[size - 1]["revision"] if len(entries) > size else None)
