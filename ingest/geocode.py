"""Geocoding for ingest: coordinates given -> cache -> geopy geocoder (optional) -> centroids.

Every located record carries a quality level (``provided``, ``cache``, ``geocoder``,
``zip_centroid``, ``town_centroid`` or ``none``) that is stored and shown, because a site
placed at a ZIP centroid can be a mile or more from its door.

The geopy geocoder is off by default: the machines this runs on have no internet. With
``LEAD_GEOCODER=nominatim`` (or any geopy geocoder name) it is tried before the centroids, and
its answers are cached in the store so a re-run asks no twice.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from directory.taxonomy import fold

CT_BOUNDS = (40.9, 42.1, -73.8, -71.7)  # lat min, lat max, lon min, lon max
# Abbreviations seen in real Connecticut feeds that the town-variant list lacks.
EXTRA_TOWN_VARIANTS = {"BPT": "BRIDGEPORT", "HTFD": "HARTFORD", "E HARTFORD": "EAST HARTFORD",
                       "W HARTFORD": "WEST HARTFORD", "W HAVEN": "WEST HAVEN", "NEW HAVEN CT": "NEW HAVEN"}
JUNK_ADDRESSES = {"xxx", "tbd", "unavailable", "unknown", "n a", "na", "none", "confidential"}


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    quality: str


def data_rows(name: str) -> list[dict[str, str]]:
    with resources.files("ingest").joinpath("data", name).open(encoding="utf-8", newline="") as fh:
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
        weight = pops.get(z["zip_code"], 1.0) or 1.0
        acc = sums.setdefault((city, state), [0.0, 0.0, 0.0])
        acc[0] += lat * weight
        acc[1] += lon * weight
        acc[2] += weight
    return {key: (a / w, b / w) for key, (a, b, w) in sums.items() if w}


def canonical_town(name: str | None, state: str | None = "CT") -> str | None:
    """'Harford' -> 'HARTFORD' for Connecticut; other states: upper-cased as given."""
    if not name:
        return None
    key = fold(name).upper()
    if (state or "CT").upper() == "CT":
        return town_variants().get(key)
    return key or None


def in_connecticut(lat: float, lon: float) -> bool:
    lo_lat, hi_lat, lo_lon, hi_lon = CT_BOUNDS
    return lo_lat <= lat <= hi_lat and lo_lon <= lon <= hi_lon


def cache_key(address: dict) -> str:
    text = "|".join(fold(str(address.get(k) or "")) for k in ("address_1", "city", "state_province", "postal_code"))
    return hashlib.sha1(text.encode()).hexdigest()


def is_junk(text: str | None) -> bool:
    return not text or fold(text) in JUNK_ADDRESSES


class Geocoder:
    """Locates addresses, trying each method in turn, and counts which method answered."""

    def __init__(self, *, cache_get: Callable[[list[str]], dict[str, dict]] | None = None,
                 cache_put: Callable[[dict[str, dict]], None] | None = None,
                 geocoder_name: str = "", user_agent: str = "lead-directory",
                 geocode_fn: Callable[[str], Any] | None = None):
        self._cache_get, self._cache_put = cache_get, cache_put
        self._cache: dict[str, dict] = {}
        self._new_entries: dict[str, dict] = {}
        self._geocode = geocode_fn
        if self._geocode is None and geocoder_name:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import get_geocoder_for_service

            service = get_geocoder_for_service(geocoder_name)(user_agent=user_agent, timeout=5)
            self._geocode = RateLimiter(service.geocode, min_delay_seconds=1.0, max_retries=1,
                                        swallow_exceptions=True)

    def prefetch(self, addresses: list[dict]) -> None:
        """Load cached answers for many addresses in one round trip."""
        if self._cache_get:
            self._cache.update(self._cache_get([cache_key(a) for a in addresses if a]))

    def flush(self) -> None:
        if self._cache_put and self._new_entries:
            self._cache_put(self._new_entries)
        self._new_entries = {}

    def locate(self, address: dict | None, lat: float | None = None, lon: float | None = None) -> Place | None:
        if lat is not None and lon is not None:
            return Place(lat, lon, "provided")
        address = address or {}
        if not is_junk(address.get("address_1")):
            key = cache_key(address)
            if key in self._cache:
                hit = self._cache[key]
                return Place(hit["point"]["lat"], hit["point"]["lon"], "cache")
            if self._geocode:
                query = ", ".join(str(address[k]) for k in ("address_1", "city", "state_province", "postal_code")
                                  if address.get(k))
                found = self._geocode(query)
                if found is not None:
                    place = Place(float(found.latitude), float(found.longitude), "geocoder")
                    entry = {"query": query, "point": {"lat": place.lat, "lon": place.lon}, "quality": "geocoder"}
                    self._cache[key] = self._new_entries[key] = entry
                    return place
        return centroid(address)


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
