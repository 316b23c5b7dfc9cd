"""Request and response schemas of diversions, consent changes and answer links (``api.diversions``,
``api.consents``), shared with their pages."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from api.bounds import Instant
from api.referral_schemas import DATE_LIKE, PARTICIPANT_REF
from directory import diversions
from directory.referral_states import DECLINE_REASONS
from matching.service import NEARBY_GROUPS

N = {"allow_none": True}
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class NewDiversionSchema(_Strict):
    client_key = fields.String(required=True, metadata={
        "description": "A key the officer's device makes for this diversion (8-64 letters, digits, - _): sent "
                       "again (after a lost signal) it records nothing new and answers with the first one"})
    type = fields.String(required=True, validate=validate.OneOf(diversions.TYPES))
    program = fields.String(validate=validate.Length(min=1, max=64),
                            metadata={"description": "The LEAD program to divert to (default: the officer's)"})
    participant_ref = fields.String(required=True, metadata={
        "description": "An opaque reference (an incident or card number): no name, no date of birth"})
    town = fields.String(validate=validate.Length(max=80), **N)
    place = fields.String(validate=validate.Length(max=200), **N, metadata={"description": "Where the contact was"})
    occurred_at = Instant(**N, metadata={"description": "When the contact was (default: now)"})
    needs = fields.List(fields.String(validate=validate.OneOf(sorted(NEARBY_GROUPS))), load_default=list,
                        validate=validate.Length(max=len(NEARBY_GROUPS)))
    note = fields.String(validate=validate.Length(max=500), **N)
    consent_to_contact = fields.Boolean(required=True, metadata={
        "description": "The person agreed that a case manager contacts them"})
    consent_expires_at = Instant(**N)
    name = fields.String(validate=validate.Length(min=1, max=120), **N,
                         metadata={"description": "Only with consent_to_contact"})
    dob = fields.Date(**N, metadata={"description": "Date of birth, only with consent_to_contact"})

    @validates("client_key")
    def _key(self, value: str, **_) -> None:
        if not CLIENT_KEY.match(value):
            raise ValidationError("8-64 letters, digits, - or _")

    @validates("participant_ref")
    def _opaque(self, value: str, **_) -> None:
        if not PARTICIPANT_REF.match(value) or DATE_LIKE.search(value):
            raise ValidationError("use an opaque reference (3-40 letters, digits, . _ : / -), never a name or a "
                                  "date of birth")

    @validates_schema
    def _identity_needs_consent(self, data: dict, **_) -> None:
        for name in diversions.IDENTITY_FIELDS:
            if data.get(name) and not data.get("consent_to_contact"):
                raise ValidationError("recorded only with the person's consent to be contacted", name)


class DiversionMoveSchema(_Strict):
    status = fields.String(required=True, validate=validate.OneOf([s for s in diversions.STATUSES if s != "waiting"]))
    reason = fields.String(validate=validate.OneOf(diversions.CLOSE_REASONS), **N)


class ConsentChangeSchema(_Strict):
    withdraw = fields.Boolean(load_default=False, metadata={"description": "The participant withdrew consent"})
    expires_at = Instant(**N, metadata={"description": "A new expiry of the consent"})

    @validates_schema
    def _one(self, data: dict, **_) -> None:
        if not data.get("withdraw") and not data.get("expires_at"):
            raise ValidationError("say withdraw: true, or give a new expires_at", "withdraw")


class AnswerSchema(_Strict):
    answer = fields.String(required=True, validate=validate.OneOf(("accepted", "declined")))
    reason = fields.String(validate=validate.OneOf(DECLINE_REASONS), **N)

    @validates_schema
    def _reason(self, data: dict, **_) -> None:
        if data.get("answer") == "declined" and not data.get("reason"):
            raise ValidationError("say why it is declined", "reason")


class DiversionEventSchema(Schema):
    n = fields.Integer()
    at = fields.String()
    actor = fields.String()
    side = fields.String()
    status = fields.String()
    reason = fields.String(**N)
    # "from" is a keyword in Python
    from_ = fields.String(data_key="from", attribute="from", **N)


class DiversionSchema(Schema):
    id = fields.String()
    program = fields.String()
    type = fields.String()
    officer = fields.String(**N)
    participant_ref = fields.String(**N)
    name = fields.String(**N)
    dob = fields.String(**N)
    town = fields.String(**N)
    place = fields.String(**N)
    occurred_at = fields.String(**N)
    needs = fields.List(fields.String(), **N)
    note = fields.String(**N)
    consent_state = fields.String(metadata={"description": "given, withdrawn, expired or none"})
    status = fields.String()
    status_at = fields.String(**N)
    created_at = fields.String()
    claimed_by = fields.String(**N)
    acknowledged_at = fields.String(**N)
    contacted_at = fields.String(**N)
    enrolled_at = fields.String(**N)
    closed_at = fields.String(**N)
    cancelled_at = fields.String(**N)
    close_reason = fields.String(**N)
    escalated_at = fields.String(**N)
    due_at = fields.String()
    overdue = fields.Boolean()
    allowed = fields.List(fields.String())
    events = fields.List(fields.Nested(DiversionEventSchema), **N)


class DiversionListSchema(Schema):
    diversions = fields.List(fields.Nested(DiversionSchema))


class ConsentStateSchema(Schema):
    kind = fields.String()
    id = fields.String()
    state = fields.String()
    expires_at = fields.String(**N)
    withdrawn_at = fields.String(**N)


class AnswerLinkSchema(Schema):
    url = fields.String(metadata={"description": "Give it to the provider: it works once, until expires_at"})
    expires_at = fields.String()
