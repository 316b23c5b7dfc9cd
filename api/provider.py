"""Providers keep their listings and beds true: edits and capacity with ETag / If-Match."""
from __future__ import annotations

from flask import request
from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.bounds import REVISION_MAX
from api.inputs import CapacitySchema, ListingEditSchema
from api.problem import documents_errors
from api.runtime import Blueprint, request_language, runtime
from api.schemas import CapacityHistorySchema, ListingSchema
from api.usecases import listings
from api.usecases.errors import PreconditionRequired
from directory.store import EditResult

blp = Blueprint("provider", __name__, url_prefix="/api/v1", description="Provider updates and capacity")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _if_match(required: bool) -> str | None:
    raw = request.headers.get("If-Match")
    if not raw:
        if required:
            raise PreconditionRequired("Send If-Match with the ETag you read, so a stale write cannot overwrite "
                                       "someone else's change.", errors=[{"field": "If-Match", "message": "required"}])
        return None
    # A compressed response's ETag carries its coding ("<tag>:gzip"); the listing's tag is the part before.
    return raw.strip().removeprefix("W/").strip('"').split(":", 1)[0]


def _written(done: EditResult):
    return runtime().search.view(done.doc, request_language()), 200, {"ETag": f'"{done.etag}"'}


ETAG_HEADER = {"ETag": {"description": "The listing's new ETag", "schema": {"type": "string"}}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
            "description": "The ETag read with the listing; a stale one gets 412 and changes nothing"}


@blp.route("/services/<string:listing_id>", methods=["PATCH"])
@require("listing.edit")
@blp.arguments(ListingEditSchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, ListingSchema, headers=ETAG_HEADER)
@documents_errors(blp, 400, 401, 403, 404, 412, 415, 422, 428)
def edit_listing(changes: dict, listing_id: str):
    """Change a listing's hours, phones, eligibility, languages, description, access or status."""
    return _written(listings.edit(runtime(), user(), listing_id, changes, if_version=_if_match(required=True)))


@blp.route("/services/<string:listing_id>/capacity", methods=["PUT"])
@require("listing.edit")
@blp.arguments(CapacitySchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, ListingSchema, headers=ETAG_HEADER)
@documents_errors(blp, 400, 401, 403, 404, 412, 415, 422, 428)
def put_capacity(body: dict, listing_id: str):
    """Post open beds or slots in one small call; a read of the listing shows it at once, search and match within a second."""
    return _written(listings.set_capacity(runtime(), user(), listing_id, body, if_version=_if_match(required=True)))


@blp.route("/services/<string:listing_id>/capacity/confirm", methods=["POST"])
@require("listing.edit")
@blp.response(200, ListingSchema, headers=ETAG_HEADER)
@documents_errors(blp, 401, 403, 404, 409, 412)
def confirm_capacity(listing_id: str):
    """"Still accurate": refresh the confirmation time without changing the numbers (If-Match optional)."""
    return _written(listings.confirm_capacity(runtime(), user(), listing_id, if_version=_if_match(required=False)))


class HistoryQuerySchema(_Strict):
    size = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    before = fields.Integer(validate=validate.Range(1, REVISION_MAX), metadata={
        "description": "Cursor: entries with a revision below this (the previous page's next_before)"})


@blp.route("/services/<string:listing_id>/capacity/history")
@require("capacity.history")
@blp.arguments(HistoryQuerySchema, location="query", unknown=RAISE)
@blp.response(200, CapacityHistorySchema)
@documents_errors(blp, 401, 403, 404, 422)
def capacity_history(args: dict, listing_id: str):
    """Every capacity change and confirmation, newest first and paged: revision, who, when, old and new."""
    return listings.capacity_history(runtime(), user(), listing_id, size=args["size"], before=args.get("before"))
