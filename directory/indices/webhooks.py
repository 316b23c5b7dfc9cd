"""The webhook settings (``<prefix>-webhooks``, one document per organisation) and the delivery queue
and log (``<prefix>-webhook-deliveries``), with the bodies of their searches; ``directory.webhooks``
keeps the rules (signing, leases, retries)."""
from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.versioned import VersionedDocs


def configured_body(size: int = 1000) -> dict:
    """Every organisation's webhook by organisation."""
    return {"size": size, "sort": [{"organization_id": "asc"}]}


def log_body(*, organization_id: str | None, status: str | None, size: int) -> dict:
    """The delivery log, newest first, without the bodies sent."""
    filters = [{"term": {k: v}} for k, v in (("organization_id", organization_id), ("status", status)) if v]
    return {"size": size, "query": {"bool": {"filter": filters}}, "sort": [{"created_at": "desc"}, {"id": "asc"}],
            "_source": {"excludes": ["body"]}}


def due_body(now: str, size: int) -> dict:
    """Pending deliveries due by ``now`` that no sender holds a lease on, the longest waiting first."""
    return {"size": size, "seq_no_primary_term": True, "sort": [{"next_attempt_at": "asc"}], "query": {"bool": {
        "filter": [{"term": {"status": "pending"}}, {"range": {"next_attempt_at": {"lte": now}}}],
        "must_not": [{"range": {"lease_until": {"gt": now}}}]}}}


def next_due_body() -> dict:
    """The pending delivery due first (only its time)."""
    return {"size": 1, "query": {"term": {"status": "pending"}}, "sort": [{"next_attempt_at": "asc"}],
            "_source": {"includes": ["next_attempt_at"]}}


def finished_before_query(before: str) -> dict:
    """Delivered and failed deliveries created before ``before`` (retention)."""
    return {"bool": {"filter": [{"terms": {"status": ["delivered", "failed"]}},
                                {"range": {"created_at": {"lt": before}}}]}}


class WebhookIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("webhooks")

    def put(self, organization_id: str, doc: dict) -> None:
        self.es.index(index=self.index, id=organization_id, document=doc, refresh=True)

    def delete(self, organization_id: str) -> bool:
        """Remove an organisation's webhook; False when it had none."""
        try:
            self.es.delete(index=self.index, id=organization_id, refresh=True)
            return True
        except NotFoundError:
            return False

    def get(self, organization_id: str) -> dict | None:
        try:
            return self.es.get(index=self.index, id=organization_id)["_source"]
        except NotFoundError:
            return None

    def all(self) -> list[dict]:
        try:
            resp = self.es.search(index=self.index, body=configured_body())
        except NotFoundError:
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]


class DeliveryIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("deliveries")

    def add(self, doc: dict) -> None:
        self.es.index(index=self.index, id=doc["id"], document=doc, refresh=True)

    def save(self, doc: dict, seq: dict) -> dict:
        """Write a delivery read (or claimed) with ``seq``; returns the new sequence numbers. Raises
        ``StaleWrite`` when another sender wrote it meanwhile."""
        try:
            written = self.es.index(index=self.index, id=doc["id"], document=doc, refresh=True, **seq)
        except ConflictError:
            raise StaleWrite(doc["id"]) from None
        return {"if_seq_no": written["_seq_no"], "if_primary_term": written["_primary_term"]}

    def search(self, body: dict, *, fresh: bool = False) -> list[dict] | None:
        """The hits of one search (``fresh``: after a refresh, so the latest writes count); None when there
        is no delivery index yet."""
        try:
            if fresh:
                self.es.indices.refresh(index=self.index)
            return self.es.search(index=self.index, body=body)["hits"]["hits"]
        except NotFoundError:
            return None

    def ids(self, query: dict) -> list[str] | None:
        return VersionedDocs(self.es, self.index).ids(query)

    def delete_many(self, ids: list[str]) -> None:
        VersionedDocs(self.es, self.index).delete_many(ids)
