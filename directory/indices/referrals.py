"""The referrals index (``<prefix>-referrals``): searches other layers run over it."""
from __future__ import annotations

from elasticsearch import Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue


class ReferralIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("referrals")

    def search(self, body: dict) -> dict | None:
        """One search request over the referrals; None when no referral index exists yet."""
        try:
            return self.es.search(index=self.index, body=body).body
        except NotFoundError:
            return None

    def scan(self, query: dict, source: list[str]) -> list[dict]:
        """Every referral matching ``query``, with only the ``source`` fields (reports); [] before any."""
        try:
            return [h["_source"] for h in helpers.scan(self.es, index=self.index,
                                                       query={"query": query, "_source": source})]
        except NotFoundError:
            return []
