"""Unmet need (``<prefix>-unmet-need``): one small document per officer's nearby search that found no
place open with room, holding only the need, the town searched, the day and the ISO week. No participant
data, no point, no account: what is counted is the lack, not who looked. Written without waiting for a
refresh (the officer's answer does not wait for it); read by the program reports."""
from __future__ import annotations

from datetime import datetime

from elasticsearch import Elasticsearch, NotFoundError, helpers

from directory.indices.catalogue import Catalogue
from directory.reports import week_of

FULL = ("full", "waitlist")


def unmet(answer: dict) -> bool:
    """A nearby answer where no result was open at the time with room (a place without a bed count counts
    as having room when it is open: a naloxone site, a walk-in clinic)."""
    return not any(r.get("open_now") and (r.get("capacity") or {}).get("status") not in FULL
                   for r in answer.get("results") or [])


class UnmetNeed:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es, self.catalogue = es, catalogue
        self.index = catalogue.name("unmet")
        self._ensured = False  # created (with its strict mapping) before the first write, once per process

    def record_search(self, answer: dict, now: datetime) -> bool:
        """Count this nearby answer if nothing met the need; returns whether it was counted."""
        if not unmet(answer):
            return False
        if not self._ensured:
            self.catalogue.ensure("unmet")
            self._ensured = True
        self.es.index(index=self.index, document={
            "kind": "search", "need": answer["need"], "town": (answer.get("location") or {}).get("town"),
            "at": now.isoformat(), "week": week_of(now)})
        return True

    def searches(self, start: datetime, end: datetime) -> list[dict]:
        try:
            self.es.indices.refresh(index=self.index)
            return [h["_source"] for h in helpers.scan(self.es, index=self.index, query={"query": {"range": {
                "at": {"gte": start.isoformat(), "lt": end.isoformat()}}}})]
        except NotFoundError:
            return []
