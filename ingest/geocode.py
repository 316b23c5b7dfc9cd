"""Geocoding for ingest: coordinates given -> cache -> geopy geocoder (optional) -> centroids.

Every located record carries a quality level (``provided``, ``cache``, ``geocoder``,
``zip_centroid``, ``town_centroid`` or ``none``) that is stored and shown, because a site
placed at a ZIP centroid can be a mile or more from its door.

The geopy geocoder is off by default: the machines this runs on have no internet. With
``LEAD_GEOCODER=nominatim`` (or any geopy geocoder name) it is tried before the centroids, and
its answers are cached in the store so a re-run asks no twice.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable

from directory.places import Place, centroid, is_junk
from directory.taxonomy import fold


def cache_key(address: dict) -> str:
    text = "|".join(fold(str(address.get(k) or "")) for k in ("address_1", "city", "state_province", "postal_code"))
    return hashlib.sha1(text.encode()).hexdigest()


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

