"""The participant profile a match is made for, and reading needs and places typed in words.

A profile is never stored and never logged.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from directory import eligibility, places, taxonomy
from directory.places import Located

Point = Located  # a participant's location: where it is and how it was found


@dataclass
class Profile:
    needs: list[str]  # taxonomy codes (already resolved)
    point: Located | None = None
    # Participant facts read by the eligibility table (``directory.eligibility.PROFILE_FIELDS``):
    # age, gender, insurance, moud, currently_using, offences, veteran, has_id, ... Missing = not stated.
    facts: dict[str, Any] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)  # preferred: speakers rank first (weights.LEADING)
    must_speak: list[str] = field(default_factory=list)  # a requirement: staff speak one of these
    urgency: str = "this_week"  # now / today / this_week
    at: datetime | None = None  # whose opening hours count: a later or earlier time than now
    max_miles: float | None = None
    include_full: bool = False
    limit: int = 10
    diversify: bool = True
    query: str | None = None
    section_limit: int = 5  # results per need when several needs are asked (sections)

    @property
    def eligibility_facts(self) -> dict[str, Any]:
        """The facts with those derived from them: the participant's town, which the service-area rule
        reads, and whether pregnant or parenting (``eligibility.participant_facts``)."""
        return eligibility.participant_facts(self.facts, self.point.town if self.point else None)


class NeedError(ValueError):
    def __init__(self, unknown: list[str]):
        self.unknown = unknown
        self.suggestions = {term: suggest_needs(term) for term in unknown}
        super().__init__(f"unknown needs: {', '.join(unknown)}")


def suggest_needs(term: str, n: int = 3) -> list[str]:
    """Need codes whose words are closest to a term that resolved to nothing."""
    folded = taxonomy.fold(term)
    close = difflib.get_close_matches(folded, list(taxonomy.WORD_INDEX), n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(c for word in close for c in sorted(taxonomy.WORD_INDEX[word])))[:n]


def resolve_needs(terms: list[str]) -> list[str]:
    """Codes or everyday / Spanish words -> codes. Raises NeedError naming what did not resolve."""
    codes: set[str] = set()
    unknown: list[str] = []
    for term in terms:
        found = taxonomy.resolve(term)
        if found:
            codes.update(found)
        else:
            unknown.append(term)
    if unknown:
        raise NeedError(unknown)
    return sorted(codes)


def resolve_location(*, lat: float | None = None, lon: float | None = None, zip_code: str | None = None,
                     near: str | None = None) -> Located | places.Corner | None:
    """Coordinates, a ZIP, or a place in words -> a point in Connecticut (or a street corner to locate).

    Raises ``PlaceError`` for a place that cannot be found or lies outside Connecticut.
    """
    if lat is not None and lon is not None:
        return places.from_coordinates(lat, lon)
    if zip_code:
        return places.from_zip(zip_code)
    if near:
        return places.parse_place(near)
    return None

