"""The dedupe review (``<prefix>-dedupe-review``): the pairs of records the last ingest kept apart because
they may be one program (names alike, or a facility record with several programs at its site), for a
person to check. Each ingest replaces the list."""
from __future__ import annotations

from elasticsearch import Elasticsearch, helpers

from directory.indices.catalogue import Catalogue

LIST_BODY = {"size": 10000, "query": {"match_all": {}}, "sort": [{"n": "asc"}]}


class DedupeReview:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("dedupe_review")

    def replace(self, pairs: list[dict], *, ingest_at: str) -> None:
        """Keep these pairs (``ingest.dedupe`` review entries: kept, other, names, why) as the list to
        review, in place of the last ingest's."""
        helpers.bulk(self.es, ({"_op_type": "index", "_index": self.index, "_id": f"{p['kept']}|{p['other']}",
                                "_source": {"ingest_at": ingest_at, "n": n, "kept": p["kept"], "other": p["other"],
                                            "names": list(p["names"]), "why": p["why"]}}
                               for n, p in enumerate(pairs)))
        # The last ingest's pairs that this one did not find again are no longer to review.
        self.es.indices.refresh(index=self.index)
        stale = [h["_id"] for h in helpers.scan(self.es, index=self.index, query={
            "query": {"bool": {"must_not": [{"term": {"ingest_at": ingest_at}}]}}, "_source": False})]
        helpers.bulk(self.es, ({"_op_type": "delete", "_index": self.index, "_id": i} for i in stale), refresh=True)

    def pairs(self) -> tuple[list[dict], str | None]:
        """The pairs to review, in the order the ingest found them, and when that ingest ran."""
        if not self.es.indices.exists(index=self.index):
            return [], None
        hits = self.es.search(index=self.index, body=LIST_BODY)["hits"]["hits"]
        pairs = [{k: h["_source"][k] for k in ("kept", "other", "names", "why")} for h in hits]
        return pairs, (hits[0]["_source"]["ingest_at"] if hits else None)
