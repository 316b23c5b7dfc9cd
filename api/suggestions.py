"""Suggested corrections: anyone signed in who is not a listing's owner proposes changes to it (in the
shape of a provider edit); an administrator accepts (applied through the store as an edit by the
administrator, audited) or rejects them."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from api.auth import require, user
from api.problem import documents_errors, problem
from api.provider import Forbidden, ListingEditSchema, edit_paths, write_listing
from api.runtime import Blueprint, runtime
from api.schemas import SuggestionSchema, SuggestionsSchema
from directory.model import error_messages
from directory.errors import ListingNotFound, VersionConflict
from directory.suggestions import STATUSES, AlreadyDecided, SuggestionNotFound

blp = Blueprint("suggestions", __name__, url_prefix="/api/v1", description="Suggested corrections")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class NewSuggestionSchema(_Strict):
    changes = fields.Nested(ListingEditSchema, required=True)
    note = fields.String(validate=validate.Length(max=2000), metadata={"description": "What is wrong, for the admin"})


class DecisionSchema(_Strict):
    note = fields.String(validate=validate.Length(max=2000))


class SuggestionQuerySchema(_Strict):
    status = fields.String(validate=validate.OneOf(STATUSES))


class SuggestionRefused(Exception):
    """A suggestion that cannot be kept: (status, message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def suggest(listing_id: str, changes: dict, note: str | None) -> dict:
    """Keep a suggestion by the current user (API and pages); raises ``SuggestionRefused``."""
    rt = runtime()
    try:
        doc, _ = rt.store.get(listing_id)
    except ListingNotFound:
        raise SuggestionRefused(404, f"No listing {listing_id!r}.") from None
    rt.store.ensure_indices()
    return rt.suggestions.create(listing=doc, changes=changes, note=note, by=user().username,
                                 by_organizations=user().organizations)


def decide(suggestion_id: str, accept: bool, note: str | None) -> dict:
    """Accept (apply as an edit by the current admin) or reject; raises ``SuggestionRefused``."""
    rt = runtime()

    def apply(s: dict) -> None:
        write_listing(s["listing_id"], edit_paths(s["changes"]), who=user(), if_version=None)

    try:
        decided = rt.suggestions.decide(suggestion_id, "accepted" if accept else "rejected", by=user().username,
                                        note=note, apply=apply if accept else None)
    except SuggestionNotFound:
        raise SuggestionRefused(404, f"No suggestion {suggestion_id!r}.") from None
    except AlreadyDecided as exc:
        raise SuggestionRefused(409, f"This suggestion was already {exc.status}.") from None
    except ListingNotFound:
        raise SuggestionRefused(404, "The listing this suggestion is about is no longer in the directory.") from None
    except (VersionConflict, Forbidden):
        raise SuggestionRefused(409, "The listing could not be changed just now; try again.") from None
    except ValidationError as exc:
        raise SuggestionRefused(422, "The suggested change would make the listing invalid: " + "; ".join(
            f"{f}: {m}" for f, m in error_messages(exc))) from None
    rt.store.audit("suggestion.accept" if accept else "suggestion.reject", actor=user().username,
                   listing_id=decided["listing_id"], field="suggestion",
                   new={"id": suggestion_id, "by": decided["by"], "changes": sorted(decided["changes"])})
    return decided


@blp.route("/services/<string:listing_id>/suggestions", methods=["POST"])
@require("suggestion.make")
@blp.arguments(NewSuggestionSchema)
@blp.response(201, SuggestionSchema)
@documents_errors(blp, 400, 401, 403, 404, 415, 422)
def create_suggestion(body: dict, listing_id: str):
    """Suggest a correction to a listing (typically another organisation's); an admin decides."""
    try:
        return suggest(listing_id, body["changes"], body.get("note"))
    except SuggestionRefused as exc:
        return problem(exc.status, str(exc))


@blp.route("/suggestions")
@require("suggestion.decide")
@blp.arguments(SuggestionQuerySchema, location="query", unknown=RAISE)
@blp.response(200, SuggestionsSchema)
@documents_errors(blp, 401, 403, 422)
def list_suggestions(args: dict):
    """Suggested corrections, newest first (filter by status)."""
    return {"suggestions": runtime().suggestions.list(status=args.get("status"))}


def _decision(suggestion_id: str, accept: bool, body: dict):
    try:
        return decide(suggestion_id, accept, body.get("note"))
    except SuggestionRefused as exc:
        return problem(exc.status, str(exc))


@blp.route("/suggestions/<string:suggestion_id>/accept", methods=["POST"])
@require("suggestion.decide")
@blp.arguments(DecisionSchema)
@blp.response(200, SuggestionSchema)
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def accept_suggestion(body: dict, suggestion_id: str):
    """Accept: the changes are applied to the listing as an edit by this admin (audited)."""
    return _decision(suggestion_id, True, body)


@blp.route("/suggestions/<string:suggestion_id>/reject", methods=["POST"])
@require("suggestion.decide")
@blp.arguments(DecisionSchema)
@blp.response(200, SuggestionSchema)
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def reject_suggestion(body: dict, suggestion_id: str):
    """Reject: nothing changes; the decision is kept and audited."""
    return _decision(suggestion_id, False, body)
