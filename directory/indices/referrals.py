"""The referrals index (``<prefix>-referrals``): one document per referral, written with the engine's
sequence numbers, and the bodies of the searches over it (``directory.referrals`` keeps the rules)."""
from __future__ import annotations

from elasticsearch import Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue
from directory.indices.versioned import VersionedDocs


def list_body(filters: list[dict], size: int) -> dict:
    """The referrals matching ``filters``, most recently changed first."""
    return {"size": size, "query": {"bool": {"filter": filters}}, "sort": [{"updated_at": "desc"}, {"id": "asc"}]}


def unseen_body(scope: dict, field: str) -> dict:
    """The sum of one side's unseen-event counts over the referrals in ``scope``."""
    return {"size": 0, "query": {"bool": {"filter": [scope]}}, "aggs": {"n": {"sum": {"field": field}}}}


def group_open_body(group_id: str, statuses: list[str], size: int) -> dict:
    """The referrals of one group still in one of ``statuses``."""
    return {"size": size, "query": {"bool": {"filter": [{"term": {"group_id": group_id}},
                                                        {"terms": {"status": statuses}}]}}}


def ended_before_query(statuses: list[str], cutoff: str) -> dict:
    """Referrals in a final status that ended before ``cutoff`` (retention)."""
    return {"bool": {"filter": [{"terms": {"status": statuses}}, {"range": {"ended_at": {"lt": cutoff}}}]}}


class ReferralIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.catalogue = catalogue
        self.index = catalogue.name("referrals")
        self.docs = VersionedDocs(es, self.index)

    def exists(self) -> bool:
        return self.catalogue.exists("referrals")

    def get(self, referral_id: str) -> tuple[dict, dict] | None:
        """The referral and the sequence numbers to change it with, or None."""
        return self.docs.get(referral_id)

    def save(self, doc: dict, seq: dict) -> None:
        """Write a referral read with ``seq``; raises ``StaleWrite`` when it changed meanwhile."""
        self.docs.save(doc["id"], doc, seq)

    def create_many(self, docs: list[dict]) -> None:
        """New referrals (a group), searchable when this returns."""
        helpers.bulk(self.es, ({"_op_type": "create", "_index": self.index, "_id": d["id"], "_source": d}
                               for d in docs), refresh=True)

    def search(self, body: dict) -> dict | None:
        """One search request over the referrals; None when no referral index exists yet."""
        try:
            return self.es.search(index=self.index, body=body).body
        except NotFoundError:
            return None

    def ids(self, query: dict) -> list[str] | None:
        """The ids of every referral matching ``query`` (scrolled); None when there is no index yet."""
        return self.docs.ids(query)

    def delete_many(self, ids: list[str]) -> None:
        self.docs.delete_many(ids)

    def scan(self, query: dict, source: list[str]) -> list[dict]:
        """Every referral matching ``query``, with only the ``source`` fields (reports); [] before any."""
        try:
            return [h["_source"] for h in helpers.scan(self.es, index=self.index,
                                                       query={"query": query, "_source": source})]
        except NotFoundError:
            return []
