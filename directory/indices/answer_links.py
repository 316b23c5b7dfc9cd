"""The answer-links index (``<prefix>-answer-links``): one record per link issued to a provider without an
account, changed with the engine's sequence numbers so that a link is used once."""
from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from directory.indices.catalogue import Catalogue, StaleWrite


class AnswerLinkIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es, self.catalogue = es, catalogue
        self.index = catalogue.name("answer_links")

    def add(self, link_id: str, record: dict) -> None:
        """A new link's record (the index is made on first use)."""
        if not self.catalogue.exists("answer_links"):
            self.catalogue.ensure("answer_links")
        self.es.create(index=self.index, id=link_id, refresh=True, document=record)

    def get(self, link_id: str) -> tuple[dict, dict] | None:
        """The record and the sequence numbers to change it with, or None."""
        try:
            hit = self.es.get(index=self.index, id=link_id)
        except NotFoundError:
            return None
        return hit["_source"], {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}

    def save(self, link_id: str, record: dict, seq: dict | None = None) -> None:
        """Write a record (read with ``seq``: raises ``StaleWrite`` when it changed meanwhile)."""
        try:
            self.es.index(index=self.index, id=link_id, document=record, refresh=True, **(seq or {}))
        except ConflictError:
            raise StaleWrite(link_id) from None
