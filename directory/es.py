"""The one Elasticsearch client factory, used by the app, the CLI, ingest and tests; the engine's
failures as the rest of the project names them; and the shard layout of every index we create."""
from __future__ import annotations

from typing import Any

from elastic_transport import ConnectionError as _ConnectionError
from elastic_transport import ConnectionTimeout as _ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from directory.settings import Settings

# The engine cannot be reached (down, restarting, timing out): callers answer 503 and retry later.
ENGINE_UNAVAILABLE: tuple[type[Exception], ...] = (_ConnectionError, _ConnectionTimeout)
# The engine answered with an error.
ENGINE_ERROR: type[Exception] = ApiError


def make_client(settings: Settings, *, batch: bool = False) -> Elasticsearch:
    """Build a client for the nodes of ``settings.es_url``; no request is made here.

    Web requests use ``es_timeout`` (short: a dead engine is a quick 503, never a stuck worker);
    ``batch=True`` uses ``es_batch_timeout`` for ingest, backups, the CLI and benchmarks.

    A request that cannot reach a node is retried once on each other node named (the client then
    leaves the failed node out for a growing back-off, trying it again by itself later). Timeouts
    are not retried: the caller's time budget is spent. Sniffing stays off: the nodes named are
    the ones reachable from here (behind a load balancer, or on loopback), not the addresses the
    cluster would publish.
    """
    nodes = settings.es_nodes
    secured: dict[str, Any] = {}
    if settings.es_api_key:
        secured["api_key"] = settings.es_api_key
    if settings.es_ca_certs:
        secured["ca_certs"] = settings.es_ca_certs
    return Elasticsearch(
        nodes,
        **secured,
        request_timeout=settings.es_batch_timeout if batch else settings.es_timeout,
        retry_on_timeout=False,
        max_retries=max(1, len(nodes)),
        sniff_on_start=False,
        sniff_on_node_failure=False,
        # orjson encodes bulk bodies about a quarter faster than the standard library (make bench).
        serializer=OrjsonSerializer(),
    )


def batch_client(es: Elasticsearch, settings: Settings) -> Elasticsearch:
    """The same connections as ``es`` with the batch timeout (long bulk requests, snapshots)."""
    return es.options(request_timeout=settings.es_batch_timeout)


# Recovery order after a restart (``index.priority``, higher first): what every API request reads
# comes back first, so the service resumes before the audit trail and the geocode cache.
PRIORITY_LISTINGS = 100
PRIORITY_ACCOUNTS = 90
PRIORITY_WRITES = 50
PRIORITY_BACKGROUND = 1


def index_settings(es: Elasticsearch, settings: Settings, *, priority: int = PRIORITY_BACKGROUND,
                   **extra: Any) -> dict[str, Any]:
    """Shards, replicas and recovery priority for a new index (``LEAD_SHARDS``, ``LEAD_REPLICAS``).

    Every index the project creates takes its layout from here, so a multi-node cluster keeps a
    copy of each (listings, edits, audit, capacity history, users, geocode cache...) on two nodes.
    """
    replicas = settings.replica_count(data_node_count(es)) if settings.replicas == "auto" else int(settings.replicas)
    return {"number_of_shards": settings.shards, "number_of_replicas": replicas, "priority": priority, **extra}


def data_node_count(es: Elasticsearch) -> int:
    """How many data nodes the cluster has now."""
    return int(es.cluster.health()["number_of_data_nodes"])
