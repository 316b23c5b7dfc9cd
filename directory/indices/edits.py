"""The durable edit records (``<prefix>-edits``): one document per listing with every field a provider
changed through the API, each stamped with who, when and its place in the engine's order of writes.
Rebuilds re-apply them (``directory.listing_edits.apply_edit_fields``), so nothing entered through
the API is lost when the directory is rebuilt from its sources."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue


def changed_since_body(since: str) -> dict:
    """The edit records changed at or after ``since`` (an ISO instant)."""
    return {"query": {"range": {"updated_at": {"gte": since}}}}


class EditLog:
    """Provider edits kept apart from the listings, one record per listing."""

    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("edits")

    def fields(self, listing_id: str) -> dict:
        """The edited fields of one listing (path -> change), empty when it has none."""
        return self.read(listing_id)[0]

    def read(self, listing_id: str) -> tuple[dict, dict | None]:
        """(edited fields, the record as read) of one listing; ``({}, None)`` when it has none. A read by
        id is real-time, so it sees the last save whether or not a refresh came since."""
        try:
            hit = self.es.get(index=self.index, id=listing_id).body
        except NotFoundError:
            return {}, None
        return hit["_source"]["fields"], hit

    def all(self) -> dict[str, dict]:
        """Every edit record, by listing id (saves do not wait for a refresh: this one makes them searchable)."""
        if not self.es.indices.exists(index=self.index):
            return {}
        self.es.indices.refresh(index=self.index)
        return {hit["_id"]: hit["_source"] for hit in helpers.scan(self.es, index=self.index,
                                                                  query={"query": {"match_all": {}}})}

    def changed_since(self, since: datetime) -> Iterator[str]:
        """The ids of the listings whose edit record changed at or after ``since``."""
        self.es.indices.refresh(index=self.index)
        for hit in helpers.scan(self.es, index=self.index, query=changed_since_body(since.isoformat())):
            yield hit["_source"]["listing_id"]

    def save(self, listing_id: str, pending: dict[str, dict], *, actor: str, first: dict | None = None) -> None:
        """Merge field changes into the listing's record; a later write never loses to an earlier one
        (each change carries its ``order``). ``first`` is the record as the caller just read it (``read``),
        tried before reading it again; the write does not wait for a refresh (reads by id are real-time)."""
        for attempt in range(50):
            hit = first if attempt == 0 else None
            if hit is None:
                try:
                    hit = self.es.get(index=self.index, id=listing_id).body
                except NotFoundError:
                    hit = None
            if hit is not None:
                stored, seq = hit["_source"]["fields"], {"if_seq_no": hit["_seq_no"],
                                                        "if_primary_term": hit["_primary_term"]}
            else:
                stored, seq = {}, {"op_type": "create"}
            merged = dict(stored)
            for path, change in pending.items():
                if path not in merged or merged[path].get("order", "") < change["order"]:
                    merged[path] = change
            body = {"listing_id": listing_id, "fields": merged, "updated_at": datetime.now(timezone.utc).isoformat(),
                    "updated_by": actor}
            try:
                self.es.index(index=self.index, id=listing_id, document=body, **seq)
                return
            except ConflictError:
                time.sleep(0.005)
        raise RuntimeError(f"could not save the edit record for {listing_id}")
