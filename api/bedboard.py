"""The bed board: open beds and slots by need group and town, with freshness."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_smorest import Blueprint

from api.app import runtime
from api.auth import READERS, require
from matching.query import ACTIVE, fresh_since

blp = Blueprint("capacity", __name__, url_prefix="/api/v1", description="Bed board")

# Grouped the way Connecticut's DMHAS bed board groups them, plus shelter.
GROUPS: dict[str, dict] = {
    "withdrawal_management": {"label": "Withdrawal management (detox)",
                              "filter": {"term": {"needs": "substance_use.withdrawal_management"}}},
    "residential_treatment": {"label": "Residential treatment",
                              "filter": {"term": {"needs": "substance_use.residential"}}},
    "recovery_houses": {"label": "Recovery houses (transitional)", "filter": {"term": {"needs": "housing.transitional"}}},
    "sober_houses": {"label": "Sober houses", "filter": {"term": {"needs": "housing.recovery_residence"}}},
    "walk_in": {"label": "Walk-in substance use services", "filter": {"bool": {"filter": [
        {"term": {"needs": "substance_use"}}, {"term": {"access.walk_in": True}}]}}},
    "shelter": {"label": "Emergency shelter", "filter": {"term": {"needs": "housing.emergency_shelter"}}},
}


def bed_board_body(fresh: str) -> dict:
    fresh_clause = {"range": {"capacity.updated_at": {"gte": fresh}}}
    per_town = {"terms": {"field": "address.town", "size": 200, "order": {"_key": "asc"}}, "aggs": {
        "fresh": {"filter": fresh_clause, "aggs": {
            "available": {"sum": {"field": "capacity.available"}},
            "waitlist": {"sum": {"field": "capacity.waitlist"}},
            "with_beds": {"filter": {"term": {"capacity.status": "available"}}},
        }},
        "stale": {"filter": {"bool": {"must": [{"exists": {"field": "capacity.updated_at"}}],
                                      "must_not": [fresh_clause]}}},
        "newest": {"max": {"field": "capacity.updated_at"}},
        "oldest": {"min": {"field": "capacity.updated_at"}},
    }}
    return {"size": 0, "query": {"bool": {"filter": [ACTIVE]}},
            "aggs": {name: {"filter": g["filter"], "aggs": {"towns": per_town}} for name, g in GROUPS.items()}}


@blp.route("/capacity")
@require(*READERS)
@blp.response(200)
def bed_board():
    """Available beds or slots by need group and town. Figures not confirmed within the freshness
    window are not counted as available; they are reported as unconfirmed programs."""
    rt = runtime()
    now = datetime.now(timezone.utc)
    resp = rt.es.search(index=rt.store.listings, body=bed_board_body(fresh_since(now, rt.settings.capacity_fresh_hours)))
    groups = []
    for name, group in GROUPS.items():
        towns = []
        for b in resp["aggregations"][name]["towns"]["buckets"]:
            towns.append({
                "town": b["key"], "programs": b["doc_count"],
                "available": int(b["fresh"]["available"]["value"]), "waitlist": int(b["fresh"]["waitlist"]["value"]),
                "programs_with_openings": b["fresh"]["with_beds"]["doc_count"],
                "programs_confirmed": b["fresh"]["doc_count"], "programs_unconfirmed": b["stale"]["doc_count"],
                "programs_no_capacity_reported": b["doc_count"] - b["fresh"]["doc_count"] - b["stale"]["doc_count"],
                "newest_update": b["newest"].get("value_as_string"),
            })
        groups.append({"group": name, "label": group["label"], "available": sum(t["available"] for t in towns),
                       "towns": towns})
    return {"fresh_hours": rt.settings.capacity_fresh_hours, "as_of": now.isoformat(), "groups": groups}
