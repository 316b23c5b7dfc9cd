"""Match, nearby and browse send the search service's answer as it is (``api.runtime.shaped``), without
the response schema's dump: the answer must already be exactly what that dump would produce."""
from __future__ import annotations

import pytest

from api.schemas import BrowseResponseSchema, MatchResponseSchema, NearbyResponseSchema
from ingest import pipeline
from ingest.geocode import Geocoder
from matching.service import NEARBY_GROUPS
from tests.conftest import ROOT

pytestmark = pytest.mark.es

MATCHES = [
    {"location": {"zip": "06106"}, "needs": ["detox"], "age": 34, "gender": "male", "insurance": ["medicaid"],
     "moud": "methadone", "languages": ["es"], "urgency": "now"},
    {"location": {"text": "Fair Haven"}, "needs": ["shelter", "food"], "veteran": False, "offences": ["arson"]},
    {"location": {"lat": 41.7637, "lon": -72.6851}, "needs": ["residential treatment"], "max_miles": 25,
     "include_full": True, "limit": 25, "query": "spanish"},
    {"location": {"zip": "06511"}, "needs": ["mental health", "suboxone"], "urgency": "today", "has_id": False},
    {"location": {"zip": "06106"}, "needs": ["shelter"], "referral_outcomes": True},
]
BROWSES = [
    "need=housing&zip=06106", "q=detox&town=Hartford&capacity=available", "lat=41.31&lon=-72.92&radius=5&sort=relevance",
    "need=substance_use&open_now=true&language=es&page=2&page_size=5", "insurance=medicaid&age=30&gender=female",
]


@pytest.fixture
def seeded(store):
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    return store


@pytest.mark.parametrize("lang", ["en", "es"])
def test_search_answers_are_exactly_what_their_schemas_dump(seeded, client, lang):
    headers = {"Accept-Language": lang}
    checked = 0
    for body in MATCHES:
        resp = client.post("/api/v1/match", json=body, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        assert MatchResponseSchema().dump(resp.get_json()) == resp.get_json()
        checked += len(resp.get_json()["results"])
    for group in NEARBY_GROUPS:
        resp = client.get(f"/api/v1/nearby?need={group}&zip=06106&radius=20", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        assert NearbyResponseSchema().dump(resp.get_json()) == resp.get_json()
        checked += len(resp.get_json()["results"])
    for query in BROWSES:
        resp = client.get(f"/api/v1/services?{query}", headers=headers)
        assert resp.status_code == 200, (query, resp.get_json())
        assert BrowseResponseSchema().dump(resp.get_json()) == resp.get_json()
        checked += len(resp.get_json()["results"])
    assert checked > 100
