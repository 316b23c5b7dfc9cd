"""Read-then-write over any index of the catalogue by id, with the engine's sequence numbers: for rules
that change a document of another concern's index (a consent on a referral or a diversion)."""
from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

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

    def save(self, doc_id: str, doc: dict, seq: dict) -> None:
        """Write a document read with ``seq``; raises ``StaleWrite`` when it changed meanwhile."""
        try:
            self.es.index(index=self.index, id=doc_id, document=doc, refresh=True, **seq)
        except ConflictError:
            raise StaleWrite(doc_id) from None
