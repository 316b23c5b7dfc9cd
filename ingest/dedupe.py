"""Merge records of the same service at the same site that arrive from different sources.

Two records are the same listing when they share an id (a feed that repeats itself), or when they
come from *different* sources, name the same organisation (normalised), stand at the same site
(same normalised street line and ZIP, or within ``NEAR_METERS`` of each other) and either offer
the same service, or one of them is a facility-level record that names no program of its own and
it is the only candidate there. Names written differently by different lists count as the same: an
organisation known by its acronym ("FKA CSAC", "DBA MAAS") when both offer the same kind of service,
a program written into the organisation column ("Liberation Programs Inc., Main St. Clinic"). Same
address alone is not enough: two different program names at one site ("Dixwell Behavioral Health
Services" and "Child and Family Guidance Clinic") are two listings, and a pair that is uncertain
(names alike but not the same, or a facility record with several programs to choose from) is not
merged but put on the review list, with both names.
Records from one source are never merged with each other otherwise. The merged record keeps every
source's provenance.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from difflib import SequenceMatcher

from directory.places import STREET_WORDS, miles_between, street_key
from directory import eligibility, taxonomy
from directory.taxonomy import fold

NEAR_METERS = 60.0
METERS_PER_MILE = 1609.344
_ORG_NOISE = {"inc", "incorporated", "llc", "corp", "corporation", "co", "the", "of", "ltd", "pc", "dba"}


# Words that say what kind of place a program is, not which program: "Enfield Clinic" = "Enfield Office".
_PROGRAM_NOISE = {"clinic", "office", "center", "centre", "ctr", "program", "prog", "services", "servs", "service",
                  "the", "of", "and", "site", "location", "satellite", "unit", "division", "department", "dept"}


def program_core(name: str | None) -> str:
    """The distinctive words of a program name, street words in one spelling ("Main St. Clinic" and
    "Main Street Clinic" are both "main st")."""
    return " ".join(STREET_WORDS.get(w, w) for w in fold((name or "").replace("'", "")).split()
                    if w not in _PROGRAM_NOISE)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def org_key(name: str | None) -> str:
    """An organisation's name for comparing: no legal noise, words in the singular ("Connecticut
    Counseling Centers Inc" and "Connecticut Counseling Center Inc" are one)."""
    words = [_singular(w) for w in fold(name or "").split() if w not in _ORG_NOISE]
    return " ".join(words)


def same_organisation(a: dict, b: dict) -> bool:
    """The same organisation, named alike: equal names, one a longer form of the other ("Rushford Center
    Inc" and "Rushford Center, Inc. - Ace Unit"), or one list's program named as the other's organisation
    ("Cornell Scott Hill / South Central Rehabilitation Center" and "South Central Rehabilitation Center")."""
    ka, kb = org_key(a["organization"]["name"]), org_key(b["organization"]["name"])
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    if len(short.split()) >= 2 and (long_ + " ").startswith(short + " "):
        return True
    return ka == org_key(b["service"]["name"]) or kb == org_key(a["service"]["name"])


def _starts(long_: str, short: str) -> bool:
    return len(short.split()) >= 2 and (long_ + " ").startswith(short + " ")


_ACRONYM = re.compile(r"\b[A-Z]{3,6}\b")
_INITIALS_SKIP = {"of", "and", "the", "for", "inc", "llc", "dba"}


def initials(name: str | None) -> str:
    """'Multicultural Ambulatory Addiction Services' -> 'MAAS'."""
    return "".join(w[0] for w in fold(name or "").split() if w not in _INITIALS_SKIP).upper()


def acronyms(record: dict) -> set[str]:
    """Acronyms a record's names use for an organisation: '(CASA)/DBA MAAS'."""
    names = f"{record['organization']['name']} {record['service']['name']}"
    return {a for a in _ACRONYM.findall(names) if a not in ("DBA", "INC", "LLC")}


def same_by_acronym(a: dict, b: dict) -> bool:
    """One record's names use an acronym that is the initials of the other's organisation
    ("Chemical Abuse Services Agency Inc / (CASA)/DBA MAAS" and "Multicultural Ambulatory Addiction
    Services")."""
    return initials(b["organization"]["name"]) in acronyms(a) or initials(a["organization"]["name"]) in acronyms(b)


def program_starts_organisation(a: dict, b: dict) -> bool:
    """``a``'s organisation column begins with ``b``'s program name: one name split over two columns
    ("Main Street Clinic/Fac for the Care / Trt of Substance Abusive/Dep Persons" beside "Liberation
    Programs Inc / Main Street Clinic")."""
    return _starts(org_key(a["organization"]["name"]), org_key(b["service"]["name"]))


def program_in_organisation(a: dict, b: dict, a_generic: bool = False) -> bool:
    """``a`` names ``b``'s program inside its organisation column: after ``b``'s organisation
    ("Liberation Programs Inc., Main St. Clinic" beside "Liberation Programs Inc / Main Street Clinic"),
    or as the start of it (see ``program_starts_organisation``); or ``b``'s program column holds ``a``'s
    organisation and program ("Root Center for Advanced Recovery / Hartford Dispensary/Torrington Clinic"
    beside "Hartford Dispensary - Torrington Clinic"). ``a_generic``: ``a`` names no program of its own."""
    full = a["organization"]["name"] if a_generic else f"{a['organization']['name']} {a['service']['name']}"
    if program_core(full) and program_core(full) == program_core(b["service"]["name"]):
        return True
    oa, ob, pb = org_key(a["organization"]["name"]), org_key(b["organization"]["name"]), \
        program_core(b["service"]["name"])
    if pb and _starts(oa, ob) and oa != ob and program_core(oa[len(ob):]) == pb:
        return True
    return program_starts_organisation(a, b)


def names_organisation(facility: dict, other: dict) -> bool:
    """The facility record's program is named as the other record's organisation ("Cornell Scott Hill
    Health Center / South Central Rehabilitation Center" beside "South Central Rehabilitation Center /
    Methadone Program"): it stands for that organisation's whole site, as a record naming no program does."""
    return bool(org_key(other["organization"]["name"])) and \
        org_key(facility["service"]["name"]) == org_key(other["organization"]["name"])


def same_kind(a: dict, b: dict) -> bool:
    """Both offer the same kind of service (a top-level need in common): one program, not an
    emergency department beside an addiction clinic of the same hospital."""
    return bool({n.split(".")[0] for n in a["needs"]} & {n.split(".")[0] for n in b["needs"]})


def _street(record: dict) -> tuple[str, str]:
    address = record.get("address") or {}
    return street_key(address.get("address_1")), (address.get("postal_code") or "")[:5]


def precise_point(record: dict) -> tuple[float, float] | None:
    loc = record.get("location") or {}
    if loc.get("latitude") is None or loc.get("geocode_quality") not in ("provided", "geocoder", "cache"):
        return None
    return loc["latitude"], loc["longitude"]


def grid_cell(point: tuple[float, float]) -> tuple[int, int]:
    """A grid cell of about 100 m, to find neighbours without comparing every pair."""
    return int(point[0] * 1000 // 1), int(point[1] * 1000 // 1)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return miles_between(*a, *b) * METERS_PER_MILE


SIMILAR_NAMES = 0.8  # program names this alike, but not the same, need a person to decide


def column_value(record: dict, column: str):
    section, key = eligibility.COLUMNS[column].split(".", 1)
    return (record.get(section) or {}).get(key)


def serves_alike(facility: dict, program: dict) -> bool:
    """Whether a facility record can stand for a program: not when the program's own name says it is
    for a narrower group than the facility ("Childrens Day Hospital" at a general hospital's address:
    the emergency department is not for children only)."""
    for a, b in ((facility, program), (program, facility)):
        for column in a.get("inferred") or {}:
            if column_value(a, column) != column_value(b, column):
                return False
    return True


@dataclass
class Entry:
    record: dict
    facility_level: bool
    sources: set[str] = field(default_factory=set)
    generic: bool = False  # a facility record that names no program of its own


@dataclass
class Review:
    """A pair of records that may be one program; left as two listings until a person decides."""
    kept: str
    other: str
    names: tuple[str, str]
    why: str

    def as_dict(self) -> dict:
        return {"kept": self.kept, "other": self.other, "names": list(self.names), "why": self.why}


class SiteIndex:
    """Items by site, to find those at the same site as a record: the same street line and ZIP, or
    within NEAR_METERS (precise points only). ``record_of`` reads an item's record."""

    def __init__(self, record_of: Callable[[Any], dict] = lambda item: item) -> None:
        self._record_of = record_of
        self._by_street: dict[tuple[str, str], list] = {}
        self._by_cell: dict[tuple[int, int], list] = {}

    def add(self, item: Any) -> None:
        record = self._record_of(item)
        street = _street(record)
        if street[0]:
            self._by_street.setdefault(street, []).append(item)
        point = precise_point(record)
        if point:
            self._by_cell.setdefault(grid_cell(point), []).append(item)

    def near(self, record: dict) -> list:
        """The items added at this record's site (the record itself too, if it was added)."""
        street = _street(record)
        found = list(self._by_street.get(street, [])) if street[0] else []
        seen = {id(item) for item in found}
        point = precise_point(record)
        if point:
            lat, lon = grid_cell(point)
            for cell in ((lat + i, lon + j) for i in (-1, 0, 1) for j in (-1, 0, 1)):
                for other in self._by_cell.get(cell, []):
                    if id(other) not in seen and distance_m(point, precise_point(self._record_of(other))) <= NEAR_METERS:
                        seen.add(id(other))
                        found.append(other)
        return found


class Deduper:
    """Collects validated records and merges duplicates as they arrive (order is preserved)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._by_id: dict[str, Entry] = {}
        self._sites: SiteIndex = SiteIndex(record_of=lambda entry: entry.record)
        self.merged = 0
        self.review: list[Review] = []

    def add(self, record: dict, *, facility_level: bool, generic: bool = False) -> bool:
        """Add a record; True when it merged into an earlier one."""
        source = record["sources"][0]["source"]
        match = self._by_id.get(record["id"]) or self._find(record, source, facility_level, generic)
        if match:
            merge_into(match.record, record)
            match.sources.add(source)
            match.facility_level = match.facility_level and facility_level
            match.generic = match.generic and generic
            self.merged += 1
            return True
        entry = Entry(record, facility_level, {source}, generic)
        self.entries.append(entry)
        self._by_id[record["id"]] = entry
        self._sites.add(entry)
        return False

    def _find(self, record: dict, source: str, facility_level: bool, generic: bool) -> Entry | None:
        site = [c for c in self._sites.near(record) if source not in c.sources]  # earlier records there
        candidates = [c for c in site if same_organisation(c.record, record)
                      or (same_by_acronym(c.record, record) and same_kind(c.record, record))]
        name = fold(record["service"]["name"])
        for other in candidates:
            if fold(other.record["service"]["name"]) == name:
                return other
        core = program_core(record["service"]["name"])
        same_core = [c for c in candidates if core and program_core(c.record["service"]["name"]) == core]
        if len(same_core) == 1:  # "Bloomfield Clinic" and "Bloomfield Office" of one organisation
            return same_core[0]
        # The program's name written in the organisation column of one list.
        in_names = [c for c in site if same_kind(record, c.record)
                    and (program_in_organisation(record, c.record, generic)
                         or program_in_organisation(c.record, record, c.generic))]
        if len(in_names) == 1 and serves_alike(in_names[0].record, record):
            return in_names[0]
        # A facility record naming no program stands for the site: it joins the one listing there.
        loose = [c for c in candidates if (facility_level and (generic or names_organisation(record, c.record)))
                 or (c.facility_level and (c.generic or names_organisation(c.record, record)))]
        if len(loose) == 1 and len(candidates) == 1 and serves_alike(loose[0].record, record):
            return loose[0]
        for other in candidates:
            other_name = other.record["service"]["name"]
            if other in loose and len(candidates) == 1:
                why = "a facility record and a program for a narrower group at one site"
            elif other in loose:
                why = "a facility record and several programs at one site"
            elif SequenceMatcher(None, fold(other_name), name).ratio() >= SIMILAR_NAMES:
                why = "similar program names at one site"
            elif len(candidates) == 1:
                why = "one program each at one site, named differently"
            else:
                continue
            self.review.append(Review(other.record["id"], record["id"], (other_name, record["service"]["name"]), why))
        return None

    def records(self) -> list[dict]:
        return [e.record for e in self.entries]


def merge_into(kept: dict, other: dict) -> None:
    """Fold ``other`` into ``kept``: union needs, phones, languages and provenance; fill gaps."""
    if kept["id"] == other["id"] and kept["sources"] == other["sources"]:
        return  # the same record repeated in one feed
    kept["needs"] = taxonomy.leaves(set(kept["needs"]) | set(other["needs"]))
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
