"""Closed-loop referrals: send (to one listing or up to three), list and read with each side's view, move
through the declared statuses (``directory.referral_states.TRANSITIONS``), outcome rates per listing, and
the administrators' webhook settings and delivery log. Each view parses, calls ``directory.referrals`` or
``matching.service``, and serialises; pages share the helpers below."""
from __future__ import annotations

from marshmallow import RAISE

from api.auth import require, user
from api.problem import documents_errors, problem
from api.referral_schemas import (DeliveriesSchema, DeliveryQuerySchema, NewReferralSchema, OutcomesSchema,
                                  ReferralGroupSchema, ReferralListSchema, ReferralQuerySchema, ReferralSchema,
                                  ReferralSearchSchema,
                                  StatusChangeSchema, WebhookRequestSchema, WebhookSchema, WebhookSecretSchema,
                                  WebhooksSchema)
from api.runtime import Blueprint, request_language, runtime
from directory import permissions
from directory.accounts import User
from directory.referral_states import (ConsentMissing, IllegalTransition, ListingGone, NoBedLeft, ReferralNotFound,
                                       WrongSide, for_viewer)
from directory.errors import ListingNotFound
from directory.webhook_targets import TargetRefused
from matching.profile import NeedError, resolve_needs

blp = Blueprint("referrals", __name__, url_prefix="/api/v1", description="Referrals, bed holds and webhooks")


def _links(status: int, id_at: str) -> dict:
    """OpenAPI links from a response carrying a referral id (at this JSON pointer) to reading and moving
    that referral: clients and the stateful fuzz test (tests/test_fuzz_api.py) follow them."""
    param = {"referral_id": f"$response.body#{id_at}"}
    return {"responses": {status: {"links": {
        "ReadTheReferral": {"operationId": "getReferral", "parameters": param},
        "MoveTheReferral": {"operationId": "postReferralStatus", "parameters": param}}}}}


class Refused(Exception):
    """A referral request that cannot be done: (HTTP status, message, extra problem fields)."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.extra = status, extra

    def response(self):
        return problem(self.status, str(self), **self.extra)


# ----- shared with the pages ---------------------------------------------------------------------------
def send_referrals(body: dict, who: User) -> list[dict]:
    """Send a loaded ``NewReferralSchema`` body as ``who``; raises ``Refused`` (422 naming the field)."""
    rt = runtime()
    try:
        needs = resolve_needs(body["needs"])
    except NeedError as exc:
        raise Refused(422, str(exc), errors=[{"field": "needs", "message": f"unknown need {t!r}",
                                              "did_you_mean": exc.suggestions[t]} for t in exc.unknown]) from None
    listings, errors = [], []
    for i, listing_id in enumerate(body["listing_ids"]):
        try:
            doc, _ = rt.store.get(listing_id)
        except ListingNotFound:
            errors.append({"field": f"listing_ids[{i}]", "message": f"no listing {listing_id!r}"})
            continue
        if doc.get("status") != "active":
            errors.append({"field": f"listing_ids[{i}]", "message": f"{listing_id} is not taking referrals "
                                                                     f"({doc.get('status')})"})
        listings.append(doc)
    if errors:
        raise Refused(422, "Some listings cannot be referred to.", errors=errors)
    consents: dict[str, list[str]] = {}
    for c in body["consents"]:
        consents.setdefault(c["organization_id"], []).extend(c["share"])
    try:
        return rt.referrals.send(who, listings, participant_ref=body["participant_ref"], needs=needs,
                                 note=body.get("note"), urgency=body["urgency"], consents=consents)
    except ConsentMissing as exc:
        raise Refused(422, "Record the participant's consent to share with every provider organisation "
                           "(42 CFR Part 2): " + ", ".join(f"{org} ({lid})" for lid, org in exc.missing) + ".",
                      errors=[{"field": "consents", "message": f"no consent recorded to share with {org} "
                                                               f"(listing {lid})"} for lid, org in exc.missing]) from None


def change_status(referral_id: str, body: dict, who: User) -> dict:
    """Move a referral as ``who``; returns it as ``who`` sees it; raises ``Refused``."""
    rt = runtime()
    try:
        doc = rt.referrals.transition(referral_id, body["status"], who, reason=body.get("reason"),
                                      note=body.get("note"))
    except ReferralNotFound:
        raise Refused(404, f"No referral {referral_id!r}.") from None
    except IllegalTransition as exc:
        raise Refused(409, f"This referral is {exc.current}; it cannot become {exc.to}.",
                      current_status=exc.current) from None
    except WrongSide as exc:
        raise Refused(403, str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    except NoBedLeft as exc:
        current = rt.referrals.get(referral_id, who)["status"]
        raise Refused(409, f"No bed left: {exc.available or 0} open and {exc.held} held for other referrals. "
                           "Decline it, or update the bed count first.", current_status=current) from None
    except ListingGone:
        raise Refused(409, "The listing this referral is about is no longer in the directory.") from None
    return for_viewer(doc, who)


def _listed(who: User, args: dict) -> list[dict]:
    rt = runtime()
    found = rt.referrals.search(who, statuses=args.get("status"), group_id=args.get("group_id"),
                                participant_ref=args.get("participant_ref"))
    # A provider's list is its inbox: showing it is viewing each referral. A referrer's list marks nothing seen.
    inbox = permissions.scope(who, "referral.follow") == permissions.OWN_ORGANIZATION
    return rt.referrals.looked_at(found, who, seen=inbox)


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
    try:
        made = send_referrals(body, user())
    except Refused as exc:
        return exc.response()
    return {"group_id": made[0]["group_id"], "referrals": [for_viewer(d, user()) for d in made]}


@blp.route("/referrals")
@require("referral.follow")
@blp.arguments(ReferralQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ReferralListSchema)
@documents_errors(blp, 401, 403, 422)
def list_referrals(args: dict):
    """Providers: the inbox of referrals to their organisations (consented fields only; listing them views
    them). Case managers and officers: their program's referrals (or their own without a program)."""
    return {"referrals": _listed(user(), args), "unseen": runtime().referrals.unseen(user())}


@blp.route("/referrals/search", methods=["POST"])
@require("referral.follow")
@blp.arguments(ReferralSearchSchema)
@blp.response(200, ReferralListSchema)
@documents_errors(blp, 400, 401, 403, 415, 422)
def search_referrals(body: dict):
    """The list of GET /referrals with its filters in the body, so a participant reference never goes in a URL
    (access and proxy logs keep URLs): a referrer finds one participant's referrals with `participant_ref`."""
    return {"referrals": _listed(user(), body), "unseen": runtime().referrals.unseen(user())}


@blp.route("/referrals/<string:referral_id>")
@require("referral.follow")
@blp.response(200, ReferralSchema)
@blp.doc(**_links(200, "/id"))
@documents_errors(blp, 401, 403, 404)
def get_referral(referral_id: str):
    """One referral with every status change (time, actor, side). Audited; a provider's first read makes it
    `viewed`; the caller's side has then seen all its events."""
    try:
        return runtime().referrals.view(referral_id, user())
    except ReferralNotFound:
        return problem(404, f"No referral {referral_id!r}.")


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
    try:
        return change_status(referral_id, body, user())
    except Refused as exc:
        return exc.response()


@blp.route("/services/<string:listing_id>/referral-outcomes")
@require("referral.outcomes")
@blp.response(200, OutcomesSchema)
@documents_errors(blp, 401, 403, 404)
def referral_outcomes(listing_id: str):
    """How the listing answered its referrals over the last 90 days: received, accepted, declined and why."""
    rt = runtime()
    try:
        rt.store.get(listing_id)
    except ListingNotFound:
        return problem(404, f"No listing {listing_id!r}.")
    found = rt.search.referral_outcomes([listing_id], request_language()).get(listing_id)
    empty = {"days": 90, "received": 0, "accepted": 0, "declined": 0, "acceptance_rate": None, "decline_rate": None,
             "decline_reasons": {}, "text": ""}
    return {"listing_id": listing_id, **(found or empty)}


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
    rt = runtime()
    if organization_id not in rt.store.listings.organization_ids([organization_id]):
        return problem(404, f"No organisation {organization_id!r} in the directory.")
    rt.store.ensure_indices()
    try:
        made = rt.webhooks.configure(organization_id, body["url"], by=user().username)
    except TargetRefused as exc:
        return problem(422, f"This webhook URL cannot be used: {exc}.", errors=[{"field": "url", "message": str(exc)}])
    rt.store.audit("webhook.set", actor=user().username, field="webhook",
                   new={"organization_id": organization_id, "url": body["url"], "fingerprint": made["fingerprint"]})
    return made


@blp.route("/organizations/<string:organization_id>/webhook", methods=["DELETE"])
@require("webhooks.manage")
@blp.response(200, WebhookSchema)
@documents_errors(blp, 401, 403, 404)
def delete_webhook(organization_id: str):
    """Stop sending an organisation's events (pending deliveries then fail, logged)."""
    rt = runtime()
    if not rt.webhooks.remove(organization_id):
        return problem(404, f"No webhook for {organization_id!r}.")
    rt.store.audit("webhook.remove", actor=user().username, field="webhook", new={"organization_id": organization_id})
    return {"organization_id": organization_id, "url": None}


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

