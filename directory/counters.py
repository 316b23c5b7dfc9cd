"""Rate-limit counters kept in the engine, so every worker and every app instance counts together.

A ``limits`` storage (the library Flask-Limiter counts with) over the index ``<prefix>-counters``, chosen
with ``LEAD_RATE_LIMIT_STORAGE=engine`` (the default): no other service to run. One document per limit
and client (the id is a hash of the library's key, so no address is stored), holding the fixed window's
count and when it ends. A hit reads the document and writes it back only if nobody wrote it meanwhile
(``if_seq_no``/``if_primary_term``; this engine has no scripts), else reads again: no hit is lost or
counted twice however many workers race. Reads by id are real-time, so nothing waits for a refresh.

Expired windows are overwritten by the next hit of the same key; windows of keys that never come back are
deleted now and then by whichever process notices (at most once per ``PURGE_EVERY`` seconds each).
"""
from __future__ import annotations

import hashlib
import time
from typing import Callable

from elastic_transport import TransportError
from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, helpers
from limits.storage import Storage

SCHEME = "lead-engine"
MAPPING: dict = {"dynamic": "strict", "properties": {
    "count": {"type": "integer"}, "expires_at": {"type": "double"},
}}
PURGE_EVERY = 600.0
RETRIES = 50


def index_name(prefix: str) -> str:
    return f"{prefix}-counters"


def _doc_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


class EngineCounters(Storage):
    """Fixed-window counters in the engine (``limits`` storage scheme ``lead-engine://``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, es: Elasticsearch,
                 index: str, ensure: Callable[[], None], clock: Callable[[], float] = time.time, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.es, self.index, self._ensure, self._clock = es, index, ensure, clock
        self._purged_at = 0.0

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (ApiError, TransportError)

    def _read(self, key: str) -> tuple[dict | None, dict]:
        try:
            hit = self.es.get(index=self.index, id=_doc_id(key))
        except NotFoundError as exc:
            if _index_missing(exc):
                self._ensure()
            return None, {}
        return hit["_source"], {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count ``amount`` more in this key's window (a new window of ``expiry`` seconds once the last has
        ended); returns the count in the window."""
        for _ in range(RETRIES):
            now = self._clock()
            current, seq = self._read(key)
            if current is None or current["expires_at"] <= now:
                new = {"count": amount, "expires_at": now + expiry}
            else:
                new = {"count": current["count"] + amount, "expires_at": current["expires_at"]}
            try:
                if current is None:
                    self.es.index(index=self.index, id=_doc_id(key), document=new, op_type="create")
                else:
                    self.es.index(index=self.index, id=_doc_id(key), document=new, **seq)
            except ConflictError:
                continue  # another worker counted first: count again on what it wrote
            if current is None or current["expires_at"] <= now:
                self._purge_now_and_then(now)
            return new["count"]
        raise RuntimeError(f"rate-limit counter {_doc_id(key)[:8]} is too contended")

    def get(self, key: str) -> int:
        current, _ = self._read(key)
        return current["count"] if current and current["expires_at"] > self._clock() else 0

    def get_expiry(self, key: str) -> float:
        current, _ = self._read(key)
        return current["expires_at"] if current and current["expires_at"] > self._clock() else self._clock()

    def check(self) -> bool:
        try:
            self.es.cluster.health()
            return True
        except (ApiError, TransportError):
            return False

    def clear(self, key: str) -> None:
        self.es.options(ignore_status=404).delete(index=self.index, id=_doc_id(key))

    def reset(self) -> int | None:
        """Delete every counter; returns how many there were."""
        return self._delete({"match_all": {}})

    def _purge_now_and_then(self, now: float) -> None:
        if now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        self._delete({"range": {"expires_at": {"lt": now}}})

    def _delete(self, query: dict) -> int:
        # No delete-by-query in this engine build: scan the ids, then bulk deletes.
        try:
            ids = [h["_id"] for h in helpers.scan(self.es, index=self.index, query={"query": query, "_source": False})]
        except NotFoundError:
            return 0
        if ids:
            helpers.bulk(self.es, ({"_op_type": "delete", "_index": self.index, "_id": i} for i in ids),
                         raise_on_error=False)
        return len(ids)


def _index_missing(exc: NotFoundError) -> bool:
    body = exc.body if isinstance(exc.body, dict) else {}
    return (body.get("error") or {}).get("type") == "index_not_found_exception" if isinstance(
        body.get("error"), dict) else False
