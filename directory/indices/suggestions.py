"""The suggested corrections (``<prefix>-suggestions``), one document per suggestion."""
from __future__ import annotations

from elasticsearch import Elasticsearch, NotFoundError

from directory.indices.catalogue import Catalogue
from directory.indices.versioned import VersionedDocs


def list_body(*, status: str | None, by: str | None, size: int) -> dict:
    """Newest first, optionally only one status or one author."""
    filters = [{"term": {k: v}} for k, v in (("status", status), ("by", by)) if v]
    return {"size": size, "query": {"bool": {"filter": filters}}, "sort": [{"at": "desc"}]}


class SuggestionIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("suggestions")

    def create(self, doc: dict) -> None:
        self.es.index(index=self.index, id=doc["id"], document=doc, op_type="create", refresh=True)

    def get(self, suggestion_id: str) -> tuple[dict, dict] | None:
        """The suggestion and the sequence numbers to change it with, or None."""
        return VersionedDocs(self.es, self.index).get(suggestion_id)

    def save(self, doc: dict, seq: dict) -> None:
        """Write a suggestion read with ``seq``; raises ``StaleWrite`` when it changed meanwhile."""
        VersionedDocs(self.es, self.index).save(doc["id"], doc, seq)

    def list(self, *, status: str | None = None, by: str | None = None, size: int = 200) -> list[dict]:
        try:
            resp = self.es.search(index=self.index, body=list_body(status=status, by=by, size=size))
        except NotFoundError:  # nothing suggested yet on a directory never rebuilt since suggestions came
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]
