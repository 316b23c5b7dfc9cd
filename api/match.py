"""Search endpoints: match a participant, browse the directory, the officer's nearby mode, the bed
board and the need taxonomy. Each parses, calls ``matching.service``, and serialises."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_smorest import abort
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.auth import require, user
from api.problem import documents_errors, problem
from api.runtime import Blueprint, request_language, runtime, shaped
from api.schemas import BedBoardSchema, BrowseResponseSchema, MatchResponseSchema, NearbyResponseSchema
from directory import eligibility, permissions, places, taxonomy
from directory.places import PlaceError
from directory.vocabulary import INSURANCE, LANGUAGES, Choice, ChoiceMessage
from matching.freshness import STATUSES
from matching.profile import NeedError, Profile, resolve_needs
from matching.query import MAX_PAGE_SIZE, Browse
from matching.service import NEARBY_GROUPS

blp = Blueprint("matching", __name__, url_prefix="/api/v1", description="Matching and search")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(_Strict):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}(-\d{4})?$", error="must be a 5-digit ZIP code"))
    text = fields.String(validate=validate.Length(min=2, max=200), metadata={
        "description": "A town, neighbourhood ('Frog Hollow'), street corner ('Park St & Broad St, Hartford') or ZIP"})

    @validates_schema
    def _one(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")
        if not data:
            raise ValidationError("give lat and lon, zip, or text")


# How far from now ``at`` may be: "what is open at 10 pm tonight", or on a day this month; a time years away
# is a typing slip, not a question.
AT_WINDOW = timedelta(days=31)


class LocalTime(fields.String):
    """A local date and time (``2026-12-08T22:00``, America/New_York) or one with its offset, within
    ``AT_WINDOW`` of now: the time whose opening hours a search asks about."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001 - marshmallow hook
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 40:
            raise ValidationError("must be a local date and time such as 2026-12-08T22:00")
        try:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("must be a local date and time such as 2026-12-08T22:00") from None
        rt = runtime()
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(rt.settings.timezone))
        now = rt.search.clock()
        try:
            far = abs(when - now) > AT_WINDOW
        except OverflowError:  # year 1 or 9999 with an offset: far enough
            far = True
        if far:
            raise ValidationError(f"must be within {AT_WINDOW.days} days of now")
        return when


AT_DESCRIPTION = ("A local date and time (America/New_York unless an offset is given), e.g. 2026-12-08T22:00: "
                  "opening hours are read at that time instead of now (capacity freshness stays now's)")


def _fact_field(dim: eligibility.Dimension) -> fields.Field:
    """The match request field for one eligibility dimension of the table."""
    meta = {"description": dim.profile_description}
    if dim.kind == "range":
        return fields.Integer(strict=True, validate=validate.Range(0, 120), metadata=meta)
    if dim.kind == "member":
        return Choice(dim.vocabulary, metadata=meta)
    if dim.kind in ("overlap", "excludes"):
        return fields.List(Choice(dim.vocabulary), validate=validate.Length(max=len(dim.vocabulary.codes)),
                           metadata=meta)
    return fields.Boolean(metadata=meta)


MatchRequestSchema = _Strict.from_dict({
    "location": fields.Nested(LocationSchema, required=True),
    "needs": fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                         validate=validate.Length(min=1, max=10),
                         metadata={"description": "Need codes or everyday English or Spanish words"}),
    **{name: _fact_field(dim) for name, dim in eligibility.PROFILE_FIELDS.items()},
    "languages": fields.List(Choice(LANGUAGES), validate=validate.Length(max=5), metadata={
        "description": "Languages the participant speaks: programs whose staff speak one (other than English) "
                       "rank first, the best few at the top when any are within reach"}),
    "must_speak": fields.List(Choice(LANGUAGES), validate=validate.Length(min=1, max=5), metadata={
        "description": "A requirement: only programs whose staff are stated to speak one of these languages"}),
    "at": LocalTime(metadata={"description": AT_DESCRIPTION}),
    "section_limit": fields.Integer(load_default=5, strict=True, validate=validate.Range(1, 20), metadata={
        "description": "With several needs, results per need in each of the sections"}),
    "urgency": fields.String(load_default="this_week", validate=validate.OneOf(("now", "today", "this_week"))),
    "max_miles": fields.Float(validate=validate.Range(0.1, 150)),
    "include_full": fields.Boolean(load_default=False),
    "limit": fields.Integer(load_default=10, strict=True, validate=validate.Range(1, 50)),
    "diversify": fields.Boolean(load_default=True),
    "query": fields.String(validate=validate.Length(max=200)),
    "referral_outcomes": fields.Boolean(load_default=False, metadata={
        "description": "Case managers: give each result its referral acceptance and decline over the last 90 days "
                       "(one more engine request; ignored for other roles)"}),
}, name="MatchRequestSchema")


def _need_problem(exc: NeedError, field: str):
    errors = [{"field": field, "message": f"unknown need {t!r}", "did_you_mean": exc.suggestions[t]}
              for t in exc.unknown]
    return problem(422, f"{exc}; see GET /api/v1/taxonomy for the needs and their everyday words", errors=errors)


def _place_problem(exc: PlaceError, field: str):
    return problem(422, str(exc), errors=[{"field": field, "message": str(exc)}])


@blp.route("/match", methods=["POST"])
@require("search.match")
@blp.arguments(MatchRequestSchema)
@blp.response(200, MatchResponseSchema)
@documents_errors(blp, 400, 401, 403, 413, 415, 422)
def match_participant(body: dict):
    """Rank listings for a participant profile, with reasons and cautions. The profile is never stored or logged."""
    try:
        profile = profile_from(body)
    except NeedError as exc:
        return _need_problem(exc, "needs")
    except PlaceError as exc:
        return _place_problem(exc, "location")
    return shaped(runtime().search.match(profile, request_language(),
                                         outcomes=body["referral_outcomes"] and permissions.may(user(), "referral.outcomes")))


# Who sees referral outcome rates on match results (the issue: case managers).


def profile_from(body: dict) -> Profile:
    """A participant profile from a loaded ``MatchRequestSchema`` body (the API's and the case manager
    page's): needs resolved, the place located. Raises ``NeedError`` or ``PlaceError``."""
    needs = resolve_needs(body["needs"])
    loc = body["location"]
    point = runtime().search.locate(lat=loc.get("lat"), lon=loc.get("lon"), zip_code=loc.get("zip"),
                                    near=loc.get("text"))
    return Profile(
        needs=needs, point=point, facts={k: body[k] for k in eligibility.PROFILE_FIELDS if k in body},
        languages=body.get("languages") or [], must_speak=body.get("must_speak") or [], urgency=body["urgency"],
        at=body.get("at"), max_miles=body.get("max_miles"), include_full=body["include_full"], limit=body["limit"],
        diversify=body["diversify"], query=body.get("query"), section_limit=body["section_limit"])


class PlaceQuerySchema(_Strict):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}$", error="must be a 5-digit ZIP code"))
    near = fields.String(validate=validate.Length(min=2, max=200), metadata={
        "description": "A town, neighbourhood ('Fair Haven'), street corner ('Park St & Broad St, Hartford') or ZIP"})

    @validates_schema
    def _pairs(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")


class NearbyQuerySchema(PlaceQuerySchema):
    need = fields.String(required=True, validate=validate.OneOf(sorted(NEARBY_GROUPS)))
    radius = fields.Float(load_default=5.0, validate=validate.Range(0.1, 50))
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))
    language = fields.List(Choice(LANGUAGES), load_default=list, validate=validate.Length(max=5), metadata={
        "description": "Staff must speak one of these languages (a requirement)"})
    at = LocalTime(metadata={"description": AT_DESCRIPTION})

    @validates_schema
    def _somewhere(self, data: dict, **_) -> None:
        if not ({"lat", "zip", "near"} & set(data)):
            raise ValidationError("give lat and lon, zip, or near", "near")


def _locate(args: dict):
    try:
        return runtime().search.locate(lat=args.get("lat"), lon=args.get("lon"), zip_code=args.get("zip"),
                                       near=args.get("near")), None
    except PlaceError as exc:
        return None, _place_problem(exc, "near" if args.get("near") else ("zip" if args.get("zip") else "lat"))


@blp.route("/nearby")
@require("search.match")
@blp.arguments(NearbyQuerySchema, location="query", unknown=RAISE)
@blp.response(200, NearbyResponseSchema)
@documents_errors(blp, 401, 403, 422)
def nearby(args: dict):
    """Officer quick mode: nearest first, open now with walk-in or room, then open now, then closed with
    their next opening (and a message when nothing is open). Each result says who it serves. The same
    search is `POST /api/v1/nearby` with these fields in a body, which keeps the place out of URLs."""
    return _nearby(args)


@blp.route("/nearby", methods=["POST"])
@require("search.match")
@blp.arguments(NearbyQuerySchema)
@blp.response(200, NearbyResponseSchema)
@documents_errors(blp, 400, 401, 403, 415, 422)
def nearby_by_body(body: dict):
    """`GET /api/v1/nearby` with its fields in a JSON body: the place searched stays out of URLs (access and
    proxy logs keep URLs)."""
    return _nearby(body)


def _nearby(args: dict):
    point, error = _locate(args)
    if error:
        return error
    return shaped(runtime().search.nearby(point, args["need"], miles=args["radius"], limit=args["limit"],
                                          lang=request_language(), at=args.get("at"),
                                          languages=args["language"] or None))


class TaxonomyNodeSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_es = fields.String()
    words = fields.List(fields.String())
    words_es = fields.List(fields.String())
    open_eligibility = fields.List(fields.String())
    children = fields.List(fields.Nested(lambda: TaxonomyNodeSchema()))


@blp.route("/taxonomy")
@require("directory.browse")
@blp.response(200, TaxonomyNodeSchema(many=True))
@documents_errors(blp, 401)
def get_taxonomy():
    """The need taxonomy with everyday and Spanish words."""
    return taxonomy.as_tree()


class TownField(fields.String):
    """A Connecticut town in any common spelling ('Harford', 'HTFD'), loaded as its one spelling."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001 - marshmallow hook
        text = super()._deserialize(value, attr, data, **kwargs)
        town = places.canonical_town(text)
        if not town:
            guesses = places.town_suggestions(text)
            hint = f"; did you mean {' or '.join(repr(g) for g in guesses)}?" if guesses else ""
            raise ValidationError(ChoiceMessage(f"{text!r} is not a Connecticut town{hint}", did_you_mean=guesses))
        return town


class BrowseQuerySchema(PlaceQuerySchema):
    q = fields.String(validate=validate.Length(max=200))
    need = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                       validate=validate.Length(max=10))
    radius = fields.Float(validate=validate.Range(0.1, 150))
    open_now = fields.Boolean()
    language = fields.List(Choice(LANGUAGES), load_default=list, validate=validate.Length(max=5))
    insurance = fields.List(Choice(INSURANCE), load_default=list, validate=validate.Length(max=7))
    age = fields.Integer(validate=validate.Range(0, 120))
    gender = Choice(eligibility.BY_NAME["gender"].vocabulary)
    moud = Choice(eligibility.BY_NAME["moud"].vocabulary)
    walk_in = fields.Boolean()
    capacity = fields.List(fields.String(validate=validate.OneOf(STATUSES)), load_default=list,
                           validate=validate.Length(max=4))
    town = fields.List(TownField(), load_default=list, validate=validate.Length(max=20))
    sort = fields.String(validate=validate.OneOf(("relevance", "distance")), metadata={
        "description": "Default: distance when a location is given, else relevance"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 200))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE))

    @validates_schema
    def _sorting(self, data: dict, **_) -> None:
        if data.get("sort") == "distance" and not ({"lat", "zip", "near"} & set(data)):
            raise ValidationError("sorting by distance needs a location (lat/lon, zip or near)", "sort")


@blp.route("/services")
@require("directory.browse")
@blp.arguments(BrowseQuerySchema, location="query", unknown=RAISE)
@blp.response(200, BrowseResponseSchema)
@documents_errors(blp, 401, 422)
def browse(args: dict):
    """Browse the directory: free text (expanded through everyday and Spanish words), filters, and facet
    counts by need, town and capacity (each counted under every filter but its own). The same search is
    `POST /api/v1/services/search` with these fields in a body, which keeps places and words out of URLs."""
    return _browse(args)


@blp.route("/services/search", methods=["POST"])
@require("directory.browse")
@blp.arguments(BrowseQuerySchema)
@blp.response(200, BrowseResponseSchema)
@documents_errors(blp, 400, 401, 415, 422)
def browse_by_body(body: dict):
    """`GET /api/v1/services` with its fields in a JSON body (lists as arrays): the place and words searched stay
    out of URLs (access and proxy logs keep URLs)."""
    return _browse(body)


def _browse(args: dict):
    try:
        needs = resolve_needs(args["need"]) if args["need"] else []
    except NeedError as exc:
        return _need_problem(exc, "need")
    point, error = _locate(args)
    if error:
        return error
    facts = {k: args[k] for k in ("age", "gender", "insurance", "moud") if args.get(k) not in (None, [])}
    b = Browse(q=args.get("q"), needs=needs, point=point, radius_miles=args.get("radius") or (10.0 if point else None),
               open_now=bool(args.get("open_now")), languages=args["language"], facts=facts,
               walk_in=args.get("walk_in"), capacity=args["capacity"], towns=args["town"], sort=args.get("sort"),
               page=args["page"], page_size=args["page_size"],
               organizations=user().organizations
               if permissions.scope(user(), "directory.browse") == permissions.OWN_ORGANIZATION else None)
    if b.page * b.page_size > 10000:
        abort(422, message="Pages beyond the first 10,000 results are not served; narrow the search.")
    return shaped(runtime().search.browse(b, request_language()))


@blp.route("/capacity")
@require("search.match")
@blp.response(200, BedBoardSchema)
@documents_errors(blp, 401, 403)
def bed_board():
    """Available beds or slots by need group and town. Figures not confirmed within the freshness
    window are not counted as available; they are reported as unconfirmed programs."""
    return runtime().search.bed_board(request_language())
