"""Rate-limit counters kept in the engine, so every worker and every app instance counts together.

A ``limits`` storage (the library Flask-Limiter counts with) over the index ``<prefix>-counters``, chosen
with ``LEAD_RATE_LIMIT_STORAGE=engine`` (the default): no other service to run. Windows are fixed and
aligned (a limit of N per minute counts the hits of each calendar minute). Each window of each limit and
client is one document (its id a hash of the library's key and the window's number, so no address is
stored), and a hit is one blind write of it: the engine numbers the writes of a document one by one
(``_version``), so the version its answer carries *is* the count, however many workers write at once. No
read, no retry, no script (this engine has none). Reads by id are real-time: nothing waits for a refresh.

A window's document is never written again once it has ended; those of ended windows are deleted now and
then by whichever process notices (at most once per ``PURGE_EVERY`` seconds each).
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from typing import Callable

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from limits.limits import TIME_TYPES
from limits.storage import Storage

SCHEME = "lead-engine"
PURGE_EVERY = 600.0
# How long a hit's answer also answers the reads that follow it in the same thread (the limit headers of
# the same request), instead of reading the document again.
RECENT_SECONDS = 1.0


def _expiry_of(key: str) -> int:
    """A limit's window in seconds, from the end of its key ('.../10/1/minute': 1 minute), as ``limits``
    writes keys (``RateLimitItem.key_for``)."""
    *_, multiples, granularity = key.split("/")
    return int(multiples) * TIME_TYPES[granularity].seconds


def _window(expiry: float, now: float) -> int:
    return math.floor(now / expiry)


def _doc_id(key: str, window: int) -> str:
    return hashlib.sha256(f"{key}|{window}".encode()).hexdigest()[:40]


class EngineCounters(Storage):
    """Fixed-window counters in the engine (``limits`` storage scheme ``lead-engine://``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, es: Elasticsearch,
                 index: str, ensure: Callable[[], None], clock: Callable[[], float] = time.time, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.es, self.index, self._ensure, self._clock = es, index, ensure, clock
        self._purged_at = 0.0
        self._ready = False
        self._recent = threading.local()  # .last: (key, count, window end, when counted) of this thread's last hit

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (ApiError, TransportError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count ``amount`` more in this key's current window; returns the count in the window."""
        now = self._clock()
        window = _window(expiry, now)
        expires_at = (window + 1) * expiry
        count = 0
        for _ in range(amount):
            count = self._write(_doc_id(key, window), expires_at)
        self._remember(key, count, expires_at, expiry, now)
        if count == amount:  # a new window began: a moment to clear away ended ones
            self._purge_now_and_then(now)
        return count

    def _write(self, doc_id: str, expires_at: float) -> int:
        if not self._ready:  # once per process: the index with its mapping, not one the engine would guess
            self._ensure()
            self._ready = True
        return int(self.es.index(index=self.index, id=doc_id, document={"expires_at": expires_at})["_version"])

    def _remember(self, key: str, count: int, expires_at: float, expiry: float, now: float) -> None:
        self._recent.last = (key, count, expires_at, now)  # one per thread: the hit the next reads are about

    def _current(self, key: str) -> tuple[int, float] | None:
        """(count, end) of this key's current window: from this thread's hit of it just now (the limit
        headers of the same request), else from the engine."""
        now = self._clock()
        recent = getattr(self._recent, "last", None)
        if recent and recent[0] == key and now - recent[3] <= RECENT_SECONDS:
            return (recent[1], recent[2]) if recent[2] > now else None
        expiry = _expiry_of(key)
        try:
            hit = self.es.get(index=self.index, id=_doc_id(key, _window(expiry, now)))
        except NotFoundError:
            return None
        return int(hit["_version"]), float(hit["_source"]["expires_at"])

    def get(self, key: str) -> int:
        current = self._current(key)
        return current[0] if current else 0

    def get_expiry(self, key: str) -> float:
        current = self._current(key)
        return current[1] if current else self._clock()

    def check(self) -> bool:
        try:
            self.es.cluster.health()
            return True
        except (ApiError, TransportError):
            return False

    def clear(self, key: str) -> None:
        self._recent.last = None
        self.es.options(ignore_status=404).delete(index=self.index,
                                                  id=_doc_id(key, _window(_expiry_of(key), self._clock())))

    def reset(self) -> int | None:
        """Delete every counter; returns how many there were."""
        self._recent.last = None
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
