"""Unmet need (``<prefix>-unmet-need``): one small document per officer's nearby search that found no
place open with room, holding only the need, the town searched, the day and the ISO week. No participant
data, no point, no account: what is counted is the lack, not who looked. Read by the program reports.

The officer's answer never waits for the tally: ``record_search`` only queues the document, and a sender
thread of this process writes what is queued in one bulk request every ``FLUSH_SECONDS`` (it stops by
itself once nothing has been queued for a while, and starts again with the next count). A report read in
this process sends what is queued first; other processes' counts reach it within ``FLUSH_SECONDS``. What a
worker killed outright had queued in its last ``FLUSH_SECONDS`` is not counted (a tally of searches, no
record of anyone's); a clean stop sends it (``atexit``, waiting at most ``EXIT_SECONDS``). An engine that
cannot be reached keeps the counts queued (up to ``MAX_QUEUED``, the oldest dropped first, with a warning)
for the next attempt."""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from datetime import datetime
from typing import Callable

from elasticsearch import Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue
from directory.reports import week_of

log = logging.getLogger(__name__)

FULL = ("full", "waitlist")
FLUSH_SECONDS = 0.5
IDLE_ROUNDS = 20  # the sender stops after this many rounds with nothing queued (10 s)
MAX_QUEUED = 10_000


def unmet(answer: dict) -> bool:
    """A nearby answer where no result was open at the time with room (a place without a bed count counts
    as having room when it is open: a naloxone site, a walk-in clinic)."""
    return not any(r.get("open_now") and (r.get("capacity") or {}).get("status") not in FULL
                   for r in answer.get("results") or [])


class UnmetNeed:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue,
                 fresh_client: Callable[[], Elasticsearch] | None = None):
        self.es, self.catalogue = es, catalogue
        # A client of its own for the last flush at exit: a stopping worker's shared connections may all be
        # checked out by request threads that are gone (seen under gunicorn after a load run).
        self.fresh_client = fresh_client
        self.index = catalogue.name("unmet")
        self._ensured = False  # created (with its strict mapping) before the first write, once per process
        self._queued: list[dict] = []
        self._lock = threading.Lock()  # the queue and the sender
        self._flushing = threading.Lock()  # one flush at a time: a report's waits for the sender's batch in flight
        self._sender: threading.Thread | None = None
        _LIVE.add(self)

    def record_search(self, answer: dict, now: datetime) -> bool:
        """Count this nearby answer if nothing met the need (queued; see the module's note); returns whether
        it was counted."""
        if not unmet(answer):
            return False
        doc = {"kind": "search", "need": answer["need"], "town": (answer.get("location") or {}).get("town"),
               "at": now.isoformat(), "week": week_of(now)}
        with self._lock:
            self._queued.append(doc)
            if len(self._queued) > MAX_QUEUED:
                del self._queued[:len(self._queued) - MAX_QUEUED]
                log.warning("unmet-need tally: the engine has not taken counts for a while; the oldest are dropped")
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(target=self._run, name="lead-unmet-need", daemon=True)
                self._sender.start()
        return True

    def flush(self, es: Elasticsearch | None = None) -> int:
        """Write every queued count now, in one bulk request (with ``es``, else the shared client); returns
        how many. On an engine failure the counts go back to the queue and the error is raised."""
        with self._flushing:
            with self._lock:
                batch, self._queued = self._queued, []
            if not batch:
                return 0
            try:
                if not self._ensured:
                    self.catalogue.ensure("unmet")
                    self._ensured = True
                helpers.bulk(es or self.es, ({"_index": self.index, "_source": d} for d in batch),
                             raise_on_error=True)
            except Exception:
                with self._lock:
                    self._queued[:0] = batch
                raise
            return len(batch)

    def _run(self) -> None:
        idle = 0
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                idle = 0 if self.flush() else idle + 1
            except Exception:  # noqa: BLE001 - a background sender must not die noisily; the queue keeps the counts
                log.warning("unmet-need tally: could not write the queued counts; retrying", exc_info=True)
                idle = 0
            with self._lock:
                if idle >= IDLE_ROUNDS and not self._queued:
                    self._sender = None
                    return

    def searches(self, start: datetime, end: datetime) -> list[dict]:
        """The counted searches of [start, end): this process's queued counts are written first."""
        self.flush()
        try:
            self.es.indices.refresh(index=self.index)
            return [h["_source"] for h in helpers.scan(self.es, index=self.index, query={"query": {"range": {
                "at": {"gte": start.isoformat(), "lt": end.isoformat()}}}})]
        except NotFoundError:
            return []


_LIVE: "weakref.WeakSet[UnmetNeed]" = weakref.WeakSet()
EXIT_SECONDS = 5.0


@atexit.register
def _flush_at_exit() -> None:
    """A clean stop (gunicorn's graceful worker exit, the CLI) sends what is still queued, waiting at most
    ``EXIT_SECONDS``: a worker that is stopping may no longer get an engine connection (its request threads
    are gone with theirs checked out: hence a fresh client when the app gave one), and a stop must never hang
    on a tally."""
    def send() -> None:
        for tally in list(_LIVE):
            try:
                if tally._queued:
                    tally.flush(tally.fresh_client() if tally.fresh_client else None)
            except Exception:  # noqa: BLE001 - the engine may be gone at exit; nothing else to do
                log.warning("unmet-need tally: %d counts not written at exit", len(tally._queued))

    sender = threading.Thread(target=send, name="lead-unmet-need-exit", daemon=True)
    sender.start()
    sender.join(EXIT_SECONDS)
    if sender.is_alive():
        log.warning("unmet-need tally: the counts still queued at exit were not written within %g s", EXIT_SECONDS)
