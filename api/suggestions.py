"""Suggested corrections: anyone signed in who is not a listing's owner proposes changes to it (in the
shape of a provider edit); an administrator accepts (applied through the store as an edit by the
administrator, audited) or rejects them."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.inputs import ListingEditSchema
from api.problem import documents_errors
from api.runtime import Blueprint, runtime
from api.schemas import SuggestionSchema, SuggestionsSchema
from api.usecases import suggestions
from directory.suggestions import STATUSES

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


@blp.route("/services/<string:listing_id>/suggestions", methods=["POST"])
@require("suggestion.make")
@blp.arguments(NewSuggestionSchema)
@blp.response(201, SuggestionSchema)
@documents_errors(blp, 400, 401, 403, 404, 415, 422)
def create_suggestion(body: dict, listing_id: str):
    """Suggest a correction to a listing (typically another organisation's); an admin decides."""
    return suggestions.suggest(runtime(), user(), listing_id, body["changes"], body.get("note"))


@blp.route("/suggestions")
@require("suggestion.decide")
@blp.arguments(SuggestionQuerySchema, location="query", unknown=RAISE)
@blp.response(200, SuggestionsSchema)
@documents_errors(blp, 401, 403, 422)
def list_suggestions(args: dict):
    """Suggested corrections, newest first (filter by status)."""
    return {"suggestions": runtime().suggestions.list(status=args.get("status"))}


def _decision(suggestion_id: str, accept: bool, body: dict):
    return suggestions.decide(runtime(), user(), suggestion_id, accept, body.get("note"))


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
