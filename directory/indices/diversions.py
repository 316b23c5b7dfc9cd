"""The diversions index (``<prefix>-diversions``): one document per diversion, each with its events.

Every change is a compare-and-swap on the document's sequence number and primary term (``change``): the
change is decided on the diversion as read and written only if nobody wrote it meanwhile, else read and
decided again. Two case managers claiming one diversion at the same moment therefore cannot both win: the
second decides again on the claimed diversion and is refused.
"""
from __future__ import annotations

from typing import Callable

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from directory.diversions import DiversionNotFound
from directory.indices.catalogue import Catalogue


MAX_ID = 128


class TooMuchContention(RuntimeError):
    pass


class DiversionIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es, self.catalogue = es, catalogue
        self.index = catalogue.name("diversions")

    def create(self, doc: dict) -> tuple[dict, bool]:
        """Write a new diversion under its id; (the stored one, False) when that id exists already (the
        same officer sent the same key again)."""
        if not self.es.indices.exists(index=self.index):
            self.catalogue.ensure("diversions")
        try:
            self.es.create(index=self.index, id=doc["id"], document=doc, refresh=True)
            return doc, True
        except ConflictError:
            return self.get(doc["id"])[0], False

    def get(self, diversion_id: str) -> tuple[dict, dict]:
        if not 0 < len(diversion_id.encode()) <= MAX_ID:  # the engine refuses longer ids with an error of its own
            raise DiversionNotFound(diversion_id)
        try:
            hit = self.es.get(index=self.index, id=diversion_id)
        except NotFoundError:
            raise DiversionNotFound(diversion_id) from None
        return hit["_source"], {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}

    def change(self, diversion_id: str, decide: Callable[[dict], bool], attempts: int = 50) -> tuple[dict, bool]:
        """Read, let ``decide(doc)`` change it in place (True) or leave it (False; it may raise to refuse),
        write it only if unchanged since the read; again on a conflict. Returns (doc, whether written)."""
        for _ in range(attempts):
            doc, seq = self.get(diversion_id)
            if not decide(doc):
                return doc, False
            try:
                self.es.index(index=self.index, id=diversion_id, document=doc, refresh=True, **seq)
                return doc, True
            except ConflictError:
                continue
        raise TooMuchContention(diversion_id)

    def search(self, query: dict, *, size: int = 200, sort: list | None = None) -> list[dict]:
        try:
            resp = self.es.search(index=self.index, size=size, query=query,
                                  sort=sort or [{"created_at": "desc"}, {"id": "asc"}])
        except NotFoundError:
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]

    def scan(self, query: dict, source: list[str]) -> list[dict]:
        """Every diversion matching ``query``, with only the ``source`` fields (reports); [] before any."""
        try:
            return [h["_source"] for h in helpers.scan(self.es, index=self.index,
                                                       query={"query": query, "_source": source})]
        except NotFoundError:
            return []

    def aggregate(self, query: dict, aggs: dict) -> dict | None:
        """Aggregations over the diversions (reports); None before the first one."""
        try:
            return self.es.search(index=self.index, size=0, query=query, aggs=aggs).body["aggregations"]
        except NotFoundError:
            return None
