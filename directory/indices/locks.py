"""A lease lock in the engine, so two rebuilds of one directory never run (and swap) at once.

The holder renews its lease every few seconds from a background thread; a process that is killed
stops renewing, and after ``LEASE_SECONDS`` the next run may take the lock over. Taking over and
releasing are compare-and-swap writes on the lock document, so two takers cannot both win.
"""
from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta, timezone

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

LEASE_SECONDS = 60
RENEW_SECONDS = 10


class Locked(RuntimeError):
    """Another process holds the lock."""

    def __init__(self, name: str, holder: str, since: str, expires: str):
        super().__init__(f"another {name} is running ({holder}, since {since}); if it died, its lock expires at "
                         f"{expires} and the next run takes over")
        self.holder, self.since, self.expires = holder, since, expires


def _now() -> datetime:
    return datetime.now(timezone.utc)


class LeaseLock:
    """``with LeaseLock(es, index, "rebuild"):`` runs the block holding the lock, or raises ``Locked``."""

    def __init__(self, es: Elasticsearch, index: str, name: str, lease_seconds: int = LEASE_SECONDS):
        self.es, self.index, self.name, self.lease = es, index, name, lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self, acquired_at: str) -> dict:
        return {"holder": self.holder, "acquired_at": acquired_at,
                "expires_at": (_now() + timedelta(seconds=self.lease)).isoformat()}

    def acquire(self) -> None:
        try:
            self.es.index(index=self.index, id=self.name, document=self._body(_now().isoformat()), op_type="create",
                          refresh=True)
        except ConflictError:
            hit = self.es.get(index=self.index, id=self.name)
            held = hit["_source"]
            if datetime.fromisoformat(held["expires_at"]) > _now():
                raise Locked(self.name, held["holder"], held["acquired_at"], held["expires_at"]) from None
            try:  # the holder stopped renewing: take over, unless someone else just did
                self.es.index(index=self.index, id=self.name, document=self._body(_now().isoformat()),
                              if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"], refresh=True)
            except ConflictError:
                raise Locked(self.name, "another process", held["acquired_at"], held["expires_at"]) from None
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew, name=f"lock-{self.name}", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_SECONDS):
            try:
                hit = self.es.get(index=self.index, id=self.name)
                if hit["_source"]["holder"] != self.holder:
                    return  # taken over: the lease had expired
                self.es.index(index=self.index, id=self.name, document=self._body(hit["_source"]["acquired_at"]),
                              if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease; the next one retries
                continue

    def release(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=RENEW_SECONDS + 5)
        try:
            hit = self.es.get(index=self.index, id=self.name)
            if hit["_source"]["holder"] == self.holder:
                self.es.delete(index=self.index, id=self.name, if_seq_no=hit["_seq_no"],
                               if_primary_term=hit["_primary_term"], refresh=True)
        except (NotFoundError, ConflictError):
            pass

    def __enter__(self) -> "LeaseLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
