"""What every index whose documents are changed read-then-write shares: get by id with the engine's
sequence numbers, write back only if unchanged, and the retention helpers (ids matching a query, delete
them). Index modules compose it; rules of another concern (a consent on a referral or a diversion) use it
directly over that index."""
from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import StaleWrite


class VersionedDocs:
    def __init__(self, es: Elasticsearch, index: str):
        self.es, self.index = es, index

    def get(self, doc_id: str) -> tuple[dict, dict] | None:
        """The document and the sequence numbers to change it with, or None."""
        try:
            hit = self.es.get(index=self.index, id=doc_id)
        except NotFoundError:
            return None
        return hit["_source"], {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}

    def save(self, doc_id: str, doc: dict, seq: dict | None = None) -> dict:
        """Write a document (read with ``seq``: raises ``StaleWrite`` when it changed meanwhile); the
        engine's answer."""
        try:
            return self.es.index(index=self.index, id=doc_id, document=doc, refresh=True, **(seq or {}))
        except ConflictError:
            raise StaleWrite(doc_id) from None

    def ids(self, query: dict) -> list[str] | None:
        """The ids of every document matching ``query`` (scrolled); None when there is no index yet."""
        try:
            return [h["_id"] for h in helpers.scan(self.es, index=self.index, query={"query": query, "_source": False})]
        except NotFoundError:
            return None

    def delete_many(self, ids: list[str]) -> None:
        helpers.bulk(self.es, ({"_op_type": "delete", "_index": self.index, "_id": i} for i in ids), refresh=True)
