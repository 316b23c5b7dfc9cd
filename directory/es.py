"""The one Elasticsearch client factory, used by the app, the CLI, ingest and tests; and the engine's
failures as the rest of the project names them."""
from __future__ import annotations

from elastic_transport import ConnectionError as _ConnectionError
from elastic_transport import ConnectionTimeout as _ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from directory.settings import Settings

# The engine cannot be reached (down, restarting, timing out): callers answer 503 and retry later.
ENGINE_UNAVAILABLE: tuple[type[Exception], ...] = (_ConnectionError, _ConnectionTimeout)
# The engine answered with an error.
ENGINE_ERROR: type[Exception] = ApiError


def make_client(settings: Settings) -> Elasticsearch:
    """Build a client for ``settings.es_url``; no request is made here."""
    return Elasticsearch(
        settings.es_url,
        request_timeout=settings.es_timeout,
        retry_on_timeout=False,
        max_retries=1,
        # orjson encodes bulk bodies about a quarter faster than the standard library (make bench).
        serializer=OrjsonSerializer(),
    )
