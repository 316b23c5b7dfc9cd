"""Pure query builders: a participant profile (or browse parameters) in, an Elasticsearch body out.

No cluster is needed to test these; compare the dicts. Field names are those of
``directory.documents.LISTING_MAPPINGS``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from directory import hours, taxonomy
from matching import weights as W
from matching.profile import Profile

ACTIVE = {"term": {"status": "active"}}
# What explaining a result reads; everything else stays in the engine.
RESULT_FIELDS = ["id", "name", "sample", "service.id", "organization.id", "organization.name", "address", "phones",
                 "location", "capacity", "hours.open", "hours.always_open", "hours.text", "access", "languages",
                 "needs", "needs_leaf", "age", "eligibility"]
METERS_PER_MILE = 1609.344
# Needs for which medication for opioid use disorder decides a placement.
MOUD_RELEVANT = ("housing", "substance_use.withdrawal_management", "substance_use.residential",
                 "substance_use.intensive_outpatient", "substance_use.outpatient")


def _unknown_or(known_field: str, clause: dict) -> dict:
    """Three-valued eligibility: pass when the dimension is not stated, or when it is satisfied."""
    return {"bool": {"should": [{"term": {known_field: False}}, clause], "minimum_should_match": 1}}


def _missing_or(field: str, clause: dict) -> dict:
    return {"bool": {"should": [{"bool": {"must_not": {"exists": {"field": field}}}}, clause],
                     "minimum_should_match": 1}}


def accepted_insurance(insurance: list[str]) -> list[str]:
    """Listing insurance values that serve a participant with this coverage ('free' serves everyone)."""
    accepted = set(insurance) | {"uninsured"}
    if not insurance or "uninsured" in insurance:
        accepted |= {"sliding_fee", "state_funded"}
    return sorted(accepted)


def fresh_since(now: datetime, fresh_hours: float) -> str:
    return (now - timedelta(hours=fresh_hours)).isoformat()


def eligibility_filters(p: Profile, now: datetime, fresh_hours: float) -> list[dict]:
    """Hard constraints: only a definite 'ineligible' excludes."""
    f: list[dict] = [ACTIVE]
    if p.needs:
        f.append({"terms": {"needs": p.needs}})
    if p.point and p.max_miles:
        f.append({"geo_distance": {"distance": f"{p.max_miles}mi",
                                   "location.point": {"lat": p.point.lat, "lon": p.point.lon}}})
    if p.age is not None:
        f.append(_missing_or("age", {"term": {"age": p.age}}))
    if p.gender:
        f.append(_unknown_or("eligibility.genders_known", {"term": {"eligibility.genders": p.gender}}))
    if p.insurance:
        f.append(_unknown_or("eligibility.insurance_known",
                             {"terms": {"eligibility.insurance": accepted_insurance(p.insurance)}}))
    if p.moud:
        f.append(_unknown_or("eligibility.moud_known", {"term": {"eligibility.moud_accepted": p.moud}}))
    must_not: list[dict] = []
    if p.currently_using:
        must_not.append({"term": {"eligibility.sobriety_required": True}})
    if p.offences:
        must_not.append({"terms": {"eligibility.offence_exclusions": p.offences}})
    if p.veteran is False or p.veteran is None:
        must_not.append({"term": {"eligibility.veterans_only": True}})
    if p.has_id is False:
        must_not.append({"term": {"eligibility.id_required": True}})
    if p.point and p.point.town:
        f.append(_missing_or("eligibility.service_area_towns",
                             {"term": {"eligibility.service_area_towns": p.point.town.lower()}}))
    if not p.include_full:
        # Full counts only when confirmed recently; a stale "full" is unknown and stays in.
        must_not.append({"bool": {"filter": [{"term": {"capacity.status": "full"}},
                                             {"range": {"capacity.updated_at": {"gte": fresh_since(now, fresh_hours)}}}]}})
    if must_not:
        f.append({"bool": {"must_not": must_not}})
    return f


def scoring_functions(p: Profile, now: datetime, fresh_hours: float) -> list[dict]:
    fresh = {"range": {"capacity.updated_at": {"gte": fresh_since(now, fresh_hours)}}}
    fns: list[dict] = [
        {"filter": {"bool": {"filter": [{"term": {"capacity.status": "available"}}, fresh]}},
         "weight": W.CAPACITY_AVAILABLE},
        {"filter": {"bool": {"filter": [{"term": {"capacity.status": "waitlist"}}, fresh]}},
         "weight": W.CAPACITY_WAITLIST},
        {"filter": {"terms": {"location.geocode_quality": ["provided", "geocoder", "cache"]}},
         "weight": W.PRECISE_LOCATION},
    ]
    if p.point:
        fns.append({"gauss": {"location.point": {
            "origin": {"lat": p.point.lat, "lon": p.point.lon}, "offset": f"{W.DISTANCE_OFFSET_MILES}mi",
            "scale": f"{W.DISTANCE_SCALE_MILES}mi", "decay": W.DISTANCE_DECAY}}, "weight": W.DISTANCE})
    if p.urgency in ("now", "today"):
        factor = 1.0 if p.urgency == "now" else W.URGENCY_TODAY_FACTOR
        minute = hours.minute_of_week(now)
        fns.append({"filter": {"term": {"hours.open": minute}}, "weight": W.OPEN_NOW_URGENT * factor})
        fns.append({"filter": {"term": {"access.walk_in": True}}, "weight": W.WALK_IN_URGENT * factor})
    if p.needs:
        fns.append({"filter": {"terms": {"needs_leaf": p.needs}}, "weight": W.EXACT_NEED})
    other_languages = [lang for lang in p.languages if lang != "en"]
    if other_languages:
        fns.append({"filter": {"terms": {"languages": other_languages}}, "weight": W.LANGUAGE_MATCH})
    for clause in confirmed_eligibility(p):
        fns.append({"filter": clause, "weight": W.ELIGIBILITY_CONFIRMED})
    return fns


def confirmed_eligibility(p: Profile) -> list[dict]:
    """One clause per eligibility dimension that a listing states *and* the participant meets."""
    out: list[dict] = []
    if p.age is not None:
        out.append({"term": {"age": p.age}})
    if p.gender:
        out.append({"term": {"eligibility.genders": p.gender}})
    if p.insurance:
        out.append({"terms": {"eligibility.insurance": accepted_insurance(p.insurance)}})
    if p.moud:
        out.append({"term": {"eligibility.moud_accepted": p.moud}})
    return out


def text_query(q: str) -> dict:
    """Typed text, expanded through the taxonomy's everyday and Spanish words."""
    codes = taxonomy.resolve(q)
    should: list[dict] = [{"multi_match": {"query": q, "fields": [
        "name^3", "organization.name^2", "service.description", "need_words^2", "source_terms",
        "service.eligibility_description", "address.city"], "operator": "or"}}]
    if codes:
        should.append({"terms": {"needs": codes, "boost": 3.0}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def match_body(p: Profile, now: datetime, fresh_hours: float, size: int) -> dict:
    """The one Elasticsearch request for a match."""
    base: dict = {"bool": {"filter": eligibility_filters(p, now, fresh_hours)}}
    if p.query:
        base["bool"]["must"] = [text_query(p.query)]
    body: dict = {
        "size": size,
        "track_total_hits": True,
        "query": {"function_score": {"query": base, "functions": scoring_functions(p, now, fresh_hours),
                                     "score_mode": "sum", "boost_mode": "sum" if p.query else "replace"}},
        "_source": RESULT_FIELDS,
        "sort": ["_score", {"id": "asc"}],
    }
    return body


MAX_PAGE_SIZE = 50


def browse_body(*, q: str | None, needs: list[str], point=None, radius_miles: float | None = None,
                open_minute: int | None = None, languages: list[str] | None = None,
                insurance: list[str] | None = None, age: int | None = None, walk_in: bool | None = None,
                capacity_status: list[str] | None = None, fresh_since_iso: str | None = None,
                sort: str = "relevance", page: int = 1, page_size: int = 20,
                organizations: list[str] | None = None) -> dict:
    """Browse and filter the directory, with facet counts by need, town and capacity status.

    Facets are computed over the query *before* the facet filters, as post_filter, so a case
    manager sees how many listings each other choice would give.
    """
    base: list[dict] = [ACTIVE]
    if organizations is not None:  # a provider sees its own organisations' listings
        base = [{"terms": {"organization.id": organizations}}]
    if point and radius_miles:
        base.append({"geo_distance": {"distance": f"{radius_miles}mi",
                                      "location.point": {"lat": point.lat, "lon": point.lon}}})
    if open_minute is not None:
        base.append({"term": {"hours.open": open_minute}})
    if languages:
        base.append({"terms": {"languages": languages}})
    if insurance:
        base.append(_unknown_or("eligibility.insurance_known",
                                {"terms": {"eligibility.insurance": accepted_insurance(insurance)}}))
    if age is not None:
        base.append(_missing_or("age", {"term": {"age": age}}))
    if walk_in is not None:
        base.append({"term": {"access.walk_in": walk_in}})
    query: dict = {"bool": {"filter": base}}
    if q:
        query["bool"]["must"] = [text_query(q)]
    post: list[dict] = []
    if needs:
        post.append({"terms": {"needs": needs}})
    if capacity_status:
        status_clauses = []
        for status in capacity_status:
            if status == "unknown":
                status_clauses.append({"bool": {"should": [
                    {"bool": {"must_not": {"exists": {"field": "capacity.status"}}}},
                    {"term": {"capacity.status": "unknown"}},
                    {"range": {"capacity.updated_at": {"lt": fresh_since_iso}}}], "minimum_should_match": 1}})
            else:
                status_clauses.append({"bool": {"filter": [{"term": {"capacity.status": status}},
                                                           {"range": {"capacity.updated_at": {"gte": fresh_since_iso}}}]}})
        post.append({"bool": {"should": status_clauses, "minimum_should_match": 1}})
    body: dict = {
        "query": query,
        "from": (page - 1) * page_size,
        "size": page_size,
        "track_total_hits": True,
        "_source": {"excludes": ["record", "need_words", "schedules"]},
        "aggs": {
            "needs": {"terms": {"field": "needs", "size": 60}},
            "towns": {"terms": {"field": "address.town", "size": 30}},
            "capacity": {"filters": {"filters": {
                "available": {"bool": {"filter": [{"term": {"capacity.status": "available"}},
                                                  {"range": {"capacity.updated_at": {"gte": fresh_since_iso}}}]}},
                "waitlist": {"bool": {"filter": [{"term": {"capacity.status": "waitlist"}},
                                                 {"range": {"capacity.updated_at": {"gte": fresh_since_iso}}}]}},
                "full": {"bool": {"filter": [{"term": {"capacity.status": "full"}},
                                             {"range": {"capacity.updated_at": {"gte": fresh_since_iso}}}]}},
            }}},
        },
    }
    if post:
        body["post_filter"] = {"bool": {"filter": post}}
    if sort == "distance" and point:
        body["sort"] = [{"_geo_distance": {"location.point": {"lat": point.lat, "lon": point.lon}, "unit": "mi",
                                           "order": "asc"}}, {"id": "asc"}]
    else:
        body["sort"] = ["_score", {"name.raw": "asc"}, {"id": "asc"}]
    return body
