"""Merge records of the same service at the same site that arrive from different sources.

Two records are the same listing when they share an id (a feed that repeats itself), or when they
come from *different* sources, name the same organisation (normalised), stand at the same site
(same normalised street line and ZIP, or within ``NEAR_METERS`` of each other) and either offer
the same service or at least one is a facility-level record. Records from one source are never
merged with each other otherwise: two services of one provider at one address are two listings.
The merged record keeps every source's provenance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from directory.places import miles_between, street_key
from directory.taxonomy import fold

NEAR_METERS = 60.0
METERS_PER_MILE = 1609.344
_ORG_NOISE = {"inc", "incorporated", "llc", "corp", "corporation", "co", "the", "of", "ltd", "pc", "dba"}


def org_key(name: str | None) -> str:
    words = [w for w in fold(name or "").split() if w not in _ORG_NOISE]
    return " ".join(words)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return miles_between(*a, *b) * METERS_PER_MILE


@dataclass
class Entry:
    record: dict
    facility_level: bool
    sources: set[str] = field(default_factory=set)


class Deduper:
    """Collects validated records and merges duplicates as they arrive (order is preserved)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._by_id: dict[str, Entry] = {}
        self._by_site: dict[tuple[str, str, str], list[Entry]] = {}
        self._by_org: dict[str, list[Entry]] = {}
        self.merged = 0

    def add(self, record: dict, *, facility_level: bool) -> bool:
        """Add a record; True when it merged into an earlier one."""
        source = record["sources"][0]["source"]
        match = self._by_id.get(record["id"]) or self._find(record, source, facility_level)
        if match:
            merge_into(match.record, record)
            match.sources.add(source)
            match.facility_level = match.facility_level and facility_level
            self.merged += 1
            return True
        entry = Entry(record, facility_level, {source})
        self.entries.append(entry)
        self._by_id[record["id"]] = entry
        okey = org_key(record["organization"]["name"])
        address = record.get("address") or {}
        skey = (okey, street_key(address.get("address_1")), (address.get("postal_code") or "")[:5])
        if skey[1]:
            self._by_site.setdefault(skey, []).append(entry)
        self._by_org.setdefault(okey, []).append(entry)
        return False

    def _find(self, record: dict, source: str, facility_level: bool) -> Entry | None:
        okey = org_key(record["organization"]["name"])
        address = record.get("address") or {}
        skey = (okey, street_key(address.get("address_1")), (address.get("postal_code") or "")[:5])
        candidates = list(self._by_site.get(skey, [])) if skey[1] else []
        loc = record["location"]
        if loc.get("latitude") is not None and loc.get("geocode_quality") in ("provided", "geocoder", "cache"):
            here = (loc["latitude"], loc["longitude"])
            for other in self._by_org.get(okey, []):
                oloc = other.record["location"]
                if other not in candidates and oloc.get("latitude") is not None and \
                        oloc.get("geocode_quality") in ("provided", "geocoder", "cache") and \
                        distance_m(here, (oloc["latitude"], oloc["longitude"])) <= NEAR_METERS:
                    candidates.append(other)
        for other in candidates:
            if source in other.sources:
                continue
            same_service = fold(other.record["service"]["name"]) == fold(record["service"]["name"])
            if same_service or facility_level or other.facility_level:
                return other
        return None

    def records(self) -> list[dict]:
        return [e.record for e in self.entries]


def merge_into(kept: dict, other: dict) -> None:
    """Fold ``other`` into ``kept``: union needs, phones, languages and provenance; fill gaps."""
    if kept["id"] == other["id"] and kept["sources"] == other["sources"]:
        return  # the same record repeated in one feed
    kept["needs"] = sorted(set(kept["needs"]) | set(other["needs"]))
    kept["source_terms"] = sorted(set(kept.get("source_terms") or []) | set(other.get("source_terms") or []))
    numbers = {p["number"] for p in kept.get("phones") or []}
    kept["phones"] = (kept.get("phones") or []) + [p for p in other.get("phones") or [] if p["number"] not in numbers]
    if kept.get("languages") is not None or other.get("languages") is not None:
        kept["languages"] = sorted(set(kept.get("languages") or []) | set(other.get("languages") or []))
    for section in ("service", "organization", "address", "eligibility", "access"):
        mine, theirs = kept.get(section) or {}, other.get(section) or {}
        for key, value in theirs.items():
            if mine.get(key) is None and value is not None:
                mine[key] = value
        kept[section] = mine
    if not kept.get("schedules") and other.get("schedules"):
        kept["schedules"] = other["schedules"]
    if not kept.get("hours_text") and other.get("hours_text"):
        kept["hours_text"] = other["hours_text"]
    if not kept.get("capacity") and other.get("capacity"):
        kept["capacity"] = other["capacity"]
    known = {(s["source"], s["source_id"]) for s in kept["sources"]}
    kept["sources"] = kept["sources"] + [s for s in other["sources"] if (s["source"], s["source_id"]) not in known]
