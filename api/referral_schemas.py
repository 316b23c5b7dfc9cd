"""Request and response schemas of the referral and webhook API (``api.referrals``)."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from api.bounds import identifier
from directory.referral_states import DECLINE_REASONS, MAX_GROUP, SHAREABLE, STATUSES, URGENCIES

N = {"allow_none": True}
# An opaque id from the program's case system: letters, digits and . _ : / -, never a name (no spaces) and
# never a date (of birth).
PARTICIPANT_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{2,39}$")
DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ConsentSchema(_Strict):
    organization_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    share = fields.List(fields.String(validate=validate.OneOf(SHAREABLE)), load_default=list(SHAREABLE),
                        validate=validate.Length(max=len(SHAREABLE)), metadata={
                            "description": "What the participant agreed this provider may see (default: all of "
                                           f"{', '.join(SHAREABLE)})"})


class NewReferralSchema(_Strict):
    listing_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)), required=True,
                              validate=validate.Length(min=1, max=MAX_GROUP), metadata={
                                  "description": f"One listing, or up to {MAX_GROUP} at once (a group: when one "
                                                 "is enrolled the others are withdrawn)"})
    participant_ref = fields.String(required=True, metadata={
        "description": "The participant's opaque id in the program's case system: no name, no date of birth"})
    needs = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                        validate=validate.Length(min=1, max=10),
                        metadata={"description": "Need codes or everyday English or Spanish words"})
    note = fields.String(validate=validate.Length(max=500), metadata={"description": "A short note for the provider"})
    urgency = fields.String(load_default="this_week", validate=validate.OneOf(URGENCIES))
    consents = fields.List(fields.Nested(ConsentSchema), required=True, validate=validate.Length(min=1, max=MAX_GROUP),
                           metadata={"description": "The participant's recorded consent to share with each provider "
                                                    "organisation referred to (42 CFR Part 2): required for every one"})

    @validates("participant_ref")
    def _opaque(self, value: str, **_) -> None:
        if not PARTICIPANT_REF.match(value) or DATE_LIKE.search(value):
            raise ValidationError("use the opaque case id (3-40 letters, digits, . _ : / -), never a name or a date "
                                  "of birth")

    @validates_schema
    def _distinct(self, data: dict, **_) -> None:
        if len(set(data.get("listing_ids") or [])) != len(data.get("listing_ids") or []):
            raise ValidationError("each listing once", "listing_ids")


class StatusChangeSchema(_Strict):
    status = fields.String(required=True, validate=validate.OneOf([s for s in STATUSES if s != "sent"]))
    reason = fields.String(validate=validate.OneOf(DECLINE_REASONS), metadata={
        "description": "Required when declining: " + ", ".join(DECLINE_REASONS)})
    note = fields.String(validate=validate.Length(max=500))

    @validates_schema
    def _reason(self, data: dict, **_) -> None:
        if data["status"] == "declined" and not data.get("reason"):
            raise ValidationError("say why: " + ", ".join(DECLINE_REASONS), "reason")


class ReferralSearchSchema(_Strict):
    """``POST /api/v1/referrals/search``: the same filters as the list, in a body."""
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)), validate=validate.Length(max=len(STATUSES)),
                         metadata={"description": "Any of these"})
    group_id = identifier()
    participant_ref = fields.String(validate=validate.Length(min=1, max=40),
                                    metadata={"description": "Referrers: one participant's referrals"})


def _never_in_a_url(value: str) -> None:
    raise ValidationError("a participant reference never goes in a URL (access and proxy logs keep URLs): send it "
                          "in the body of POST /api/v1/referrals/search")


class ReferralQuerySchema(_Strict):
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)), metadata={"description": "Any of these"})
    group_id = identifier()
    participant_ref = fields.String(validate=_never_in_a_url, metadata={
        "description": "Refused here (422): a participant reference never goes in a URL; use "
                       "POST /api/v1/referrals/search"})


# ----- responses ------------------------------------------------------------------------------------
class ConsentViewSchema(Schema):
    organization_id = fields.String()
    share = fields.List(fields.String())
    recorded_by = fields.String()
    recorded_at = fields.String()
    expires_at = fields.String(allow_none=True, metadata={"description": "after this the provider sees none of it"})
    withdrawn_at = fields.String(allow_none=True, metadata={"description": "the participant withdrew the consent"})


class HoldViewSchema(Schema):
    id = fields.String()
    listing_id = fields.String()
    at = fields.String()
    until = fields.String(metadata={"description": "The bed is held until then unless the person is enrolled first"})
    by = fields.String(**N)
    active = fields.Boolean()
    released_at = fields.String(**N)
    released_because = fields.String(**N, metadata={"description": "enrolled, no_show or withdrawn"})
    converted = fields.Boolean(**N, metadata={"description": "Enrolment turned the hold into a placement"})


class ReferralEventSchema(Schema):
    n = fields.Integer()
    at = fields.String()
    actor = fields.String()
    side = fields.String(metadata={"description": "referrer, provider or system"})
    status = fields.String()
    from_ = fields.String(**N, attribute="from", data_key="from")
    reason = fields.String(**N)
    note = fields.String(**N)


class ReferralSchema(Schema):
    id = fields.String()
    group_id = fields.String(**N, metadata={"description": "The referrals sent together; null for a provider"})
    group_size = fields.Integer(**N, metadata={"description": "How many programs the group went to; null for a "
                                                             "provider (directory.disclosure says why)"})
    listing_id = fields.String()
    listing_name = fields.String(**N)
    organization_id = fields.String()
    organization_name = fields.String(**N)
    referrer = fields.String()
    referrer_role = fields.String()
    program = fields.String(**N)
    participant_ref = fields.String(**N, metadata={"description": "null for a provider without consent to see it"})
    needs = fields.List(fields.String(), **N)
    note = fields.String(**N)
    urgency = fields.String(**N)
    consent = fields.Nested(ConsentViewSchema)
    consent_state = fields.String(metadata={"description": "given, withdrawn or expired: the provider sees no "
                                                           "consented field unless given (directory.disclosure)"})
    withheld = fields.List(fields.String(), metadata={"description": "Fields the participant did not consent to "
                                                                     "share with this provider (shown as null)"})
    status = fields.String(metadata={"description": ", ".join(STATUSES)})
    status_at = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    ended_at = fields.String(**N)
    decision = fields.String(**N)
    decided_at = fields.String(**N)
    decline_reason = fields.String(**N)
    hold = fields.Nested(HoldViewSchema, **N)
    events = fields.List(fields.Nested(ReferralEventSchema))
    allowed = fields.List(fields.String(), metadata={"description": "The statuses the caller may move it to now"})
    unseen = fields.Integer(metadata={"description": "Events by the other side the caller's side has not seen"})


class ReferralGroupSchema(Schema):
    group_id = fields.String()
    referrals = fields.List(fields.Nested(ReferralSchema))


class ReferralListSchema(Schema):
    referrals = fields.List(fields.Nested(ReferralSchema))
    unseen = fields.Integer(metadata={"description": "Events the caller's side has not seen, on all its referrals"})


class OutcomesSchema(Schema):
    listing_id = fields.String()
    days = fields.Integer()
    received = fields.Integer()
    accepted = fields.Integer()
    declined = fields.Integer()
    acceptance_rate = fields.Float(**N)
    decline_rate = fields.Float(**N)
    decline_reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    text = fields.String()


class WebhookRequestSchema(_Strict):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000))


class WebhookSchema(Schema):
    organization_id = fields.String()
    url = fields.String(**N)
    fingerprint = fields.String(**N, metadata={"description": "The start of the secret's SHA-256, to tell secrets apart"})
    set_by = fields.String(**N)
    set_at = fields.String(**N)


class WebhookSecretSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "The signing secret, shown this once: the receiver checks "
                                                    "X-LEAD-Signature = sha256=HMAC-SHA256(secret, body)"})


class WebhooksSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema))


class DeliverySchema(Schema):
    id = fields.String()
    organization_id = fields.String()
    url = fields.String(**N, metadata={"description": "Where it is sent: the webhook's URL when the event was "
                                                     "queued (a later change of URL fails it instead)"})
    event = fields.String()
    referral_id = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer()
    created_at = fields.String()
    next_attempt_at = fields.String(**N)
    last_attempt_at = fields.String(**N)
    last_status = fields.Integer(**N, metadata={"description": "The receiver's HTTP status"})
    last_error = fields.String(**N)
    delivered_at = fields.String(**N)


class DeliveriesSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema))


class DeliveryQuerySchema(_Strict):
    organization_id = identifier()
    status = fields.String(validate=validate.OneOf(("pending", "delivered", "failed")))
