"""Run a match or a nearby search: one Elasticsearch request, then explanation in Python."""
from __future__ import annotations

from datetime import datetime

from elasticsearch import Elasticsearch

from matching import weights as W
from matching.explain import diversify, explain
from matching.profile import Point, Profile
from matching.query import ACTIVE, match_body

# Officer quick-mode need groups -> taxonomy codes.
NEARBY_GROUPS: dict[str, list[str]] = {
    "detox": ["substance_use.withdrawal_management"],
    "shelter": ["housing.emergency_shelter"],
    "crisis": ["mental_health.crisis"],
    "harm_reduction": ["substance_use.harm_reduction"],
    "naloxone": ["substance_use.harm_reduction.naloxone"],
    "methadone": ["substance_use.opioid_treatment_program"],
    "suboxone": ["substance_use.moud_prescriber"],
    "food": ["basic_needs.food"],
    "treatment": ["substance_use.residential", "substance_use.outpatient", "substance_use.intensive_outpatient"],
    "health": ["healthcare.primary_care", "healthcare.health_center"],
}


def match(es: Elasticsearch, index: str, profile: Profile, now: datetime, fresh_hours: float) -> dict:
    """Ranked, explained listings for a participant profile."""
    size = min(W.MAX_CANDIDATES, max(profile.limit * W.CANDIDATE_FACTOR, W.TOP_N * 3))
    resp = es.search(index=index, body=match_body(profile, now, fresh_hours, size))
    hits = resp["hits"]["hits"]
    # Diversify on the raw hits, then explain only what is returned.
    hits = diversify(hits, limit=profile.limit, org=lambda h: h["_source"]["organization"]["id"]) \
        if profile.diversify else hits[:profile.limit]
    results = [explain(h["_source"], profile, now, fresh_hours, h["_score"]) for h in hits]
    return {"total": resp["hits"]["total"]["value"], "took_ms": resp["took"], "results": results}


def nearby_body(point: Point, codes: list[str], now_minute: int, miles: float, size: int, fresh_since: str) -> dict:
    """Open now (or 24/7) and either has fresh capacity or takes walk-ins, nearest first."""
    return {
        "size": size,
        "query": {"bool": {"filter": [
            ACTIVE,
            {"terms": {"needs": codes}},
            {"term": {"hours.open": now_minute}},
            {"geo_distance": {"distance": f"{miles}mi", "location.point": {"lat": point.lat, "lon": point.lon}}},
            {"bool": {"should": [
                {"term": {"access.walk_in": True}},
                {"bool": {"filter": [{"term": {"capacity.status": "available"}},
                                     {"range": {"capacity.updated_at": {"gte": fresh_since}}}]}},
            ], "minimum_should_match": 1}},
        ]}},
        "sort": [{"_geo_distance": {"location.point": {"lat": point.lat, "lon": point.lon}, "unit": "mi",
                                    "order": "asc"}}, {"id": "asc"}],
        "_source": ["id", "name", "organization.name", "address.address_1", "address.city", "phones",
                    "location.point", "hours.always_open", "access.walk_in", "capacity"],
    }
