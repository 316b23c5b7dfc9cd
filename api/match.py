"""Search endpoints: match a participant, browse the directory, the officer's nearby mode, the bed
board and the need taxonomy. Each parses, calls ``api.usecases.search``, and serialises."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.auth import require, user
from api.inputs import MatchRequestSchema, NearbyQuerySchema, PlaceQuerySchema
from api.problem import documents_errors
from api.runtime import Blueprint, request_language, runtime, shaped
from api.schemas import BedBoardSchema, BrowseResponseSchema, MatchResponseSchema, NearbyResponseSchema
from api.usecases import search
from directory import eligibility, places, taxonomy
from directory.vocabulary import LANGUAGES, Choice, ChoiceMessage
from matching.freshness import STATUSES
from matching.query import MAX_PAGE_SIZE

blp = Blueprint("matching", __name__, url_prefix="/api/v1", description="Matching and search")


@blp.route("/match", methods=["POST"])
@require("search.match")
@blp.arguments(MatchRequestSchema)
@blp.response(200, MatchResponseSchema)
@documents_errors(blp, 400, 401, 403, 413, 415, 422)
def match_participant(body: dict):
    """Rank listings for a participant profile, with reasons and cautions. The profile is never stored or logged."""
    return shaped(search.match(runtime(), user(), body, request_language()))


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
    return shaped(search.nearby(runtime(), args, request_language()))


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

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        town = places.canonical_town(text)
        if not town:
            guesses = places.town_suggestions(text)
            hint = f"; did you mean {' or '.join(repr(g) for g in guesses)}?" if guesses else ""
            raise ValidationError(ChoiceMessage(f"{text!r} is not a Connecticut town{hint}", did_you_mean=guesses))
        return town


# The eligibility filters of the browse, one per row of the table marked ``browse``.
_BrowseFacts = PlaceQuerySchema.from_dict(
    {name: dim.kind.browse_field(dim) for name, dim in eligibility.BROWSE_FIELDS.items()}, name="BrowseFacts")


class BrowseQuerySchema(_BrowseFacts):
    q = fields.String(validate=validate.Length(max=200))
    need = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                       validate=validate.Length(max=10))
    radius = fields.Float(validate=validate.Range(0.1, 150))
    open_now = fields.Boolean()
    language = fields.List(Choice(LANGUAGES), load_default=list, validate=validate.Length(max=5))
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
    return shaped(search.browse(runtime(), user(), args, request_language()))


@blp.route("/capacity")
@require("search.match")
@blp.response(200, BedBoardSchema)
@documents_errors(blp, 401, 403)
def bed_board():
    """Available beds or slots by need group and town. Figures not confirmed within the freshness
    window are not counted as available; they are reported as unconfirmed programs."""
    return runtime().search.bed_board(request_language())
