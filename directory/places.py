"""Places in Connecticut, offline: ZIP and town centroids, town-name variants, neighbourhoods, streets.

Both ingest (locating a program's site) and matching (locating a participant) read these tables,
so they belong to the directory. Every lookup works without the internet; a geopy geocoder, when
configured, is tried by ingest before these centroids.
"""
from __future__ import annotations

import csv
import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from directory.taxonomy import fold

CT_BOUNDS = (40.9, 42.1, -73.8, -71.7)  # lat min, lat max, lon min, lon max
# Abbreviations seen in real Connecticut feeds that the town-variant list lacks.
EXTRA_TOWN_VARIANTS = {"BPT": "BRIDGEPORT", "HTFD": "HARTFORD", "E HARTFORD": "EAST HARTFORD",
                       "W HARTFORD": "WEST HARTFORD", "W HAVEN": "WEST HAVEN", "NEW HAVEN CT": "NEW HAVEN"}
JUNK_ADDRESSES = {"xxx", "tbd", "unavailable", "unknown", "n a", "na", "none", "confidential"}
STREET_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
    "lane": "ln", "place": "pl", "court": "ct", "terrace": "ter", "highway": "hwy", "turnpike": "tpke",
    "parkway": "pkwy", "square": "sq", "north": "n", "south": "s", "east": "e", "west": "w",
    "first": "1st", "second": "2nd", "third": "3rd",
}
EARTH_MILES = 3958.7613


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    quality: str  # provided, cache, geocoder, zip_centroid, town_centroid


def data_rows(name: str) -> list[dict[str, str]]:
    """Rows of one of the CSV tables shipped in ``directory/data``."""
    with resources.files("directory").joinpath("data", name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def zip_centroids() -> dict[str, tuple[float, float, str, str]]:
    """ZIP -> (lat, lon, city, state). CT from population-weighted ZCTA centroids, the rest from zipcodes."""
    import zipcodes

    table: dict[str, tuple[float, float, str, str]] = {}
    for z in zipcodes.list_all():
        if z.get("lat") and z.get("long"):
            table[z["zip_code"]] = (float(z["lat"]), float(z["long"]), z["city"].upper(), z["state"])
    for row in data_rows("ct_zcta_centroids.csv"):
        zip5 = row["GEOID"].zfill(5)
        city = table.get(zip5, (0, 0, "", "CT"))[2]
        table[zip5] = (float(row["Y"]), float(row["X"]), city, "CT")
    return table


@lru_cache(maxsize=1)
def town_variants() -> dict[str, str]:
    """Folded, upper-case spelling -> one of the 169 Connecticut towns."""
    variants = {fold(r["name"]).upper(): r["real.town.name"].upper() for r in data_rows("ct_town_variants.csv")}
    variants.update({fold(k).upper(): v for k, v in EXTRA_TOWN_VARIANTS.items()})
    for row in data_rows("ct_towns.csv"):
        variants.setdefault(fold(row["real.town.name"]).upper(), row["real.town.name"].upper())
    return variants


@lru_cache(maxsize=1)
def town_centroids() -> dict[tuple[str, str], tuple[float, float]]:
    """(TOWN, STATE) -> centroid; CT towns population-weighted over their ZIP areas."""
    import zipcodes

    sums: dict[tuple[str, str], list[float]] = {}
    pops = {r["GEOID"].zfill(5): float(r["POP"] or 0) for r in data_rows("ct_zcta_centroids.csv")}
    table = zip_centroids()
    for z in zipcodes.list_all():
        if z["zip_code"] not in table or z.get("zip_code_type") not in ("STANDARD", "UNIQUE", None):
            continue
        lat, lon, city, state = table[z["zip_code"]]
        if state == "CT":
            city = canonical_town(city) or city
        weight = pops.get(z["zip_code"], 1.0) or 1.0
        acc = sums.setdefault((city, state), [0.0, 0.0, 0.0])
        acc[0] += lat * weight
        acc[1] += lon * weight
        acc[2] += weight
    return {key: (a / w, b / w) for key, (a, b, w) in sums.items() if w}


def load() -> None:
    """Read every table now (the app calls this at start, not on an officer's first request)."""
    zip_centroids()
    town_centroids()
    neighbourhoods()


@lru_cache(maxsize=8192)
def canonical_town(name: str | None, state: str | None = "CT") -> str | None:
    """'Harford' -> 'HARTFORD' for Connecticut (None when unknown); other states: upper-cased as given."""
    if not name:
        return None
    key = fold(name).upper()
    if (state or "CT").upper() == "CT":
        return town_variants().get(key)
    return key or None


def town_suggestions(text: str, n: int = 3) -> list[str]:
    """Connecticut towns whose names are closest to ``text`` (for "did you mean")."""
    variants = town_variants()
    close = difflib.get_close_matches(fold(text).upper(), list(variants), n=n * 3, cutoff=0.7)
    return list(dict.fromkeys(town_label(variants[c]) for c in close))[:n]


def town_label(town: str | None) -> str | None:
    """'NEW HAVEN' -> 'New Haven': how a town key is shown."""
    return town.title() if town else None


def in_connecticut(lat: float, lon: float) -> bool:
    lo_lat, hi_lat, lo_lon, hi_lon = CT_BOUNDS
    return lo_lat <= lat <= hi_lat and lo_lon <= lon <= hi_lon


def miles_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance in miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a_lat, a_lon, b_lat, b_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_MILES * math.asin(math.sqrt(h))


def is_junk(text: str | None) -> bool:
    return not text or fold(text) in JUNK_ADDRESSES


def street_key(address_1: str | None) -> str:
    """'50 Brookside Road, Suite 2' -> '50 brookside rd'."""
    line = re.split(r",|\b(?:suite|ste|unit|fl|floor|room|rm)\b|#", (address_1 or "").lower())[0]
    words = [STREET_WORDS.get(w, w) for w in fold(line).split()]
    return " ".join(words)


def street_name_key(address_1: str | None) -> str:
    """The street without its house number: '50 Brookside Road' -> 'brookside rd'."""
    return re.sub(r"^\d+[a-z]?\s+", "", street_key(address_1))


STREET_TYPES = {"st", "ave", "rd", "blvd", "dr", "ln", "pl", "ct", "ter", "hwy", "tpke", "pkwy", "sq", "way", "cir"}


def street_core(street: str | None) -> str:
    """The distinctive words of a street name: 'Park Street' and 'Park St' -> 'park'."""
    words = street_name_key(street).split()
    while len(words) > 1 and words[-1] in STREET_TYPES:
        words.pop()
    return " ".join(words)


def centroid(address: dict) -> Place | None:
    """ZIP centroid, else town centroid (town-name variants repaired), else None."""
    zip5 = (address.get("postal_code") or "")[:5]
    if zip5 in zip_centroids():
        lat, lon, _, _ = zip_centroids()[zip5]
        return Place(lat, lon, "zip_centroid")
    state = (address.get("state_province") or "CT").upper()
    town = canonical_town(address.get("city"), state)
    if town and (town, state) in town_centroids():
        lat, lon = town_centroids()[(town, state)]
        return Place(lat, lon, "town_centroid")
    return None


def town_of_zip(zip5: str) -> str | None:
    entry = zip_centroids().get(zip5)
    return canonical_town(entry[2], entry[3]) if entry else None


@dataclass(frozen=True)
class Neighbourhood:
    town: str
    name: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def neighbourhoods() -> dict[str, list[Neighbourhood]]:
    """Folded name or alias -> the neighbourhoods of that name (several towns have a 'Downtown')."""
    out: dict[str, list[Neighbourhood]] = {}
    for row in data_rows("ct_neighbourhoods.csv"):
        hood = Neighbourhood(row["town"], row["neighbourhood"], float(row["lat"]), float(row["lon"]))
        for name in [row["neighbourhood"], *filter(None, (row.get("aliases") or "").split(";"))]:
            out.setdefault(fold(name), []).append(hood)
    return out


# ----- reading a place typed in words ------------------------------------------------------------
class PlaceError(ValueError):
    """A place that cannot be found, or one outside the directory's area."""


@dataclass(frozen=True)
class Located:
    lat: float
    lon: float
    resolved_by: str = "coordinates"  # coordinates, zip, neighbourhood, corner, town
    label: str | None = None
    town: str | None = None  # upper-case Connecticut town, for service-area checks


@dataclass(frozen=True)
class Corner:
    """Two streets that cross, in a town: located by the caller (geocoder or the directory's addresses)."""
    street_a: str
    street_b: str
    town: str
    text: str


_CORNER = re.compile(r"\s+(?:&|and|at|y|@|/)\s+|\s*&\s*", re.I)
_STATE_WORDS = re.compile(r"\b(ct|conn|connecticut)\b\.?", re.I)
_COORDS = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)\s*$")


def from_zip(zip_code: str) -> Located:
    zip5 = zip_code.strip()[:5].zfill(5)
    entry = zip_centroids().get(zip5)
    if not entry:
        raise PlaceError(f"unknown ZIP code {zip_code!r}")
    lat, lon, _, state = entry
    if state != "CT":
        raise PlaceError(f"ZIP code {zip5} is in {state}; this directory covers Connecticut")
    return Located(lat, lon, "zip", zip5, town_of_zip(zip5))


def from_coordinates(lat: float, lon: float) -> Located:
    if not in_connecticut(lat, lon):
        raise PlaceError(f"{lat:.4f}, {lon:.4f} is outside Connecticut; this directory covers Connecticut")
    return Located(lat, lon, "coordinates")


def _find_town(text: str) -> str | None:
    return canonical_town(_STATE_WORDS.sub("", text).strip(" ,.")) if text.strip() else None


def _neighbourhood(text: str, town: str | None) -> Neighbourhood | None:
    found = neighbourhoods().get(fold(_STATE_WORDS.sub("", text)))
    if not found:
        return None
    if town:
        found = [n for n in found if n.town == town]
    if len(found) > 1:
        towns = ", ".join(sorted({town_label(n.town) for n in found}))
        raise PlaceError(f"{found[0].name!r} is a neighbourhood of several towns ({towns}); add the town")
    return found[0] if found else None


def parse_place(text: str) -> Located | Corner:
    """A place typed in words: 'lat, lon', a ZIP, a neighbourhood ('Frog Hollow', 'Fair Haven, New Haven'),
    a street corner ('Park St & Broad St, Hartford') or a town (misspellings repaired).

    Raises ``PlaceError`` when nothing in Connecticut matches.
    """
    text = (text or "").strip()
    coords = _COORDS.match(text)
    if coords:
        return from_coordinates(float(coords.group(1)), float(coords.group(2)))
    digits = re.search(r"\b(\d{5})(?:-\d{4})?\b", text)
    if digits:
        return from_zip(digits.group(1))
    parts = [p.strip() for p in text.split(",") if p.strip() and not _STATE_WORDS.fullmatch(p.strip())]
    if not parts:
        raise PlaceError("type a ZIP code, a town, a neighbourhood or a street corner")
    town = _find_town(parts[-1]) if len(parts) > 1 else None
    head = ", ".join(parts[:-1]) if town else ", ".join(parts)
    hood = _neighbourhood(head, town)
    if hood:
        return Located(hood.lat, hood.lon, "neighbourhood", f"{hood.name}, {town_label(hood.town)}", hood.town)
    streets = [s.strip() for s in _CORNER.split(head) if s.strip()]
    if len(streets) == 2 and town:
        return Corner(streets[0], streets[1], town, text)
    whole = _find_town(head)
    if whole and not town:
        town = whole
    if town and (town, "CT") in town_centroids():
        lat, lon = town_centroids()[(town, "CT")]
        return Located(lat, lon, "town", town_label(town), town)
    raise PlaceError(f"could not find a Connecticut town, neighbourhood or ZIP code in {text!r}")


def town_centre(town: str) -> Located:
    lat, lon = town_centroids()[(town, "CT")]
    return Located(lat, lon, "town", town_label(town), town)
