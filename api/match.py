"""Matching endpoints: match a participant profile, the officer's nearby mode, and the taxonomy."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.app import runtime
from api.auth import EVERYONE, READERS, require, user
from api.problem import problem
from directory import hours, taxonomy
from directory.model import GENDERS, INSURANCE, MOUD, OFFENCE_EXCLUSIONS
from matching.profile import LocationError, NeedError, Profile, resolve_location, resolve_needs
from matching.explain import explain
from matching.query import MAX_PAGE_SIZE, browse_body, fresh_since
from matching.service import NEARBY_GROUPS, match, nearby_body

blp = Blueprint("matching", __name__, url_prefix="/api/v1", description="Matching and search")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(_Strict):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}(-\d{4})?$", error="must be a 5-digit ZIP code"))
    text = fields.String(validate=validate.Length(min=2, max=200))

    @validates_schema
    def _one(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")
        if not data:
            raise ValidationError("give lat and lon, zip, or text")


class MatchRequestSchema(_Strict):
    location = fields.Nested(LocationSchema, required=True)
    needs = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                        validate=validate.Length(min=1, max=10))
    age = fields.Integer(validate=validate.Range(0, 120))
    gender = fields.String(validate=validate.OneOf(GENDERS))
    insurance = fields.List(fields.String(validate=validate.OneOf(INSURANCE)), validate=validate.Length(max=7))
    moud = fields.String(validate=validate.OneOf(MOUD), metadata={
        "description": "Medication for opioid use disorder the participant is on"})
    currently_using = fields.Boolean(metadata={"description": "True excludes programs that require sobriety"})
    offences = fields.List(fields.String(validate=validate.OneOf(OFFENCE_EXCLUSIONS)),
                           validate=validate.Length(max=5), metadata={"description": "Exclusions that apply"})
    veteran = fields.Boolean()
    has_id = fields.Boolean()
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")), validate=validate.Length(max=5))
    urgency = fields.String(load_default="this_week", validate=validate.OneOf(("now", "today", "this_week")))
    max_miles = fields.Float(validate=validate.Range(0.1, 150))
    include_full = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    diversify = fields.Boolean(load_default=True)
    query = fields.String(validate=validate.Length(max=200))


class TaxonomyNodeSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_es = fields.String()
    words = fields.List(fields.String())
    words_es = fields.List(fields.String())
    open_eligibility = fields.List(fields.String())
    children = fields.List(fields.Nested(lambda: TaxonomyNodeSchema()))


class NearbyQuerySchema(_Strict):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    need = fields.String(required=True, validate=validate.OneOf(sorted(NEARBY_GROUPS)))
    radius = fields.Float(load_default=5.0, validate=validate.Range(0.1, 50))
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _location(loc: dict):
    return resolve_location(lat=loc.get("lat"), lon=loc.get("lon"), zip_code=loc.get("zip"), near=loc.get("text"))


@blp.route("/match", methods=["POST"])
@require(*READERS)
@blp.arguments(MatchRequestSchema)
@blp.response(200)
@blp.alt_response(422, description="Invalid profile; `errors` names the fields")
def match_view(body: dict):
    """Rank listings for a participant profile, with reasons and cautions. The profile is never stored or logged."""
    try:
        needs = resolve_needs(body["needs"])
    except NeedError as exc:
        return problem(422, str(exc), errors=[{"field": "needs", "message": f"unknown need {t!r}"} for t in exc.unknown])
    try:
        point = _location(body["location"])
    except LocationError as exc:
        return problem(422, str(exc), errors=[{"field": "location", "message": str(exc)}])
    profile = Profile(
        needs=needs, point=point, age=body.get("age"), gender=body.get("gender"), insurance=body.get("insurance") or [],
        moud=body.get("moud"), currently_using=body.get("currently_using"), offences=body.get("offences") or [],
        veteran=body.get("veteran"), has_id=body.get("has_id"), languages=body.get("languages") or [],
        urgency=body["urgency"], max_miles=body.get("max_miles"), include_full=body["include_full"],
        limit=body["limit"], diversify=body["diversify"], query=body.get("query"))
    rt = runtime()
    out = match(rt.es, rt.store.listings, profile, now_utc(), rt.settings.capacity_fresh_hours)
    out["needs"] = needs
    out["location"] = {"lat": point.lat, "lon": point.lon, "resolved_by": point.resolved_by, "label": point.label}
    return out


@blp.route("/nearby")
@require(*READERS)
@blp.arguments(NearbyQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
def nearby_view(args: dict):
    """Officer quick mode: the nearest listings open now that have room or take walk-ins."""
    rt = runtime()
    now = now_utc()
    point = resolve_location(lat=args["lat"], lon=args["lon"])
    fresh = fresh_since(now, rt.settings.capacity_fresh_hours)
    body = nearby_body(point, NEARBY_GROUPS[args["need"]], hours.minute_of_week(now), args["radius"], args["limit"],
                       fresh)
    resp = rt.es.search(index=rt.store.listings, body=body)
    items = []
    for hit in resp["hits"]["hits"]:
        d = hit["_source"]
        phones = (d.get("phones") or {}).get("items") or []
        cap = d.get("capacity") or {}
        items.append({
            "id": d["id"], "name": d["name"], "org": d["organization"]["name"],
            "address": f"{d['address'].get('address_1') or ''}, {d['address'].get('city') or ''}".strip(", "),
            "phone": phones[0]["number"] if phones else None, "miles": round(hit["sort"][0], 2),
            "lat": d["location"]["point"]["lat"], "lon": d["location"]["point"]["lon"],
            "walk_in": bool((d.get("access") or {}).get("walk_in")), "open_24_7": d["hours"].get("always_open"),
            "beds": cap.get("available") if cap.get("status") == "available" and
            (cap.get("updated_at") or "") >= fresh else None,
        })
    return {"need": args["need"], "results": items, "took_ms": resp["took"]}


@blp.route("/taxonomy")
@require(*EVERYONE)
@blp.response(200, TaxonomyNodeSchema(many=True))
def taxonomy_view():
    """The need taxonomy with everyday and Spanish words."""
    return taxonomy.as_tree()


class BrowseQuerySchema(_Strict):
    q = fields.String(validate=validate.Length(max=200))
    need = fields.List(fields.String(), load_default=list)
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}$", error="must be a 5-digit ZIP code"))
    near = fields.String(validate=validate.Length(min=2, max=200))
    radius = fields.Float(validate=validate.Range(0.1, 150))
    open_now = fields.Boolean()
    language = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")), load_default=list)
    insurance = fields.List(fields.String(validate=validate.OneOf(INSURANCE)), load_default=list)
    age = fields.Integer(validate=validate.Range(0, 120))
    walk_in = fields.Boolean()
    capacity = fields.List(fields.String(validate=validate.OneOf(("available", "waitlist", "full", "unknown"))),
                           load_default=list)
    sort = fields.String(load_default="relevance", validate=validate.OneOf(("relevance", "distance")))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 200))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE))

    @validates_schema
    def _pairs(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")
        if data.get("sort") == "distance" and not ({"lat", "zip", "near"} & set(data)):
            raise ValidationError("sorting by distance needs a location (lat/lon, zip or near)", "sort")


@blp.route("/services")
@require(*EVERYONE)
@blp.arguments(BrowseQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
def browse_view(args: dict):
    """Browse the directory: free text (expanded through everyday and Spanish words), filters and facets."""
    try:
        needs = resolve_needs(args["need"]) if args["need"] else []
    except NeedError as exc:
        return problem(422, str(exc), errors=[{"field": "need", "message": f"unknown need {t!r}"} for t in exc.unknown])
    try:
        point = resolve_location(lat=args.get("lat"), lon=args.get("lon"), zip_code=args.get("zip"),
                                 near=args.get("near"))
    except LocationError as exc:
        return problem(422, str(exc), errors=[{"field": "near" if args.get("near") else "zip", "message": str(exc)}])
    rt = runtime()
    now = now_utc()
    fresh = fresh_since(now, rt.settings.capacity_fresh_hours)
    body = browse_body(q=args.get("q"), needs=needs, point=point,
                       radius_miles=args.get("radius") or (10.0 if point else None),
                       open_minute=hours.minute_of_week(now) if args.get("open_now") else None,
                       languages=args["language"], insurance=args["insurance"], age=args.get("age"),
                       walk_in=args.get("walk_in"), capacity_status=args["capacity"], fresh_since_iso=fresh,
                       sort=args["sort"], page=args["page"], page_size=args["page_size"],
                       organizations=user().organizations if user().role == "provider" else None)
    resp = rt.es.search(index=rt.store.listings, body=body)
    profile = Profile(needs=needs, point=point)
    results = [explain(h["_source"], profile, now, rt.settings.capacity_fresh_hours, h.get("_score"))
               for h in resp["hits"]["hits"]]
    aggs = resp["aggregations"]
    return {
        "total": resp["hits"]["total"]["value"], "page": args["page"], "page_size": args["page_size"],
        "took_ms": resp["took"], "results": results,
        "facets": {
            "needs": [{"code": b["key"], "name": taxonomy.BY_CODE[b["key"]].name, "count": b["doc_count"]}
                      for b in aggs["needs"]["buckets"] if b["key"] in taxonomy.BY_CODE],
            "towns": [{"town": b["key"], "count": b["doc_count"]} for b in aggs["towns"]["buckets"]],
            "capacity": {k: v["doc_count"] for k, v in aggs["capacity"]["buckets"].items()},
        },
    }
