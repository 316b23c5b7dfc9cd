"""Providers keep their listings and beds true: edits and capacity with ETag / If-Match."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.auth import require, user
from api.bounds import REVISION_MAX
from api.problem import documents_errors, problem
from api.runtime import Blueprint, request_language, runtime
from api.schemas import CapacityHistorySchema, ListingSchema
from directory import eligibility, hours, permissions
from directory.model import IMPORTED_CAPACITY_UNITS, SERVICE_STATUS, PhoneSchema, error_messages
from directory.accounts import User
from directory.errors import ListingNotFound, VersionConflict
from directory.store import EditResult
from directory.vocabulary import LANGUAGES, Choice

blp = Blueprint("provider", __name__, url_prefix="/api/v1", description="Provider updates and capacity")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _edit_field(dim: eligibility.Dimension) -> fields.Field:
    """The edit field of one eligibility column (``null`` sets it to "not stated")."""
    if dim.kind == "range":
        return fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 120))
    if dim.kind in ("requires", "only_for"):
        return fields.Boolean(allow_none=True, metadata={"description": dim.label.en})
    item = Choice(dim.vocabulary) if dim.vocabulary else fields.String(validate=validate.Length(min=2, max=60))
    return fields.List(item, allow_none=True, validate=validate.Length(max=200), metadata={"description": dim.label.en})


# API field -> record path. ``null`` sets a field to "not stated".
EDIT_PATHS = {
    "hours": "hours_text", "phones": "phones", "languages": "languages", "description": "service.description",
    "eligibility_description": "service.eligibility_description", "status": "service.status",
    "walk_in": "access.walk_in", "appointment_required": "access.appointment_required",
    **{column: path for dim in eligibility.DIMENSIONS for column, path in zip(dim.columns, dim.listing_paths)},
}

_EditFields = _Strict.from_dict({
    "hours": fields.String(allow_none=True, validate=validate.Length(max=500),
                           metadata={"description": "'24/7' or 'Mo-Fr 08:00-17:00; Sa 09:00-12:00'"}),
    "phones": fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=10)),
    "languages": fields.List(Choice(LANGUAGES), allow_none=True, validate=validate.Length(max=20)),
    "description": fields.String(allow_none=True, validate=validate.Length(max=4000)),
    "eligibility_description": fields.String(allow_none=True, validate=validate.Length(max=2000)),
    "status": fields.String(validate=validate.OneOf(SERVICE_STATUS)),
    "walk_in": fields.Boolean(allow_none=True),
    "appointment_required": fields.Boolean(allow_none=True),
    **{column: _edit_field(dim) for dim in eligibility.DIMENSIONS for column in dim.columns},
}, name="_EditFields")


class ListingEditSchema(_EditFields):
    """The fields a provider may change; eligibility fields come from the eligibility table."""

    @validates_schema
    def _check(self, data: dict, **_) -> None:
        if not data:
            raise ValidationError("send at least one field to change")
        if data.get("hours"):
            try:
                hours.parse_hours(data["hours"])
            except hours.HoursError as exc:
                raise ValidationError(str(exc), "hours") from exc
class CapacitySchema(_Strict):
    available = fields.Integer(strict=True, required=True, allow_none=True, validate=validate.Range(0, 100000))
    maximum = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 100000))
    # "other": a unit an import kept as its feed named it (unit_name); a provider keeps it or picks one of ours.
    unit = fields.String(load_default="beds", validate=validate.OneOf(IMPORTED_CAPACITY_UNITS))
    unit_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    waitlist = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 100000))
    wait_days = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 3650))
    accepting_new_clients = fields.Boolean(allow_none=True)

    @validates_schema
    def _bounds(self, data: dict, **_) -> None:
        a, m = data.get("available"), data.get("maximum")
        if a is not None and m is not None and a > m:
            raise ValidationError("available is above maximum", "available")


def _if_match(required: bool) -> tuple[str | None, object | None]:
    raw = request.headers.get("If-Match")
    if not raw:
        if required:
            return None, problem(428, "Send If-Match with the ETag you read, so a stale write cannot overwrite "
                                      "someone else's change.", errors=[{"field": "If-Match", "message": "required"}])
        return None, None
    # A compressed response's ETag carries its coding ("<tag>:gzip"); the listing's tag is the part before.
    return raw.strip().removeprefix("W/").strip('"').split(":", 1)[0], None


def _own_listing(listing_id: str):
    """The live listing, if this caller may change it; else the problem response to return."""
    try:
        doc, version = runtime().store.get(listing_id)
    except ListingNotFound:
        return None, None, problem(404, f"No listing {listing_id!r}.")
    if not user().can_edit(doc["organization"]["id"]):
        return None, None, problem(403, "You may change only your own organisation's listings.")
    return doc, version, None


class Forbidden(Exception):
    """The caller may not change this organisation's listings."""


def edit_paths(changes: dict) -> dict:
    """Edit fields (the API's names) -> record paths for ``Store.edit``."""
    return {EDIT_PATHS[k]: v for k, v in changes.items()}


def new_capacity(body: dict, who: User) -> dict:
    """Capacity as posted, stamped now by this person."""
    return {**body, "updated_at": datetime.now(timezone.utc).isoformat(), "updated_by": who.username}


def write_listing(listing_id: str, changes: dict, *, who: User, if_version: str | None,
                  capacity_kind: str | None = None) -> EditResult:
    """One provider write, shared by the API and the pages: authorised against the listing as it is
    written, with If-Match, and kept in the capacity history when it is a capacity change.

    Raises ``ListingNotFound``, ``Forbidden``, ``VersionConflict`` or ``ValidationError``.
    """
    rt = runtime()

    def authorize(current: dict) -> None:
        if not who.can_edit(current["organization"]["id"]):
            raise Forbidden

    return rt.store.edit(listing_id, changes, actor=who.username, if_version=if_version, authorize=authorize,
                         capacity_kind=capacity_kind)


def _write(listing_id: str, changes: dict, *, if_version: str | None, capacity_kind: str | None = None):
    rt = runtime()
    try:
        done = write_listing(listing_id, changes, who=user(), if_version=if_version, capacity_kind=capacity_kind)
    except ListingNotFound:
        return problem(404, f"No listing {listing_id!r}.")
    except Forbidden:
        return problem(403, "You may change only your own organisation's listings.")
    except VersionConflict as exc:
        current = exc.current or rt.store.get(listing_id)[1]
        return problem(412, "The listing changed since you read it; read it again and re-apply your change.",
                       headers={"ETag": f'"{current}"'}, current_etag=current)
    except ValidationError as exc:
        return problem(422, "The change would make the listing invalid.",
                       errors=[{"field": f, "message": m} for f, m in error_messages(exc)])
    return rt.search.view(done.doc, request_language()), 200, {"ETag": f'"{done.etag}"'}


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
    version, error = _if_match(required=True)
    if error:
        return error
    return _write(listing_id, edit_paths(changes), if_version=version)


@blp.route("/services/<string:listing_id>/capacity", methods=["PUT"])
@require("listing.edit")
@blp.arguments(CapacitySchema)
@blp.doc(parameters=[IF_MATCH])
@blp.response(200, ListingSchema, headers=ETAG_HEADER)
@documents_errors(blp, 400, 401, 403, 404, 412, 415, 422, 428)
def put_capacity(body: dict, listing_id: str):
    """Post open beds or slots in one small call; search and match reflect it when this returns."""
    version, error = _if_match(required=True)
    if error:
        return error
    return _write(listing_id, {"capacity": new_capacity(body, user())}, if_version=version, capacity_kind="update")


@blp.route("/services/<string:listing_id>/capacity/confirm", methods=["POST"])
@require("listing.edit")
@blp.response(200, ListingSchema, headers=ETAG_HEADER)
@documents_errors(blp, 401, 403, 404, 409, 412)
def confirm_capacity(listing_id: str):
    """"Still accurate": refresh the confirmation time without changing the numbers (If-Match optional)."""
    version, _ = _if_match(required=False)
    doc, read_version, error = _own_listing(listing_id)
    if error:
        return error
    current = (doc.get("record") or {}).get("capacity")
    if not current:
        return problem(409, "This listing has no capacity to confirm yet; post it with PUT .../capacity first.")
    capacity = new_capacity(current, user())
    # Confirm exactly the figures read here: a change landing in between makes this a 412, never a revert.
    return _write(listing_id, {"capacity": capacity}, if_version=version or read_version, capacity_kind="confirm")


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
    rt = runtime()
    try:
        doc, _ = rt.store.get(listing_id)
    except ListingNotFound:
        return problem(404, f"No listing {listing_id!r}.")
    if not permissions.covers_organization(user(), "capacity.history", doc["organization"]["id"]):
        # Another organisation's history is private; do not confirm it exists.
        return problem(404, f"No listing {listing_id!r}.")
    cap = (doc.get("record") or {}).get("capacity") or {}
    entries, next_before = rt.store.capacity_history(doc, size=args["size"], before=args.get("before"))
    return {"listing_id": listing_id, "last_confirmed_at": cap.get("updated_at"),
            "last_confirmed_by": cap.get("updated_by"), "history": entries, "next_before": next_before}
