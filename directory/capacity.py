"""Capacity history: every change of a listing's beds or slots, and every "still accurate" confirmation.

Each change is numbered (``revision``) and kept in the capacity record itself (its last ``LOG_KEEP``
entries), so the entry is written in the same atomic write as the figure it describes: a crash after
that write cannot leave an applied change without its history. The full history is copied, under
ids ``<listing>:<revision>``, to ``<prefix>-capacity-revisions``, where it is paged; an entry that did
not reach it (the process died right after the listing write) is copied the next time the history is
read. Revisions follow the engine's order of the writes, because each write is made with the
sequence numbers of the listing it read.
"""
from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

LOG_KEEP = 20
MAPPING = {"dynamic": "strict", "properties": {
    "listing_id": {"type": "keyword"}, "organization_id": {"type": "keyword"}, "revision": {"type": "integer"},
    "at": {"type": "date"}, "by": {"type": "keyword"}, "kind": {"type": "keyword"},
    "old": {"type": "object", "enabled": False}, "new": {"type": "object", "enabled": False},
}}


def figures(capacity: dict | None) -> dict | None:
    """A capacity record without its log: what a history entry shows as old and new."""
    if not capacity:
        return None
    return {k: v for k, v in capacity.items() if k not in ("log", "revision")}


def with_change(current: dict | None, new: dict, *, last_revision: int, kind: str, actor: str, at: str) -> dict:
    """``new`` numbered as the next revision, with the entry describing it at the end of its log."""
    revision = last_revision + 1
    entry = {"revision": revision, "at": at, "by": actor, "kind": kind, "old": figures(current),
             "new": figures(new)}
    log = list((current or {}).get("log") or [])[-(LOG_KEEP - 1):] + [entry]
    return {**figures(new), "revision": revision, "log": log}


def revision_of(*capacities: dict | None) -> int:
    """The highest revision among capacity records (an import's own figure has none)."""
    return max([int((c or {}).get("revision") or 0) for c in capacities] or [0])


class CapacityHistory:
    """The history index: one document per numbered change."""

    def __init__(self, es: Elasticsearch, index: str):
        self.es = es
        self.index = index

    def record(self, listing_id: str, organization_id: str, entries: list[dict]) -> None:
        """Copy log entries to the history index (idempotent: ids are listing and revision)."""
        helpers.bulk(self.es, ({"_index": self.index, "_id": f"{listing_id}:{e['revision']}", "_source": {
            "listing_id": listing_id, "organization_id": organization_id, "revision": e["revision"], "at": e["at"],
            "by": e["by"], "kind": e["kind"], "old": {"value": e["old"]}, "new": {"value": e["new"]}}}
            for e in entries), refresh="wait_for")

    def page(self, listing_id: str, organization_id: str, capacity: dict | None, *, size: int = 50,
             before: int | None = None) -> tuple[list[dict], int | None]:
        """Newest first: up to ``size`` entries with a revision below ``before``, and the cursor for the
        next page (None at the end). Entries still only in the listing's own log are copied first."""
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
        query: dict[str, Any] = {"bool": {"filter": [{"term": {"listing_id": listing_id}}]}}
        if before is not None:
            query["bool"]["filter"].append({"range": {"revision": {"lt": before}}})
        resp = self.es.search(index=self.index, size=size + 1, query=query, sort=[{"revision": "desc"}])
        hits = resp["hits"]["hits"]
        entries = [{"revision": h["_source"]["revision"], "at": h["_source"]["at"], "by": h["_source"]["by"],
                    "kind": h["_source"]["kind"], "old": h["_source"]["old"]["value"],
                    "new": h["_source"]["new"]["value"]} for h in hits[:size]]
        return entries, (entries[-1]["revision"] if len(hits) > size else None)
