"""Request schemas that the JSON API and the pages both load: a match, a place and nearby, a listing edit
and capacity, a new account. A page builds the same body from its form and loads it with the same schema,
so both sides refuse the same things. (Referral and webhook bodies are in ``api.referral_schemas``.)"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.runtime import runtime
from directory import eligibility, hours
from directory.accounts import ROLES
from directory.model import IMPORTED_CAPACITY_UNITS, SERVICE_STATUS, PhoneSchema
from directory.vocabulary import LANGUAGES, Choice
from matching.service import NEARBY_GROUPS


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(_Strict):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}(-\d{4})?$", error="must be a 5-digit ZIP code"))
    text = fields.String(validate=validate.Length(min=2, max=200), metadata={
        "description": "A town, neighbourhood ('Frog Hollow'), street corner ('Park St & Broad St, Hartford') or ZIP"})

    @validates_schema
    def _one(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")
        if not data:
            raise ValidationError("give lat and lon, zip, or text")


# How far from now ``at`` may be: "what is open at 10 pm tonight", or on a day this month; a time years away
# is a typing slip, not a question.
AT_WINDOW = timedelta(days=31)


class LocalTime(fields.String):
    """A local date and time (``2026-12-08T22:00``, America/New_York) or one with its offset, within
    ``AT_WINDOW`` of now: the time whose opening hours a search asks about."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 40:
            raise ValidationError("must be a local date and time such as 2026-12-08T22:00")
        try:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("must be a local date and time such as 2026-12-08T22:00") from None
        rt = runtime()
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(rt.settings.timezone))
        now = rt.search.clock()
        try:
            far = abs(when - now) > AT_WINDOW
        except OverflowError:  # year 1 or 9999 with an offset: far enough
            far = True
        if far:
            raise ValidationError(f"must be within {AT_WINDOW.days} days of now")
        return when


AT_DESCRIPTION = ("A local date and time (America/New_York unless an offset is given), e.g. 2026-12-08T22:00: "
                  "opening hours are read at that time instead of now (capacity freshness stays now's)")


def _fact_field(dim: eligibility.Dimension) -> fields.Field:
    """The match request field for one eligibility dimension of the table."""
    return dim.kind.fact_field(dim)


MatchRequestSchema = _Strict.from_dict({
    "location": fields.Nested(LocationSchema, required=True),
    "needs": fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                         validate=validate.Length(min=1, max=10),
                         metadata={"description": "Need codes or everyday English or Spanish words"}),
    **{name: _fact_field(dim) for name, dim in eligibility.PROFILE_FIELDS.items()},
    "languages": fields.List(Choice(LANGUAGES), validate=validate.Length(max=5), metadata={
        "description": "Languages the participant speaks: programs whose staff speak one (other than English) "
                       "rank first, the best few at the top when any are within reach"}),
    "must_speak": fields.List(Choice(LANGUAGES), validate=validate.Length(min=1, max=5), metadata={
        "description": "A requirement: only programs whose staff are stated to speak one of these languages"}),
    "at": LocalTime(metadata={"description": AT_DESCRIPTION}),
    "section_limit": fields.Integer(load_default=5, strict=True, validate=validate.Range(1, 20), metadata={
        "description": "With several needs, results per need in each of the sections"}),
    "urgency": fields.String(load_default="this_week", validate=validate.OneOf(("now", "today", "this_week"))),
    "max_miles": fields.Float(validate=validate.Range(0.1, 150)),
    "include_full": fields.Boolean(load_default=False),
    "limit": fields.Integer(load_default=10, strict=True, validate=validate.Range(1, 50)),
    "diversify": fields.Boolean(load_default=True),
    "query": fields.String(validate=validate.Length(max=200)),
    "referral_outcomes": fields.Boolean(load_default=False, metadata={
        "description": "Case managers: give each result its referral acceptance and decline over the last 90 days "
                       "(one more engine request; ignored for other roles)"}),
}, name="MatchRequestSchema")


class PlaceQuerySchema(_Strict):
    lat = fields.Float(validate=validate.Range(-90, 90))
    lon = fields.Float(validate=validate.Range(-180, 180))
    zip = fields.String(validate=validate.Regexp(r"^\d{5}$", error="must be a 5-digit ZIP code"))
    near = fields.String(validate=validate.Length(min=2, max=200), metadata={
        "description": "A town, neighbourhood ('Fair Haven'), street corner ('Park St & Broad St, Hartford') or ZIP"})

    @validates_schema
    def _pairs(self, data: dict, **_) -> None:
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", "lat" if "lat" not in data else "lon")


class NearbyQuerySchema(PlaceQuerySchema):
    need = fields.String(required=True, validate=validate.OneOf(sorted(NEARBY_GROUPS)))
    radius = fields.Float(load_default=5.0, validate=validate.Range(0.1, 50))
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))
    language = fields.List(Choice(LANGUAGES), load_default=list, validate=validate.Length(max=5), metadata={
        "description": "Staff must speak one of these languages (a requirement)"})
    at = LocalTime(metadata={"description": AT_DESCRIPTION})

    @validates_schema
    def _somewhere(self, data: dict, **_) -> None:
        if not ({"lat", "zip", "near"} & set(data)):
            raise ValidationError("give lat and lon, zip, or near", "near")



# ----- a provider's listing ---------------------------------------------------------------------
def _edit_field(dim: eligibility.Dimension) -> fields.Field:
    """The edit field of one eligibility column (``null`` sets it to "not stated")."""
    return dim.kind.edit_field(dim)


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



class NewUserSchema(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organizations = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                                validate=validate.Length(max=50))
    display_name = fields.String(validate=validate.Length(max=200))
    program = fields.String(validate=validate.Length(min=2, max=64), metadata={
        "description": "Case managers and officers: their LEAD site (e.g. 'hartford'); they see its referrals"})
    password = fields.String(validate=validate.Length(min=12, max=200), load_only=True)
