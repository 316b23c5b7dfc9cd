"""Closed-loop referrals: send (to one listing or up to three), list and read with each side's view, move
through the declared statuses (``directory.referral_states.TRANSITIONS``), outcome rates per listing, and
the administrators' webhook settings and delivery log. Each view parses, calls ``api.usecases.referrals``
or ``api.usecases.webhooks``, and serialises."""
from __future__ import annotations

from marshmallow import RAISE

from api.auth import require, user
from api.problem import documents_errors
from api.referral_schemas import (DeliveriesSchema, DeliveryQuerySchema, NewReferralSchema, OutcomesSchema,
                                  ReferralGroupSchema, ReferralListSchema, ReferralQuerySchema, ReferralSchema,
                                  ReferralSearchSchema,
                                  StatusChangeSchema, WebhookRequestSchema, WebhookSchema, WebhookSecretSchema,
                                  WebhooksSchema)
from api.runtime import Blueprint, request_language, runtime
from api.usecases import referrals, webhooks

blp = Blueprint("referrals", __name__, url_prefix="/api/v1", description="Referrals, bed holds and webhooks")


def _links(status: int, id_at: str) -> dict:
    """OpenAPI links from a response carrying a referral id (at this JSON pointer) to reading and moving
    that referral: clients and the stateful fuzz test (tests/test_fuzz_api.py) follow them."""
    param = {"referral_id": f"$response.body#{id_at}"}
    return {"responses": {status: {"links": {
        "ReadTheReferral": {"operationId": "getReferral", "parameters": param},
        "MoveTheReferral": {"operationId": "postReferralStatus", "parameters": param}}}}}


# ----- referrals ---------------------------------------------------------------------------------------
@blp.route("/referrals", methods=["POST"])
@require("referral.send")
@blp.arguments(NewReferralSchema)
@blp.response(201, ReferralGroupSchema)
@blp.doc(**_links(201, "/referrals/0/id"))
@documents_errors(blp, 400, 401, 403, 415, 422)
def send_referral(body: dict):
    """Send a participant to one listing, or to up to three at once (a group), with their recorded consent
    for each provider organisation. The participant reference, needs and note are never logged."""
    return referrals.send(runtime(), user(), body)


@blp.route("/referrals")
@require("referral.follow")
@blp.arguments(ReferralQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ReferralListSchema)
@documents_errors(blp, 401, 403, 422)
def list_referrals(args: dict):
    """Providers: the inbox of referrals to their organisations (consented fields only; listing them views
    them). Case managers and officers: their program's referrals (or their own without a program)."""
    return referrals.listing_with_unseen(runtime(), user(), args)


@blp.route("/referrals/search", methods=["POST"])
@require("referral.follow")
@blp.arguments(ReferralSearchSchema)
@blp.response(200, ReferralListSchema)
@documents_errors(blp, 400, 401, 403, 415, 422)
def search_referrals(body: dict):
    """The list of GET /referrals with its filters in the body, so a participant reference never goes in a URL
    (access and proxy logs keep URLs): a referrer finds one participant's referrals with `participant_ref`."""
    return referrals.listing_with_unseen(runtime(), user(), body)


@blp.route("/referrals/<string:referral_id>")
@require("referral.follow")
@blp.response(200, ReferralSchema)
@blp.doc(**_links(200, "/id"))
@documents_errors(blp, 401, 403, 404)
def get_referral(referral_id: str):
    """One referral with every status change (time, actor, side). Audited; a provider's first read makes it
    `viewed`; the caller's side has then seen all its events."""
    return referrals.view(runtime(), user(), referral_id)


@blp.route("/referrals/<string:referral_id>/status", methods=["POST"])
@require("referral.follow")
@blp.arguments(StatusChangeSchema)
@blp.response(200, ReferralSchema)
@blp.doc(**_links(200, "/id"))
@documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
def post_referral_status(body: dict, referral_id: str):
    """Move a referral: the provider views, accepts (a bed is held), declines (with a reason), enrols (the hold
    becomes a placement and the group's other referrals are withdrawn) or records a no-show; the referrer
    withdraws; either side closes. An illegal move is 409 with `current_status`."""
    return referrals.change_status(runtime(), user(), referral_id, body)


@blp.route("/services/<string:listing_id>/referral-outcomes")
@require("referral.outcomes")
@blp.response(200, OutcomesSchema)
@documents_errors(blp, 401, 403, 404)
def referral_outcomes(listing_id: str):
    """How the listing answered its referrals over the last 90 days: received, accepted, declined and why."""
    return referrals.outcomes(runtime(), listing_id, request_language())


# ----- webhooks ----------------------------------------------------------------------------------------
@blp.route("/organizations/<string:organization_id>/webhook", methods=["PUT"])
@require("webhooks.manage")
@blp.arguments(WebhookRequestSchema)
@blp.response(200, WebhookSecretSchema)
@documents_errors(blp, 400, 401, 403, 404, 415, 422)
def put_webhook(body: dict, organization_id: str):
    """Set an organisation's webhook URL and a new signing secret, shown this once. Each referral event for the
    organisation is POSTed there, signed (X-LEAD-Signature: sha256=HMAC of the body), retried with backoff.
    The URL must lead to a public address (or a network the operator allowed), never to the engine; https only
    in production; redirects are not followed."""
    return webhooks.configure(runtime(), user(), organization_id, body["url"])


@blp.route("/organizations/<string:organization_id>/webhook", methods=["DELETE"])
@require("webhooks.manage")
@blp.response(200, WebhookSchema)
@documents_errors(blp, 401, 403, 404)
def delete_webhook(organization_id: str):
    """Stop sending an organisation's events (pending deliveries then fail, logged)."""
    return webhooks.remove(runtime(), user(), organization_id)


@blp.route("/webhooks")
@require("webhooks.manage")
@blp.response(200, WebhooksSchema)
@documents_errors(blp, 401, 403)
def list_webhooks():
    """Every organisation's webhook (no secrets)."""
    return {"webhooks": runtime().webhooks.configured()}


@blp.route("/webhooks/deliveries")
@require("webhooks.manage")
@blp.arguments(DeliveryQuerySchema, location="query", unknown=RAISE)
@blp.response(200, DeliveriesSchema)
@documents_errors(blp, 401, 403, 422)
def list_deliveries(args: dict):
    """The delivery log, newest first: event, status, attempts, the receiver's last answer or error."""
    return {"deliveries": runtime().webhooks.deliveries(organization_id=args.get("organization_id"),
                                                        status=args.get("status"))}

