"""The unmet-need tally never holds up the officer's answer: a nearby search that found nothing open with room
is queued and written in the background, a report in the same process sees it at once, another process's
report within a second, and an engine that cannot be reached keeps the counts for the next attempt."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from directory.es import make_client
from directory.indices import unmet as unmet_module
from directory.indices.unmet import UnmetNeed

pytestmark = pytest.mark.es

NOTHING_OPEN = {"need": "detox", "location": {"town": "Hartford"}, "results": [
    {"open_now": False, "capacity": {"status": "available"}}, {"open_now": True, "capacity": {"status": "full"}}]}
SOMETHING_OPEN = {"need": "detox", "location": {"town": "Hartford"},
                  "results": [{"open_now": True, "capacity": {"status": "unknown"}}]}
NOW = datetime(2026, 12, 6, 6, 30, tzinfo=timezone.utc)
PERIOD = (NOW - timedelta(days=1), NOW + timedelta(days=1))


def test_a_count_is_queued_not_written_on_the_request(store, monkeypatch):
    tally = UnmetNeed(store.es, store.catalogue)
    writes = []
    monkeypatch.setattr(unmet_module.helpers, "bulk", lambda *a, **k: writes.append(a) or (0, []))
    monkeypatch.setattr(unmet_module, "FLUSH_SECONDS", 30)  # the sender waits: nothing is written meanwhile
    assert tally.record_search(NOTHING_OPEN, NOW) is True
    assert tally.record_search(SOMETHING_OPEN, NOW) is False
    assert writes == [] and len(tally._queued) == 1
    tally._queued.clear()  # this test's index goes with it


def test_the_same_process_reads_its_counts_at_once_and_another_within_a_second(store, settings):
    mine = UnmetNeed(store.es, store.catalogue)
    for _ in range(3):
        mine.record_search(NOTHING_OPEN, NOW)
    assert len(mine.searches(*PERIOD)) == 3  # written first, then read
    mine.record_search(NOTHING_OPEN, NOW)
    # Another worker: its own client and tally, nothing queued of its own.
    other = UnmetNeed(make_client(settings), store.catalogue)
    deadline = time.monotonic() + 1 + unmet_module.FLUSH_SECONDS
    seen = 0
    while time.monotonic() < deadline and seen < 4:
        seen = len(other.searches(*PERIOD))
        time.sleep(0.05)
    assert seen == 4
    assert {(s["need"], s["town"], s["kind"]) for s in other.searches(*PERIOD)} == {("detox", "Hartford", "search")}


def test_counts_wait_in_the_queue_while_the_engine_cannot_be_reached(store, settings, monkeypatch):
    tally = UnmetNeed(store.es, store.catalogue)
    monkeypatch.setattr(unmet_module, "FLUSH_SECONDS", 30)
    tally.record_search(NOTHING_OPEN, NOW)
    tally.record_search(NOTHING_OPEN, NOW)

    def down(*_a, **_k):
        raise ConnectionError("engine down")

    monkeypatch.setattr(unmet_module.helpers, "bulk", down)
    with pytest.raises(ConnectionError):
        tally.flush()
    assert len(tally._queued) == 2  # nothing lost
    monkeypatch.undo()
    assert tally.flush() == 2
    assert len(tally.searches(*PERIOD)) == 2
