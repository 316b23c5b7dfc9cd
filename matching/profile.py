"""The participant profile a match is made for. Never stored, never logged."""
from __future__ import annotations

from dataclasses import dataclass, field

from directory import taxonomy
from ingest.geocode import canonical_town, centroid, zip_centroids


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    # How the point was found: "coordinates", "zip", "town"; shown so a case manager knows.
    resolved_by: str = "coordinates"
    label: str | None = None
    town: str | None = None  # upper-case town, for service-area (residency) checks


@dataclass
class Profile:
    needs: list[str]  # taxonomy codes (already resolved)
    point: Point | None = None
    age: int | None = None
    gender: str | None = None
    insurance: list[str] = field(default_factory=list)  # empty: not stated
    moud: str | None = None  # methadone / buprenorphine / naltrexone / None
    currently_using: bool | None = None  # True: sobriety-required programs are excluded
    offences: list[str] = field(default_factory=list)
    veteran: bool | None = None
    has_id: bool | None = None
    languages: list[str] = field(default_factory=list)
    urgency: str = "this_week"  # now / today / this_week
    max_miles: float | None = None
    include_full: bool = False
    limit: int = 10
    diversify: bool = True
    query: str | None = None


class LocationError(ValueError):
    pass


class NeedError(ValueError):
    def __init__(self, unknown: list[str]):
        super().__init__(f"unknown needs: {', '.join(unknown)}")
        self.unknown = unknown


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


def town_of_zip(zip5: str) -> str | None:
    entry = zip_centroids().get(zip5)
    return canonical_town(entry[2], entry[3]) if entry else None


def resolve_location(*, lat: float | None = None, lon: float | None = None, zip_code: str | None = None,
                     near: str | None = None) -> Point | None:
    """Coordinates, a ZIP or free text (an address or a town, misspellings repaired) -> a point."""
    if lat is not None and lon is not None:
        return Point(lat, lon, "coordinates")
    if zip_code:
        zip5 = zip_code.strip()[:5].zfill(5)
        if zip5 not in zip_centroids():
            raise LocationError(f"unknown ZIP code {zip_code!r}")
        la, lo, city, _ = zip_centroids()[zip5]
        return Point(la, lo, "zip", zip5, town_of_zip(zip5))
    if near:
        import re

        digits = re.search(r"\b(\d{5})\b", near)
        if digits and digits.group(1) in zip_centroids():
            return resolve_location(zip_code=digits.group(1))
        parts = [p.strip() for p in near.split(",") if p.strip()]
        for candidate in reversed(parts or [near]):
            town = canonical_town(re.sub(r"\b(ct|connecticut)\b", "", candidate, flags=re.I).strip(), "CT")
            if town:
                place = centroid({"city": town, "state_province": "CT"})
                if place:
                    return Point(place.lat, place.lon, "town", town.title(), town)
        raise LocationError(f"could not find a Connecticut town or ZIP code in {near!r}")
    return None
