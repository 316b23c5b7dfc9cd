"""Response schemas of the HSDS 3.0 read API: the HSDS objects ``directory.hsds`` builds, field by field.

Only the fields the directory fills are declared (a dump drops any other), and unknown values are left
out rather than sent as null, as the official schemas require; the tests compare every response with
``directory.hsds`` and validate it against the compiled HSDS schemas.
"""
from __future__ import annotations

from marshmallow import Schema, fields

S, I, F = fields.String, fields.Integer, fields.Float


class HsdsTaxonomySchema(Schema):
    id = S(required=True)
    name = S(required=True)
    description = S(required=True)
    uri = S()
    version = S()


class HsdsTaxonomyTermSchema(Schema):
    id = S(required=True)
    code = S()
    name = S(required=True)
    description = S(required=True)
    parent_id = S()
    taxonomy = S()
    language = S()
    taxonomy_id = S()
    term_uri = S()


class HsdsAttributeSchema(Schema):
    id = S(required=True)
    link_id = S()
    link_type = S()
    link_entity = S()
    taxonomy_term_id = S()
    value = S()
    taxonomy_term = fields.Nested(HsdsTaxonomyTermSchema)


class HsdsLanguageSchema(Schema):
    id = S(required=True)
    service_id = S()
    location_id = S()
    phone_id = S()
    name = S()
    code = S(metadata={"description": "ISO 639-1"})


class HsdsPhoneSchema(Schema):
    id = S(required=True)
    service_id = S()
    contact_id = S()
    location_id = S()
    service_at_location_id = S()
    organization_id = S()
    number = S(required=True)
    extension = I()
    type = S(metadata={"description": "voice, cell, text, textphone, video, pager or fax (not a number to call)"})
    description = S()
    languages = fields.List(fields.Nested(HsdsLanguageSchema))


class HsdsContactSchema(Schema):
    id = S(required=True)
    service_id = S()
    name = S()
    title = S()
    department = S()
    email = S()
    phones = fields.List(fields.Nested(HsdsPhoneSchema))


class HsdsServiceAreaSchema(Schema):
    id = S(required=True)
    service_id = S()
    name = S()
    description = S()
    extent = S()
    extent_type = S()


class HsdsFundingSchema(Schema):
    id = S(required=True)
    service_id = S()
    source = S()


class HsdsAccessibilitySchema(Schema):
    id = S(required=True)
    location_id = S()
    description = S()
    details = S()
    url = S()


class HsdsScheduleSchema(Schema):
    id = S(required=True)
    service_id = S()
    location_id = S()
    service_at_location_id = S()
    valid_from = S()
    valid_to = S()
    freq = S()
    byday = S()
    opens_at = S()
    closes_at = S()
    description = S()
    notes = S(metadata={"description": "'holiday' on a dated closure or change of hours"})


class HsdsAddressSchema(Schema):
    id = S(required=True)
    location_id = S()
    address_1 = S(required=True)
    address_2 = S()
    city = S(required=True)
    state_province = S(required=True)
    postal_code = S(required=True)
    country = S(required=True)
    address_type = S(required=True)


class HsdsLocationSchema(Schema):
    id = S(required=True)
    location_type = S(required=True)
    organization_id = S()
    name = S()
    latitude = F()
    longitude = F()
    transportation = S()
    addresses = fields.List(fields.Nested(HsdsAddressSchema))
    languages = fields.List(fields.Nested(HsdsLanguageSchema))
    accessibility = fields.List(fields.Nested(HsdsAccessibilitySchema))


class HsdsUnitSchema(Schema):
    id = S(required=True)
    name = S(required=True)
    scheme = S()
    identifier = S()


class HsdsCapacitySchema(Schema):
    """HSDS 3.1 ``service_capacity``."""
    id = S(required=True)
    service_id = S()
    unit_id = S()
    unit = fields.Nested(HsdsUnitSchema, required=True)
    available = I(required=True)
    maximum = I()
    description = S()
    updated = S(required=True)


class HsdsRequiredDocumentSchema(Schema):
    id = S(required=True)
    service_id = S()
    document = S()


class HsdsOrganizationBasicSchema(Schema):
    id = S(required=True)
    name = S(required=True)
    alternate_name = S()
    description = S(required=True)
    email = S()
    website = S()


class HsdsServiceBasicSchema(Schema):
    id = S(required=True)
    organization_id = S()
    name = S(required=True)
    alternate_name = S()
    description = S()
    url = S()
    email = S()
    status = S(required=True)
    interpretation_services = S()
    application_process = S()
    fees_description = S()
    eligibility_description = S()
    wait_time = S()
    alert = S()
    minimum_age = I()
    maximum_age = I()
    assured_date = S()
    last_modified = S()


class HsdsServiceAtLocationSchema(Schema):
    id = S(required=True)
    service_id = S()
    location_id = S()
    schedules = fields.List(fields.Nested(HsdsScheduleSchema))
    location = fields.Nested(HsdsLocationSchema)
    phones = fields.List(fields.Nested(HsdsPhoneSchema))
    service = fields.Nested(HsdsServiceBasicSchema)


class HsdsServiceSchema(HsdsServiceBasicSchema):
    """A fully nested service: one listing (a service at one site, or with no site)."""
    organization = fields.Nested(HsdsOrganizationBasicSchema)
    service_at_locations = fields.List(fields.Nested(HsdsServiceAtLocationSchema))
    phones = fields.List(fields.Nested(HsdsPhoneSchema))
    schedules = fields.List(fields.Nested(HsdsScheduleSchema))
    languages = fields.List(fields.Nested(HsdsLanguageSchema))
    required_documents = fields.List(fields.Nested(HsdsRequiredDocumentSchema))
    attributes = fields.List(fields.Nested(HsdsAttributeSchema))
    capacities = fields.List(fields.Nested(HsdsCapacitySchema), metadata={"description": "HSDS 3.1 service_capacity"})
    contacts = fields.List(fields.Nested(HsdsContactSchema))
    service_areas = fields.List(fields.Nested(HsdsServiceAreaSchema))
    funding = fields.List(fields.Nested(HsdsFundingSchema))


class HsdsOrganizationSchema(HsdsOrganizationBasicSchema):
    services = fields.List(fields.Nested(HsdsServiceSchema))
    locations = fields.List(fields.Nested(HsdsLocationSchema), metadata={"description": "With full=true"})


class _Page(Schema):
    total_items = I()
    total_pages = I()
    page_number = I()
    size = I()
    first_page = fields.Boolean()
    last_page = fields.Boolean()
    empty = fields.Boolean()


class HsdsServicePageSchema(_Page):
    contents = fields.List(fields.Nested(HsdsServiceSchema))


class HsdsOrganizationPageSchema(_Page):
    contents = fields.List(fields.Nested(HsdsOrganizationSchema))


class HsdsServiceAtLocationPageSchema(_Page):
    contents = fields.List(fields.Nested(HsdsServiceAtLocationSchema))


class HsdsTaxonomyPageSchema(_Page):
    contents = fields.List(fields.Nested(HsdsTaxonomySchema))


class HsdsTaxonomyTermPageSchema(_Page):
    contents = fields.List(fields.Nested(HsdsTaxonomyTermSchema))


class HsdsProfileTaxonomySchema(Schema):
    id = S()
    name = S()
    description = S()
    terms = S(metadata={"description": "Where its terms are listed"})


class HsdsProfileSchema(Schema):
    """Our HSDS profile, described where the API's root points (``profile``)."""
    name = S()
    hsds_version = S()
    description = S()
    listing = S(metadata={"description": "How one listing is published"})
    taxonomies = fields.List(fields.Nested(HsdsProfileTaxonomySchema))
    extensions = fields.List(S(), metadata={"description": "What this profile adds to HSDS 3.0"})
    taxonomies_url = S()


class HsdsMetaSchema(Schema):
    version = S(metadata={"description": "HSDS version of this API"})
    profile = S(metadata={"description": "Where this API's HSDS profile (our taxonomies) is described"})
    openapi_url = S()
    public = fields.Boolean(metadata={"description": "Whether this API answers without a token"})
