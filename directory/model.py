"""The domain model: a listing record, shaped after Open Referral HSDS 3.0 and extended for LEAD.

A *listing* is one service at one location (HSDS ``service_at_location``) with its organisation,
address, phones, schedules, capacity (HSDS 3.1 ``service_capacity`` + ``unit``, extended with a
waitlist and accepting-new-clients) and the structured eligibility a LEAD placement turns on.

Eligibility is three-valued everywhere: a missing value (``None``) means *not stated*, which is
different from an empty list or ``False``. Importers must leave a value out rather than guess.

The schemas validate and normalise records on their way into the store; a record that fails is
rejected with the field path and message, and never half-indexed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import (RAISE, Schema, ValidationError, fields, post_load, pre_load,
                         validate, validates, validates_schema)

from directory import eligibility, hours, taxonomy
from directory.eligibility import COLUMNS as ELIGIBILITY_COLUMNS

SERVICE_STATUS = ("active", "inactive", "defunct", "temporarily_closed")
CAPACITY_UNITS = ("beds", "slots", "appointments", "spaces")
# A feed's capacity in a unit we do not model (meals, vouchers, ...) keeps its figures as "other", with
# the feed's own unit name beside them (``unit_name``); providers choose among CAPACITY_UNITS only.
IMPORTED_CAPACITY_UNITS = CAPACITY_UNITS + ("other",)
# Why an imported listing wants a person's look (``flags``): it is listed, and says so.
FLAG_CODES = ("organization_unknown", "uncategorised", "needs_from_text", "capacity_unit_not_modelled",
              "schedule_unreadable", "age_unreadable", "review")
GEOCODE_QUALITY = ("provided", "cache", "geocoder", "zip_centroid", "town_centroid", "none")
# HSDS ``location_type``: a service with no site (phone or online only) has a virtual location, no point.
LOCATION_TYPES = ("physical", "virtual")


def normalise_zip(value: Any) -> str | None:
    """Repair ZIPs that lost their leading zero in a spreadsheet ('6106' -> '06106')."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.endswith(".0"):
        text = text[:-2]
    head = text.split("-", 1)[0]
    if head.isdigit() and 3 <= len(head) <= 5:
        return head.zfill(5)
    return text


class _Base(Schema):
    class Meta:
        unknown = RAISE


class ProvenanceSchema(_Base):
    source = fields.String(required=True)
    source_id = fields.String(required=True)
    file = fields.String(load_default=None, allow_none=True)
    imported_at = fields.String(load_default=None, allow_none=True)


class SiteProgramSchema(_Base):
    id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(max=600))
    needs = fields.List(fields.String(), load_default=list)


class ReachSchema(_Base):
    """The best number that reaches a listing stating no phone of its own (``ingest.reach``), derived at
    import: another program's number, with which program and where."""
    number = fields.String(required=True, validate=validate.Length(min=3, max=60))
    extension = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    via = fields.String(required=True, validate=validate.OneOf(("site", "organization")))
    listing_id = fields.String(required=True)
    organization = fields.String(required=True, validate=validate.Length(max=400))
    service = fields.String(required=True, validate=validate.Length(max=400))
    town = fields.String(load_default=None, allow_none=True)


class SiteSchema(_Base):
    """What the organisation's other programs at the same address offer (``ingest.sites``), derived at
    import: weaker evidence than the listing's own needs."""
    needs = fields.List(fields.String(), load_default=list)
    programs = fields.List(fields.Nested(SiteProgramSchema), load_default=list, validate=validate.Length(max=20))

    @validates("needs")
    def _needs(self, value: list[str], **_: Any) -> None:
        unknown = [c for c in value if not taxonomy.is_code(c)]
        if unknown:
            raise ValidationError(f"unknown need codes: {', '.join(unknown)}")


class OrganizationSchema(_Base):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    alternate_name = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)
    website = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


class ServiceSchema(_Base):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    alternate_name = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)
    url = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default="active", validate=validate.OneOf(SERVICE_STATUS))
    interpretation_services = fields.String(load_default=None, allow_none=True)
    application_process = fields.String(load_default=None, allow_none=True)
    fees_description = fields.String(load_default=None, allow_none=True)
    eligibility_description = fields.String(load_default=None, allow_none=True)
    alert = fields.String(load_default=None, allow_none=True)
    minimum_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 120))
    maximum_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 120))
    assured_date = fields.Date(load_default=None, allow_none=True)
    last_modified = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)

    @validates_schema
    def _ages(self, data: dict, **_: Any) -> None:
        lo, hi = data.get("minimum_age"), data.get("maximum_age")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError("minimum_age is above maximum_age", "minimum_age")


class AddressSchema(_Base):
    address_1 = fields.String(load_default=None, allow_none=True)
    address_2 = fields.String(load_default=None, allow_none=True)
    city = fields.String(load_default=None, allow_none=True)
    state_province = fields.String(load_default=None, allow_none=True)
    postal_code = fields.String(load_default=None, allow_none=True)
    country = fields.String(load_default="US")

    @pre_load
    def _zip(self, data: dict, **_: Any) -> dict:
        if isinstance(data, dict) and "postal_code" in data:
            data = {**data, "postal_code": normalise_zip(data["postal_code"])}
        return data


class LocationSchema(_Base):
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    geocode_quality = fields.String(load_default="none", validate=validate.OneOf(GEOCODE_QUALITY))
    transportation = fields.String(load_default=None, allow_none=True)
    location_type = fields.String(load_default="physical", validate=validate.OneOf(LOCATION_TYPES))

    @validates_schema
    def _pair(self, data: dict, **_: Any) -> None:
        if data.get("location_type") == "virtual" and data.get("latitude") is not None:
            raise ValidationError("a virtual location (no site) has no coordinates", "latitude")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("latitude and longitude must be given together", "latitude")
        if data.get("latitude") == 0 and data.get("longitude") == 0:
            raise ValidationError("0,0 is not a place in the directory's area", "latitude")


class PhoneSchema(_Base):
    number = fields.String(required=True, validate=validate.Length(min=3, max=60))
    extension = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    type = fields.String(load_default="voice", validate=validate.Length(max=40))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    # ISO 639-1 codes of the languages answered on this number (HSDS phone.languages).
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")), load_default=None,
                            allow_none=True)


class ScheduleSchema(_Base):
    """The weekly subset of HSDS ``schedule`` that opening hours are computed from."""
    freq = fields.String(load_default="WEEKLY", validate=validate.OneOf(("WEEKLY", "DAILY")))
    byday = fields.String(load_default=None, allow_none=True)
    opens_at = fields.String(load_default=None, allow_none=True)
    closes_at = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _parses(self, data: dict, **_: Any) -> None:
        try:
            hours.schedule_intervals([data])
        except hours.HoursError as exc:
            raise ValidationError(str(exc), "byday") from exc


def _eligibility_field(dim: eligibility.Dimension) -> fields.Field:
    return dim.kind.record_field(dim)


# Structured LEAD eligibility, one field per row of ``directory.eligibility.DIMENSIONS`` kept under
# ``eligibility`` (ages live on the service, as HSDS has them). ``None`` = not stated, never a guess.
EligibilitySchema = _Base.from_dict(
    {d.listing_paths[0].split(".", 1)[1]: _eligibility_field(d) for d in eligibility.DIMENSIONS
     if d.listing_paths[0].startswith("eligibility.")}, name="EligibilitySchema")


class AccessSchema(_Base):
    walk_in = fields.Boolean(load_default=None, allow_none=True)
    appointment_required = fields.Boolean(load_default=None, allow_none=True)


class CapacitySchema(_Base):
    """HSDS 3.1 ``service_capacity`` + ``unit``, with a waitlist and accepting-new-clients."""
    available = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    maximum = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    unit = fields.String(load_default="beds", validate=validate.OneOf(IMPORTED_CAPACITY_UNITS))
    # The feed's own name of a unit we do not model (unit "other"), kept verbatim.
    unit_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    waitlist = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    wait_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 3650))
    accepting_new_clients = fields.Boolean(load_default=None, allow_none=True)
    updated_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    updated_by = fields.String(load_default=None, allow_none=True)
    # The source wrote its time relative to the import ("now-6h"): it states no time of its own, so it
    # never outranks a provider's edit (see ``store.apply_edit_fields``).
    relative_time = fields.Boolean(load_default=None, allow_none=True)
    # A provider's changes are numbered; the last few ride along with the figure (directory.capacity).
    revision = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0))
    log = fields.List(fields.Dict(), load_default=None, allow_none=True)

    @validates_schema
    def _bounds(self, data: dict, **_: Any) -> None:
        a, m = data.get("available"), data.get("maximum")
        if a is not None and m is not None and a > m:
            raise ValidationError("available is above maximum", "available")


class FlagSchema(_Base):
    """Why an imported listing wants a person's look, in words that name the real cause."""
    code = fields.String(required=True, validate=validate.OneOf(FLAG_CODES))
    message = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class _Text(fields.String):
    def __init__(self, **kw: Any) -> None:
        super().__init__(load_default=None, allow_none=True, validate=validate.Length(max=4000), **kw)


class ServiceAreaSchema(_Base):
    name = _Text()
    description = _Text()
    extent = _Text()
    extent_type = _Text()


class AccessibilitySchema(_Base):
    description = _Text()
    details = _Text()
    url = _Text()


class ContactPhoneSchema(_Base):
    number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    extension = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    type = fields.String(load_default="voice", validate=validate.Length(max=40))
    description = _Text()


class ContactSchema(_Base):
    name = _Text()
    title = _Text()
    department = _Text()
    email = _Text()
    phones = fields.List(fields.Nested(ContactPhoneSchema), load_default=list)


class HolidayScheduleSchema(_Base):
    """A day or span of days the usual hours do not hold (a holiday closure, shorter hours)."""
    valid_from = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}$"))
    valid_to = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}$"))
    closed = fields.Boolean(load_default=None, allow_none=True)
    opens_at = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2}:\d{2}$"))
    closes_at = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2}:\d{2}$"))
    description = _Text()


class AsGivenSchema(_Base):
    """A value the directory cannot model, kept as the feed wrote it."""
    field = fields.String(required=True, validate=validate.Length(min=1, max=200))
    value = fields.String(required=True, validate=validate.Length(max=4000))


class DetailsSchema(_Base):
    """What a feed says that matching does not read but a case manager uses: kept, shown and republished."""
    wait_time = _Text()
    audience = _Text()
    service_areas = fields.List(fields.Nested(ServiceAreaSchema), load_default=None, allow_none=True)
    accessibility = fields.List(fields.Nested(AccessibilitySchema), load_default=None, allow_none=True)
    funding = fields.List(fields.String(validate=validate.Length(max=1000)), load_default=None, allow_none=True)
    payment_methods = fields.List(fields.String(validate=validate.Length(max=300)), load_default=None,
                                  allow_none=True)
    holiday_schedules = fields.List(fields.Nested(HolidayScheduleSchema), load_default=None, allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema), load_default=None, allow_none=True)
    location_languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")), load_default=None,
                                     allow_none=True)
    as_given = fields.List(fields.Nested(AsGivenSchema), load_default=None, allow_none=True)


class HoldSchema(_Base):
    """A bed held for an accepted referral (``directory.holds``): which, since and until when, by whom."""
    referral_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    at = fields.String(required=True)
    until = fields.String(required=True)
    by = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _times(self, data: dict, **_: Any) -> None:
        for key in ("at", "until"):
            try:
                datetime.fromisoformat(data[key].replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError("not an ISO date and time", key) from None


class ListingRecordSchema(_Base):
    """One service at one location, as every importer hands it to the store."""
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._:-]{1,200}$"))
    organization = fields.Nested(OrganizationSchema, required=True)
    service = fields.Nested(ServiceSchema, required=True)
    location = fields.Nested(LocationSchema, required=True)
    address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    phones = fields.List(fields.Nested(PhoneSchema), load_default=list)
    schedules = fields.List(fields.Nested(ScheduleSchema), load_default=list)
    hours_text = fields.String(load_default=None, allow_none=True)
    # At least one need, unless the listing is flagged ``uncategorised`` (a feed's service with no need our
    # taxonomy recognises: listed, found by its words and taxonomy terms, and flagged for review).
    needs = fields.List(fields.String(), required=True)
    # Needs read from the service's own text: code -> the words they were read from.
    needs_read_from = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(max=400)),
                                  load_default=None, allow_none=True)
    flags = fields.List(fields.Nested(FlagSchema), load_default=None, allow_none=True)
    details = fields.Nested(DetailsSchema, load_default=None, allow_none=True)
    source_terms = fields.List(fields.String(), load_default=list)
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")), load_default=None,
                            allow_none=True)
    required_documents = fields.List(fields.String(), load_default=list)
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    # Eligibility columns whose value was read from a name or description, not stated in a column:
    # column -> where it was read ("from the name ..."). A provider's edit of the column removes it.
    inferred = fields.Dict(keys=fields.String(validate=validate.OneOf(ELIGIBILITY_COLUMNS)),
                           values=fields.String(validate=validate.Length(max=400)), load_default=dict)
    access = fields.Nested(AccessSchema, load_default=dict)
    capacity = fields.Nested(CapacitySchema, load_default=None, allow_none=True)
    # Beds held for accepted referrals; absent on records that never had one (directory.holds).
    holds = fields.List(fields.Nested(HoldSchema), allow_none=True, validate=validate.Length(max=1000))
    sources = fields.List(fields.Nested(ProvenanceSchema), required=True, validate=validate.Length(min=1))
    sample = fields.Boolean(load_default=False)
    site = fields.Nested(SiteSchema, load_default=None, allow_none=True)
    reach = fields.Nested(ReachSchema, load_default=None, allow_none=True)

    @validates("needs")
    def _needs(self, value: list[str], **_: Any) -> None:
        unknown = [c for c in value if not taxonomy.is_code(c)]
        if unknown:
            raise ValidationError(f"unknown need codes: {', '.join(unknown)}")

    @validates_schema
    def _some_need(self, data: dict, **_: Any) -> None:
        if not data.get("needs") and not any(f["code"] == "uncategorised" for f in data.get("flags") or []):
            raise ValidationError("at least one need is required (or the uncategorised flag of an import)", "needs")

    @validates("hours_text")
    def _hours(self, value: str | None, **_: Any) -> None:
        if value:
            try:
                hours.parse_hours(value)
            except hours.HoursError as exc:
                raise ValidationError(str(exc)) from exc

    @post_load
    def _finish(self, data: dict, **_: Any) -> dict:
        data["needs"] = taxonomy.leaves(data["needs"])
        if data["needs"] and data.get("flags"):  # given a need since: no longer uncategorised
            data["flags"] = [f for f in data["flags"] if f["code"] != "uncategorised"]
        for key in ("needs_read_from", "flags", "details"):
            if not data.get(key):
                data.pop(key, None)  # records that have none stay as they were
        if data.get("details"):
            data["details"] = _no_nulls(data["details"])
            if not data["details"]:
                del data["details"]
        for phone in data.get("phones") or []:
            if phone.get("languages") is None:
                phone.pop("languages", None)
        if data.get("capacity") and data["capacity"].get("unit_name") is None:
            data["capacity"].pop("unit_name", None)
        # Records leave validation JSON-ready: dates become ISO strings once, here.
        service, capacity = data["service"], data.get("capacity")
        for holder, key in ((service, "assured_date"), (service, "last_modified"), (capacity, "updated_at")):
            if holder and holder.get(key) is not None:
                holder[key] = holder[key].isoformat()
        return data


def _no_nulls(value: Any) -> Any:
    """Unknown values left out, all the way down (a feed's contact with no title has no title)."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


LISTING_RECORD = ListingRecordSchema()


def load_record(raw: dict) -> dict:
    """Validate and normalise a raw record; raises ``ValidationError`` with field paths."""
    return LISTING_RECORD.load(raw)


def error_messages(exc: ValidationError) -> list[tuple[str, str]]:
    """Flatten marshmallow's nested messages into (field.path, message) pairs."""
    out: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                if isinstance(key, int):
                    walk(sub, f"{path}[{key}]")
                elif key == "_schema":
                    walk(sub, path)
                else:
                    walk(sub, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and not all(isinstance(n, str) for n in node):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")
        else:
            for msg in node if isinstance(node, list) else [node]:
                out.append((path or "_record", str(msg)))

    walk(exc.messages, "")
    return out

