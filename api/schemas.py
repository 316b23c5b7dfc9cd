"""Response schemas: every 2xx body the API sends is dumped through one of these, so the OpenAPI
document says exactly what arrives (and a generated client can read it typed)."""
from __future__ import annotations

from marshmallow import Schema, fields

from directory import eligibility
from directory.model import PhoneSchema

N = {"allow_none": True}


class RefSchema(Schema):
    id = fields.String(**N)
    name = fields.String(**N)


class AddressViewSchema(Schema):
    address_1 = fields.String(**N)
    address_2 = fields.String(**N)
    city = fields.String(**N)
    state_province = fields.String(**N)
    postal_code = fields.String(**N)
    town = fields.String(**N, metadata={"description": "The Connecticut town, in one spelling"})


class PointViewSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()
    geocode_quality = fields.String(**N)


class CapacityViewSchema(Schema):
    status = fields.String(metadata={"description": "Effective status: available, waitlist, full or unknown "
                                                   "(a figure not confirmed within the freshness window is unknown; "
                                                   "one whose every open bed is held for a referral is full)"})
    reported_status = fields.String()
    available = fields.Integer(**N, metadata={"description": "Open now for a new person: the provider's figure "
                                                            "less the beds held for accepted referrals"})
    reported_available = fields.Integer(**N, metadata={"description": "The open figure the provider reported"})
    held = fields.Integer(metadata={"description": "Open beds held for accepted referrals (directory.holds)"})
    maximum = fields.Integer(**N)
    unit = fields.String(**N, metadata={"description": "beds, slots, appointments, spaces, or other (see unit_name)"})
    unit_name = fields.String(**N, metadata={"description": "The source feed's own unit when it is none of ours"})
    waitlist = fields.Integer(**N)
    wait_days = fields.Integer(**N)
    accepting_new_clients = fields.Boolean(**N)
    updated_at = fields.String(**N)
    updated_by = fields.String(**N)
    age_hours = fields.Float(**N)
    fresh = fields.Boolean()
    text = fields.String(metadata={"description": "One line for people, e.g. '3 beds open, confirmed 2 hours ago'"})


class ServesSchema(Schema):
    genders = fields.List(fields.String(), **N, metadata={"description": "null: not stated"})
    min_age = fields.Integer(**N)
    max_age = fields.Integer(**N)
    restrictions = fields.List(fields.String())
    stated = fields.Boolean(metadata={"description": "The listing states something about who it serves; "
                                                    "if not, text says what to ask"})
    text = fields.String()


class DistanceSchema(Schema):
    miles = fields.Float()
    km = fields.Float()
    text = fields.String()


class LineSchema(Schema):
    """A statewide line that answers at every hour (directory/data/always_open.json)."""
    id = fields.String()
    name = fields.String()
    dial = fields.String(metadata={"description": "The number as people read it ('2-1-1', '1-800-563-4086')"})
    tel = fields.String(metadata={"description": "The digits to dial (a tel: link)"})
    text_message = fields.Boolean(metadata={"description": "The line also takes text messages"})
    alternate = fields.String(**N, metadata={"description": "Another number for the same line"})
    does = fields.String()
    hours = fields.String()
    min_age = fields.Integer(**N)
    max_age = fields.Integer(**N)


PHONE_SOURCE = ("own: the listing's number; site: the intake line of another program of the organisation at "
                "this address; organization: the organisation's number at another of its programs; null: none")


class ResultBaseSchema(Schema):
    listing_id = fields.String(required=True)
    service = fields.Nested(RefSchema)
    organization = fields.Nested(RefSchema)
    address = fields.Nested(AddressViewSchema)
    phone = fields.String(**N, metadata={"description": "The best number that reaches the program (phone_source)"})
    phone_source = fields.String(**N, metadata={"description": PHONE_SOURCE})
    phone_note = fields.String(**N, metadata={"description": "Where a lent number came from, or 'No phone on file'"})
    no_phone_line = fields.Nested(LineSchema, **N, metadata={
        "description": "With no number at all: the line that finds any program's number (Connecticut 2-1-1)"})
    location = fields.Nested(PointViewSchema, **N)
    no_site = fields.Boolean(metadata={"description": "A service with no site: phone or online only"})
    site_text = fields.String(**N, metadata={"description": "'No site: phone or online' when no_site"})
    distance = fields.Nested(DistanceSchema, **N)
    capacity = fields.Nested(CapacityViewSchema)
    open_now = fields.Boolean(**N, metadata={"description": "null: hours not stated"})
    next_opening = fields.String(**N)
    opening_text = fields.String()
    hours = fields.String(**N, metadata={"description": "The weekly hours as people say them, in the request's "
                                                        "language and local time (America/New_York): 'Mon-Fri 9 am-5 pm; "
                                                        "Sat 9 am-noon', 'Every night 5 pm-8 am'; null: not stated"})
    walk_in = fields.Boolean(**N)
    walk_in_now = fields.Boolean(metadata={"description": "Walk-ins are taken now: no waitlist or 'full' "
                                                         "confirmed within the freshness window says otherwise"})
    access_text = fields.String(**N, metadata={"description": "What applies now when walk-in and a confirmed "
                                                            "waitlist or 'full' meet"})
    languages = fields.List(fields.String())
    needs = fields.List(fields.String())
    serves = fields.Nested(ServesSchema)
    required_documents = fields.List(fields.String(), metadata={"description": "What to bring, as the program states it"})
    sample = fields.Boolean()


class ReferralOutcomesSchema(Schema):
    days = fields.Integer(metadata={"description": "The window: the last 90 days"})
    received = fields.Integer(metadata={"description": "Referrals received (not counting those withdrawn before "
                                                       "the provider decided)"})
    accepted = fields.Integer()
    declined = fields.Integer()
    acceptance_rate = fields.Float()
    decline_rate = fields.Float()
    decline_reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    text = fields.String()


class ResultSchema(ResultBaseSchema):
    score = fields.Float(**N)
    reasons = fields.List(fields.String())
    cautions = fields.List(fields.String())
    also_here = fields.List(fields.String(), metadata={
        "description": "The organisation's other programs at the same address (organisation / program)"})
    referral_outcomes = fields.Nested(ReferralOutcomesSchema, **N, metadata={
        "description": "Case managers: this listing's referral acceptance and decline over the last 90 days "
                       "(null when it received none, and for other roles)"})


class ResolvedLocationSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()
    resolved_by = fields.String(metadata={"description": "coordinates, zip, neighbourhood, corner or town"})
    label = fields.String(**N)
    town = fields.String(**N)


class StandInSchema(ResultBaseSchema):
    """A 24/7 place that stands in for a need (an emergency department for detox)."""
    beds = fields.Integer(**N)
    why = fields.String()


class NowSchema(Schema):
    """What can be done at any hour."""
    first = fields.Boolean(metadata={"description": "Nothing that meets the need is open (at the time asked): "
                                                   "results begin with this"})
    message = fields.String(**N)
    places = fields.List(fields.Nested(StandInSchema))
    lines = fields.List(fields.Nested(LineSchema))


class SectionSchema(Schema):
    need = fields.String()
    name = fields.String()
    total = fields.Integer()
    results = fields.List(fields.Nested(ResultSchema))
    now = fields.Nested(NowSchema)


class MatchResponseSchema(Schema):
    total = fields.Integer()
    took_ms = fields.Integer()
    needs = fields.List(fields.String())
    at = fields.String(**N, metadata={"description": "The time asked about (at), with its offset; null: now"})
    location = fields.Nested(ResolvedLocationSchema, **N)
    results = fields.List(fields.Nested(ResultSchema), metadata={"description": "The single ranked list"})
    now = fields.Nested(NowSchema)
    sections = fields.List(fields.Nested(SectionSchema), metadata={
        "description": "With several needs: one section per need, each ranked on its own (empty with one need)"})


class NeedFacetSchema(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class TownFacetSchema(Schema):
    town = fields.String()
    label = fields.String()
    count = fields.Integer()


class CapacityFacetSchema(Schema):
    available = fields.Integer()
    waitlist = fields.Integer()
    full = fields.Integer()
    unknown = fields.Integer()


class FacetsSchema(Schema):
    needs = fields.List(fields.Nested(NeedFacetSchema))
    towns = fields.List(fields.Nested(TownFacetSchema))
    capacity = fields.Nested(CapacityFacetSchema)


class BrowseResponseSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    sort = fields.String()
    took_ms = fields.Integer()
    location = fields.Nested(ResolvedLocationSchema, **N)
    results = fields.List(fields.Nested(ResultSchema))
    facets = fields.Nested(FacetsSchema)


class NearbyResultSchema(ResultBaseSchema):
    beds = fields.Integer(**N, metadata={"description": "Open beds, when confirmed within the freshness window"})
    order_text = fields.String(**N, metadata={"description": "Why this card stands above a nearer one"})


class NearbyResponseSchema(Schema):
    need = fields.String()
    needs = fields.List(fields.String())
    open_now_count = fields.Integer()
    message = fields.String(**N, metadata={"description": "Set when nothing is open now or nothing is near"})
    at = fields.String(**N, metadata={"description": "The time asked about (at), with its offset; null: now"})
    now = fields.Nested(NowSchema)
    location = fields.Nested(ResolvedLocationSchema)
    radius_miles = fields.Float()
    took_ms = fields.Integer()
    results = fields.List(fields.Nested(NearbyResultSchema))


class BedTownSchema(Schema):
    town = fields.String()
    programs = fields.Integer()
    available = fields.Integer(metadata={"description": "Open beds confirmed within the window, less those held"})
    held = fields.Integer(metadata={"description": "Open beds held for accepted referrals"})
    waitlist = fields.Integer()
    programs_with_openings = fields.Integer()
    programs_confirmed = fields.Integer()
    programs_unconfirmed = fields.Integer()
    programs_no_capacity_reported = fields.Integer()
    newest_update = fields.String(**N)


class BedGroupSchema(Schema):
    group = fields.String()
    label = fields.String()
    available = fields.Integer()
    held = fields.Integer()
    towns = fields.List(fields.Nested(BedTownSchema))


class BedBoardSchema(Schema):
    fresh_hours = fields.Float()
    as_of = fields.String()
    groups = fields.List(fields.Nested(BedGroupSchema))


def _eligibility_view_field(dim: eligibility.Dimension) -> fields.Field:
    return dim.kind.view_field(dim)


# Keyed by the provider edit fields (``PATCH /services/{id}`` takes the same names).
EligibilityViewSchema = Schema.from_dict(
    {column: _eligibility_view_field(d) for d in eligibility.DIMENSIONS for column in d.columns},
    name="EligibilityViewSchema")


class OrganizationViewSchema(Schema):
    id = fields.String()
    name = fields.String()
    alternate_name = fields.String(**N)
    description = fields.String(**N)
    website = fields.String(**N)
    email = fields.String(**N)


class ServiceViewSchema(Schema):
    id = fields.String()
    name = fields.String()
    alternate_name = fields.String(**N)
    description = fields.String(**N)
    url = fields.String(**N)
    email = fields.String(**N)
    interpretation_services = fields.String(**N)
    application_process = fields.String(**N)
    fees_description = fields.String(**N)
    eligibility_description = fields.String(**N)
    alert = fields.String(**N)
    minimum_age = fields.Integer(**N)
    maximum_age = fields.Integer(**N)
    assured_date = fields.String(**N)
    last_modified = fields.String(**N)


class LocationViewSchema(Schema):
    id = fields.String(**N)
    name = fields.String(**N)
    lat = fields.Float()
    lon = fields.Float()
    geocode_quality = fields.String(**N)
    transportation = fields.String(**N)
    location_type = fields.String(metadata={"description": "physical, or virtual: no site (phone or online)"})


class IntervalSchema(Schema):
    start = fields.Integer(metadata={"description": "Minute of the local week (Monday 00:00 = 0)"})
    end = fields.Integer(metadata={"description": "Exclusive"})
    text = fields.String()


class HoursViewSchema(Schema):
    text = fields.String(**N)
    always_open = fields.Boolean(**N)
    known = fields.Boolean(**N)
    source_text = fields.String(**N)
    intervals = fields.List(fields.Nested(IntervalSchema))
    open_now = fields.Boolean(**N)
    next_opening = fields.String(**N)
    opening_text = fields.String()


class NeedRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class AccessSchema(Schema):
    walk_in = fields.Boolean(**N)
    appointment_required = fields.Boolean(**N)


class ProvenanceViewSchema(Schema):
    source = fields.String()
    source_id = fields.String()
    file = fields.String(**N)
    imported_at = fields.String(**N)


class ListingSchema(Schema):
    """One listing as the API shows it."""
    id = fields.String(required=True)
    name = fields.String()
    description = fields.String(**N)
    status = fields.String()
    sample = fields.Boolean()
    organization = fields.Nested(OrganizationViewSchema)
    service = fields.Nested(ServiceViewSchema)
    location = fields.Nested(LocationViewSchema)
    no_site = fields.Boolean(metadata={"description": "A service with no site: phone or online only"})
    site_text = fields.String(**N)
    address = fields.Nested(AddressViewSchema)
    phones = fields.List(fields.Nested(PhoneSchema))
    phone = fields.String(**N, metadata={"description": "The best number that reaches the program (phone_source)"})
    phone_source = fields.String(**N, metadata={"description": PHONE_SOURCE})
    phone_note = fields.String(**N)
    hours = fields.Nested(HoursViewSchema)
    needs = fields.List(fields.Nested(NeedRefSchema))
    languages = fields.List(fields.String())
    required_documents = fields.List(fields.String())
    eligibility = fields.Nested(EligibilityViewSchema)
    serves = fields.Nested(ServesSchema)
    access = fields.Nested(AccessSchema)
    capacity = fields.Nested(CapacityViewSchema)
    sources = fields.List(fields.Nested(ProvenanceViewSchema))
    edited_fields = fields.List(fields.String())
    edited_at = fields.String(**N)
    inferred = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Eligibility columns read from the program's name or description, with where they were read"})
    also_here = fields.List(fields.Nested(RefSchema), metadata={
        "description": "The organisation's other programs at the same address (listing id, 'organisation / program')"})
    details = fields.Dict(metadata={
        "description": "What the source feed says beyond what matching reads: wait_time, audience, service_areas, "
                       "accessibility, funding, payment_methods, holiday_schedules, contacts, location_languages, "
                       "as_given (values kept as written because the directory cannot model them)"})
    flags = fields.List(fields.Dict(), metadata={
        "description": "Why an import wants a person's look ({code, message}): organization_unknown, uncategorised, "
                       "needs_from_text, capacity_unit_not_modelled, schedule_unreadable, age_unreadable"})
    needs_read_from = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Needs read from the service's own text (the feed named none): code -> the words"})


class OrganizationSummarySchema(Schema):
    id = fields.String()
    name = fields.String()
    listings = fields.Integer()
    active_listings = fields.Integer()


class OrganizationsSchema(Schema):
    organizations = fields.List(fields.Nested(OrganizationSummarySchema))


class HistoryEntrySchema(Schema):
    revision = fields.Integer()
    at = fields.String()
    by = fields.String()
    kind = fields.String(metadata={"description": "update, confirm, or placement (an enrolled referral took a bed)"})
    old = fields.Raw(**N)
    new = fields.Raw(**N)


class CapacityHistorySchema(Schema):
    listing_id = fields.String()
    last_confirmed_at = fields.String(**N)
    last_confirmed_by = fields.String(**N)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    next_before = fields.Integer(**N, metadata={"description": "Pass as `before` for the next page; null at the end"})


class UserSchema(Schema):
    username = fields.String()
    role = fields.String()
    organizations = fields.List(fields.String())
    display_name = fields.String(**N)
    disabled = fields.Boolean()
    program = fields.String(**N, metadata={"description": "Case managers and officers: the LEAD site whose "
                                                          "referrals they see; null: only their own"})


class UsersSchema(Schema):
    users = fields.List(fields.Nested(UserSchema))


class CreatedUserSchema(UserSchema):
    token = fields.String(metadata={"description": "The account's API token, shown this once"})


class TokenSchema(Schema):
    username = fields.String()
    token = fields.String(metadata={"description": "Shown this once"})


class AuditMetadataSchema(Schema):
    resource_id = fields.String(**N)
    resource_type = fields.String()
    last_action_date = fields.String()
    last_action_type = fields.String()
    field_name = fields.String(**N)
    previous_value = fields.Raw(**N)
    replacement_value = fields.Raw(**N)
    updated_by = fields.String()


class AuditEventSchema(Schema):
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    listing_id = fields.String(**N)
    field = fields.String(**N)
    old = fields.Raw(**N)
    new = fields.Raw(**N)
    source = fields.String(**N)
    detail = fields.Dict(**N)
    metadata = fields.Nested(AuditMetadataSchema)


class AuditSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))


class HealthSchema(Schema):
    status = fields.String()


class ReadySchema(Schema):
    status = fields.String()
    index = fields.String()
    listings = fields.Integer()


class SuggestionSchema(Schema):
    id = fields.String()
    listing_id = fields.String()
    listing_name = fields.String(**N)
    organization_id = fields.String()
    organization_name = fields.String(**N)
    changes = fields.Dict(metadata={"description": "Field -> suggested value, named as in PATCH /services/{id}"})
    note = fields.String(**N)
    by = fields.String()
    at = fields.String()
    status = fields.String(metadata={"description": "pending, accepted or rejected"})
    decided_by = fields.String(**N)
    decided_at = fields.String(**N)
    decision_note = fields.String(**N)


class SuggestionsSchema(Schema):
    suggestions = fields.List(fields.Nested(SuggestionSchema))
