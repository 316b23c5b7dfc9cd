"""Diversions to a LEAD program and consent changes, as JSON: each view parses, calls
``api.usecases.diversions`` or ``api.usecases.consents`` and shapes the answer."""
from __future__ import annotations

from flask import url_for
from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.diversion_schemas import (AnswerLinkSchema, ConsentChangeSchema, ConsentStateSchema, DiversionListSchema,
                                   DiversionMoveSchema, DiversionSchema, NewDiversionSchema)
from api.problem import documents_errors
from api.runtime import Blueprint, runtime
from api.usecases import answer_links, consents
from api.usecases import diversions as cases
from directory import diversions

blp = Blueprint("diversions", __name__, url_prefix="/api/v1",
                description="Diversions to a LEAD program, withdrawable consent, answer links")


class _ListQuery(Schema):
    class Meta:
        unknown = RAISE
    status = fields.List(fields.String(validate=validate.OneOf(diversions.STATUSES)))


@blp.route("/diversions", methods=["POST"])
@require("diversion.record")
@blp.arguments(NewDiversionSchema)
@blp.response(201, DiversionSchema)
@documents_errors(blp, 400, 401, 403, 415, 422)
def record_diversion(body: dict):
    """Divert a person to the LEAD program: it lands in the program's on-call inbox. Sent again with the same
    `client_key` (a phone back online), nothing new is recorded: the answer is the first diversion, 200."""
    view, created = cases.record(runtime(), user(), body)
    return (view, 201) if created else (view, 200)


@blp.route("/diversions")
@require("diversion.follow")
@blp.arguments(_ListQuery, location="query")
@blp.response(200, DiversionListSchema)
@documents_errors(blp, 401, 403, 422)
def list_diversions(args: dict):
    """Case managers: their program's on-call inbox (open ones unless `status` says otherwise), overdue ones
    escalated first. Officers: the diversions they recorded, with each step."""
    who = user()
    if diversions.scope_filter(who) == {"term": {"officer": who.username}}:
        return {"diversions": cases.mine(runtime(), who)}
    return {"diversions": cases.inbox(runtime(), who, statuses=args.get("status"))}


@blp.route("/diversions/escalations")
@require("diversion.supervise")
@blp.response(200, DiversionListSchema)
@documents_errors(blp, 401, 403)
def diversion_escalations():
    """The supervisor's view: diversions nobody acknowledged in time, who holds each now. No participant data."""
    return {"diversions": cases.escalations(runtime(), user())}


@blp.route("/diversions/<string:diversion_id>")
@require("diversion.follow")
@blp.response(200, DiversionSchema)
@documents_errors(blp, 401, 403, 404)
def get_diversion(diversion_id: str):
    """One diversion as the caller may see it (audited)."""
    return cases.get(runtime(), user(), diversion_id)


@blp.route("/diversions/<string:diversion_id>/status", methods=["POST"])
@require("diversion.follow")
@blp.arguments(DiversionMoveSchema)
@blp.response(200, DiversionSchema)
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def post_diversion_status(body: dict, diversion_id: str):
    """Claim (`acknowledged`: exactly one case manager wins; the others get 409), `contacted`, `enrolled`,
    `closed` with a reason; or `cancelled` by its officer before anyone claimed it."""
    return cases.move(runtime(), user(), diversion_id, body["status"], body.get("reason"))


@blp.route("/diversions/<string:diversion_id>/consent", methods=["POST"])
@require("consent.withdraw")
@blp.arguments(ConsentChangeSchema)
@blp.response(200, ConsentStateSchema)
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def post_diversion_consent(body: dict, diversion_id: str):
    """The person withdrew consent to be contacted (their name and date of birth are erased), or a new expiry."""
    return consents.change(runtime(), user(), "diversion", diversion_id, body)


@blp.route("/referrals/<string:referral_id>/consent", methods=["POST"])
@require("consent.withdraw")
@blp.arguments(ConsentChangeSchema)
@blp.response(200, ConsentStateSchema)
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def post_referral_consent(body: dict, referral_id: str):
    """The participant withdrew consent to share with the provider (it sees none of the consented fields from
    now on, and that consent was withdrawn), or a new expiry of that consent."""
    return consents.change(runtime(), user(), "referral", referral_id, body)


@blp.route("/referrals/<string:referral_id>/answer-link", methods=["POST"])
@require("referral.answer_link")
@blp.response(201, AnswerLinkSchema)
@documents_errors(blp, 401, 403, 404, 409)
def post_answer_link(referral_id: str):
    """A signed, single-use, expiring link for a provider organisation without staff accounts to accept
    (holding a bed) or decline this referral, seeing only what the participant consented to share."""
    made = answer_links.issue(runtime(), user(), referral_id)
    return {"url": url_for("pages.answer_page", t=made["token"], _external=True), "expires_at": made["expires_at"]}
