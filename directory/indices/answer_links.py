"""The answer-links index (``<prefix>-answer-links``): one record per link issued to a provider without an
account, changed with the engine's sequence numbers so that a link is used once."""
from __future__ import annotations

from elasticsearch import Elasticsearch

from directory.indices.catalogue import Catalogue
from directory.indices.versioned import VersionedDocs


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
        return VersionedDocs(self.es, self.index).get(link_id)

    def save(self, link_id: str, record: dict, seq: dict | None = None) -> None:
        """Write a record (read with ``seq``: raises ``StaleWrite`` when it changed meanwhile)."""
        VersionedDocs(self.es, self.index).save(link_id, record, seq)
