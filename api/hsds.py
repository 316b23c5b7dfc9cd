"""The HSDS 3.0 read API under /hsds/, after the Open Referral HSDS 3.0 OpenAPI: services, organizations,
service_at_locations, taxonomies and taxonomy terms, and / with the API's metadata.

Each listing is one HSDS service with one service_at_location (``directory.hsds`` says why). With
``LEAD_PUBLIC_DIRECTORY`` on, these reads need no token and carry CORS for GET, caching headers and
per-client rate limits; off, they need a reader's token like the rest of the API. Nothing here
reads capacity history, the audit trail, accounts or referrals.
"""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from functools import wraps
from typing import Callable

from flask import Response, request, stream_with_context, url_for
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.auth import require
from api.bounds import MAX_TEXT, Instant, identifier, search_text
from api.hsds_schemas import (HsdsMetaSchema, HsdsOrganizationPageSchema, HsdsOrganizationSchema,
                              HsdsServiceAtLocationPageSchema, HsdsServiceAtLocationSchema, HsdsServicePageSchema,
                              HsdsServiceSchema, HsdsTaxonomyPageSchema, HsdsTaxonomySchema,
                              HsdsProfileSchema, HsdsTaxonomyTermPageSchema, HsdsTaxonomyTermSchema)
from api.problem import documents_errors, problem
from api.runtime import Blueprint, runtime
from directory import hsds, hsds_terms, places, taxonomy

blp = Blueprint("hsds", __name__, url_prefix="/hsds",
                description="Open Referral HSDS 3.0 read API (public when LEAD_PUBLIC_DIRECTORY is on)")
ERRORS = (401, 403, 429, 503)
# format=ndjson: every result, one object a line, read from the engine this many at a time.
NDJSON_MAX, NDJSON_CHUNK = 10000, 500


def ndjson_doc(page_schema: str) -> dict:
    """A list's two answers: its JSON page, and with format=ndjson every result one JSON object a line."""
    return {"responses": {"200": {"description": "A page of results, or with format=ndjson every result", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{page_schema}"}},
        "application/x-ndjson": {"schema": {"type": "string",
                                            "description": "With format=ndjson: every result, one JSON object a line"}}}}}}


def public_or_reader(view: Callable) -> Callable:
    """No token needed when the directory is public; otherwise the reader roles, as everywhere else."""
    guarded = require("hsds.read")(view)

    @wraps(view)
    def inner(*args, **kwargs):
        if runtime().settings.public_directory:
            return view(*args, **kwargs)
        return guarded(*args, **kwargs)
    inner._lead_action = "hsds.read"
    return inner


# What a browser on another origin may send and read (CORS): a 211's or a state portal's page calling us.
CORS_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match, Content-Type"
CORS_EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


@blp.after_request
def public_headers(resp):
    """Public reads: any origin may GET them (a CORS preflight is answered 204), and caches may keep them
    briefly (ETag for revalidation)."""
    settings = runtime().settings
    if settings.public_directory and request.method == "OPTIONS" and resp.status_code < 400:
        resp.status_code = 204
        resp.set_data(b"")
        resp.headers.pop("Content-Type", None)
        resp.headers.update({"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS",
                             "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS, "Access-Control-Max-Age": "600"})
        return resp
    if not settings.public_directory or request.method != "GET" or resp.status_code >= 400:
        if settings.public_directory and request.method == "GET":
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        return resp
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    resp.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    resp.headers["Cache-Control"] = f"public, max-age={settings.public_cache_seconds}"
    if resp.is_streamed:
        return resp
    resp.add_etag()
    return resp.make_conditional(request)


class _Args(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(1, 500),
                          metadata={"description": "Page number, from 1"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                              metadata={"description": "Results in one page (at most 200)"})
    format = fields.String(validate=validate.OneOf(["json", "ndjson"]), metadata={
        "description": "json (pages, the default) or ndjson: every result, one JSON object a line, no pages "
                       f"(at most {NDJSON_MAX} results; page and per_page are then not read)"})

    @validates_schema
    def _depth(self, data: dict, **_) -> None:
        """Deep paging is refused (the engine serves the first 10,000 results of a search)."""
        if data.get("page", 1) * data.get("per_page", 50) > 10000:
            raise ValidationError("page x per_page may not exceed 10000; narrow the search instead", "page")


class DateOrInstant(Instant):
    """HSDS ``modified_after``: a date (``2026-11-01``: from the start of that day, UTC) or a date and time
    (with its zone; one written without a zone is read as UTC)."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001 - marshmallow hook
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            text += "T00:00:00+00:00"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
            text += "+00:00"
        return super()._deserialize(text, attr, data, **kwargs)


class ServicesArgs(_Args):
    search = search_text(metadata={"description": "Full text search (everyday and Spanish words included), up to "
                                                  f"{MAX_TEXT} characters"})
    taxonomy_term_id = identifier(metadata={"description": "A lead-needs term id: services with that need "
                                                          "or any need under it"})
    taxonomy_id = identifier(metadata={"description": "A taxonomy id (GET /hsds/taxonomies): services with any "
                                                     "term of it (lead-needs: a need; lead-eligibility: some "
                                                     "eligibility rule stated; lead-directory: every service)"})
    organization_id = identifier(metadata={"description": "HSDS id of the organization"})
    modified_after = DateOrInstant(metadata={"description": "Changed on or after: a date (2026-11-01, from midnight "
                                                           "UTC) or an ISO 8601 date and time"})
    full = fields.Boolean(load_default=False, metadata={"description": "Fully nested services"})
    minimal = fields.Boolean(load_default=False, metadata={
        "description": "Only each service's id and last_modified (ask for a large per_page)"})

    @validates_schema
    def _shape(self, data: dict, **_) -> None:
        if data.get("minimal") and data.get("full"):
            raise ValidationError("minimal and full ask for opposite shapes; send one", "minimal")


class ServiceAtLocationsArgs(ServicesArgs):
    postcode = fields.String(validate=validate.Regexp(r"^\d{5}(-\d{4})?$", error="a 5-digit ZIP code (or ZIP+4)"),
                             metadata={"description": "A ZIP code: services whose stated service area holds its "
                                                      "town, or, stating none, at that ZIP code; with proximity, "
                                                      "those within proximity meters of its centre"})
    proximity = fields.Float(validate=validate.Range(1, 250000), metadata={
        "description": "Meters from the centre of postcode (needs postcode)"})

    @validates_schema
    def _place(self, data: dict, **_) -> None:
        if data.get("proximity") is not None and not data.get("postcode"):
            raise ValidationError("proximity is measured from a postcode; send postcode too", "proximity")
        if data.get("postcode") and data["postcode"][:5] not in places.zip_centroids():
            raise ValidationError(f"{data['postcode']!r} is not a ZIP code we know", "postcode")


class OrganizationsArgs(_Args):
    search = search_text(metadata={"description": "Words of the organization's name"})
    full_service = fields.Boolean(load_default=False, metadata={"description": "Fully nested services"})
    full = fields.Boolean(load_default=False, metadata={
        "description": "Fully nested organizations: full services and the organization's locations"})


class OrganizationArgs(Schema):
    class Meta:
        unknown = RAISE

    full_service = fields.Boolean(load_default=False, metadata={"description": "Fully nested services"})


class TaxonomiesArgs(_Args):
    search = search_text()


class TermsArgs(_Args):
    search = search_text(metadata={"description": "Words of the term's name or code"})
    taxonomy_id = identifier()
    parent_id = identifier()
    top_only = fields.Boolean(load_default=False, metadata={"description": "Only terms without a parent"})


def _need_codes(term_id: str | None) -> list[str] | None:
    if term_id is None:
        return None
    code = hsds_terms.need_code_for_term(term_id)
    return [code] if code else []


def _taxonomy_filter(taxonomy_id: str | None) -> dict | None:
    """Query filters for HSDS ``taxonomy_id``; None when no service carries a term of that taxonomy."""
    if taxonomy_id is None:
        return {}
    name = next((t.name for t in hsds_terms.TAXONOMIES if taxonomy_id in (t.id, t.name)), None)
    return {hsds_terms.NEEDS: {"any_need": True}, hsds_terms.ELIGIBILITY: {"any_eligibility": True},
            hsds_terms.DIRECTORY: {}}.get(name) if name else None


def _listings(args: dict, *, sites_only: bool, page: int | None = None, per_page: int | None = None
              ) -> tuple[list[dict], int]:
    modified = args.get("modified_after")
    codes = _need_codes(args.get("taxonomy_term_id"))
    by_taxonomy = _taxonomy_filter(args.get("taxonomy_id"))
    if codes == [] or by_taxonomy is None:
        return [], 0  # not one of our need terms or taxonomies: no service has it
    where = {}
    if args.get("postcode"):
        zip5 = args["postcode"][:5]
        lat, lon, _, _ = places.zip_centroids()[zip5]
        where = {"postcode": zip5, "postcode_town": places.town_of_zip(zip5)}
        if args.get("proximity") is not None:
            where.update(near=(lat, lon), within_meters=args["proximity"])
    return runtime().search.hsds_listings(search=args.get("search"), need_codes=codes,
                                          organization_id=args.get("organization_id"),
                                          modified_after=modified.isoformat() if modified else None,
                                          sites_only=sites_only, page=page or args["page"],
                                          per_page=per_page or args["per_page"], minimal=args.get("minimal", False),
                                          **by_taxonomy, **where)


def _ndjson(items) -> Response:  # noqa: ANN001 - an iterable of HSDS objects
    items = iter(items)
    # The first engine read happens here, before any byte is sent: an engine away is a 503, not a cut stream.
    first = list(itertools.islice(items, 1))
    lines = (json.dumps(item, ensure_ascii=False) + "\n" for item in itertools.chain(first, items))
    return Response(stream_with_context(lines), mimetype="application/x-ndjson")


def _all_listings(args: dict, *, sites_only: bool):
    for number in range(1, NDJSON_MAX // NDJSON_CHUNK + 1):
        records, total = _listings(args, sites_only=sites_only, page=number, per_page=NDJSON_CHUNK)
        yield from records
        if number * NDJSON_CHUNK >= total:
            return


def _minimal(doc: dict) -> dict:
    """HSDS ``minimal``: the service's id and when it last changed (its own date, an edit or its capacity)."""
    dates = [d for d in ((doc.get("service") or {}).get("last_modified"), doc.get("edited_at"),
                         (doc.get("capacity") or {}).get("updated_at")) if d]
    out = {"id": doc["hsds"]["service_id"]}
    if dates:
        out["last_modified"] = max(datetime.fromisoformat(d.replace("Z", "+00:00")) for d in dates).isoformat()
    return out


# ----- routes -----------------------------------------------------------------------------------------
@blp.route("/")
@public_or_reader
@blp.response(200, HsdsMetaSchema)
@blp.doc(operationId="getAPIMetaInformation")
@documents_errors(blp, *ERRORS)
def hsds_meta():
    """This API and its relation to HSDS: the version, where its OpenAPI and its taxonomies are."""
    return {"version": hsds.HSDS_VERSION, "openapi_url": url_for("api-docs.openapi_json", _external=True),
            "profile": url_for("hsds.hsds_profile", _external=True),
            "public": runtime().settings.public_directory}


@blp.route("/profile")
@public_or_reader
@blp.response(200, HsdsProfileSchema)
@blp.doc(operationId="getProfile")
@documents_errors(blp, *ERRORS)
def hsds_profile():
    """This API's HSDS profile: what it adds to HSDS 3.0 (our taxonomies, HSDS 3.1 capacity) and how it
    publishes a listing."""
    return hsds_terms.profile(taxonomies_url=url_for("hsds.hsds_taxonomies", _external=True),
                              terms_url=url_for("hsds.hsds_taxonomy_terms", _external=True))


@blp.route("/services")
@public_or_reader
@blp.arguments(ServicesArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsServicePageSchema)
@blp.doc(operationId="getPaginatedListOfServices", **ndjson_doc("HsdsServicePage"))
@documents_errors(blp, *ERRORS, 422)
def hsds_services(args: dict):
    """Services, one per listing (a service at one site, or with no site), a page at a time."""
    build = _minimal if args["minimal"] else hsds.service_full if args["full"] else hsds.service_basic
    if args.get("format") == "ndjson":
        return _ndjson(build(r) for r in _all_listings(args, sites_only=False))
    records, total = _listings(args, sites_only=False)
    return hsds.page([build(r) for r in records], total, args["page"], args["per_page"])


@blp.route("/services/<string:service_id>")
@public_or_reader
@blp.response(200, HsdsServiceSchema)
@blp.doc(operationId="getFullyNestedServiceById")
@documents_errors(blp, *ERRORS, 404)
def hsds_service(service_id: str):
    """One fully nested service: organization, service_at_locations with location and schedules, phones,
    languages, eligibility and directory attributes, and capacity (HSDS 3.1 service_capacity)."""
    records = runtime().search.hsds_records("service_id", service_id)
    if not records:
        return problem(404, f"No service {service_id!r}.")
    return hsds.service_full(records[0])


@blp.route("/organizations")
@public_or_reader
@blp.arguments(OrganizationsArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsOrganizationPageSchema)
@blp.doc(operationId="getPaginatedListOfOrganizations", **ndjson_doc("HsdsOrganizationPage"))
@documents_errors(blp, *ERRORS, 422)
def hsds_organizations(args: dict):
    """Organizations with their services (basic, or full with full_service), a page at a time."""
    def build(group: list[dict]) -> dict:
        org = hsds.organizations(group, full_services=args["full_service"] or args["full"])[0]
        return hsds.with_locations(org, group) if args["full"] else org

    if args.get("format") == "ndjson":
        def every():
            for number in range(1, NDJSON_MAX // NDJSON_CHUNK + 1):
                groups, total = runtime().search.hsds_organizations(search=args.get("search"), page=number,
                                                                    per_page=NDJSON_CHUNK)
                yield from (build(g) for g in groups)
                if number * NDJSON_CHUNK >= total:
                    return
        return _ndjson(every())
    groups, total = runtime().search.hsds_organizations(search=args.get("search"), page=args["page"],
                                                        per_page=args["per_page"])
    return hsds.page([build(g) for g in groups], total, args["page"], args["per_page"])


@blp.route("/organizations/<string:organization_id>")
@public_or_reader
@blp.arguments(OrganizationArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsOrganizationSchema)
@blp.doc(operationId="getOrganizationById")
@documents_errors(blp, *ERRORS, 404, 422)
def hsds_organization(args: dict, organization_id: str):
    """One organization with every service it runs."""
    records = runtime().search.hsds_records("organization_id", organization_id)
    if not records:
        return problem(404, f"No organization {organization_id!r}.")
    return hsds.organizations(records, full_services=args["full_service"])[0]


@blp.route("/service_at_locations")
@public_or_reader
@blp.arguments(ServiceAtLocationsArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsServiceAtLocationPageSchema)
@blp.doc(operationId="getPaginatedListOfServiceAtLocation", **ndjson_doc("HsdsServiceAtLocationPage"))
@documents_errors(blp, *ERRORS, 422)
def hsds_service_at_locations(args: dict):
    """Service at locations (services with no site have none), a page at a time."""
    if args["minimal"]:
        build = lambda r: {"id": r["hsds"]["service_at_location_id"]}  # noqa: E731 - ids only
    else:
        build = hsds.service_at_location_full if args["full"] else (lambda r: hsds.service_at_location(r, full=False))
    if args.get("format") == "ndjson":
        return _ndjson(build(r) for r in _all_listings(args, sites_only=True))
    records, total = _listings(args, sites_only=True)
    return hsds.page([build(r) for r in records], total, args["page"], args["per_page"])


@blp.route("/service_at_locations/<string:service_at_location_id>")
@public_or_reader
@blp.response(200, HsdsServiceAtLocationSchema)
@blp.doc(operationId="getServiceAtLocationWithNestedDataById")
@documents_errors(blp, *ERRORS, 404)
def hsds_service_at_location(service_at_location_id: str):
    """One service_at_location with its location, schedules, phones and service."""
    records = runtime().search.hsds_records("service_at_location_id", service_at_location_id)
    sal = hsds.service_at_location_full(records[0]) if records else None
    if sal is None:
        return problem(404, f"No service_at_location {service_at_location_id!r}.")
    return sal


def _paged(items: list[dict], args: dict):
    if args.get("format") == "ndjson":
        return _ndjson(items)
    start = (args["page"] - 1) * args["per_page"]
    return hsds.page(items[start:start + args["per_page"]], len(items), args["page"], args["per_page"])


def _matches(words: str | None, *texts: str | None) -> bool:
    wanted = taxonomy.fold(words or "").split()
    blob = taxonomy.fold(" ".join(t or "" for t in texts))
    return all(w in blob for w in wanted)


@blp.route("/taxonomies")
@public_or_reader
@blp.arguments(TaxonomiesArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsTaxonomyPageSchema)
@blp.doc(operationId="getPaginatedListOfTaxonomies", **ndjson_doc("HsdsTaxonomyPage"))
@documents_errors(blp, *ERRORS, 422)
def hsds_taxonomies(args: dict):
    """Our three taxonomies: lead-needs, lead-eligibility and lead-directory (see README, 'HSDS')."""
    items = [t.as_hsds() for t in hsds_terms.TAXONOMIES if _matches(args.get("search"), t.name, t.description)]
    return _paged(items, args)


@blp.route("/taxonomies/<string:taxonomy_id>")
@public_or_reader
@blp.response(200, HsdsTaxonomySchema)
@blp.doc(operationId="getTaxonomyById")
@documents_errors(blp, *ERRORS, 404)
def hsds_taxonomy(taxonomy_id: str):
    """One taxonomy."""
    found = next((t.as_hsds() for t in hsds_terms.TAXONOMIES if t.id == taxonomy_id), None)
    return found or problem(404, f"No taxonomy {taxonomy_id!r}.")


@blp.route("/taxonomy_terms")
@public_or_reader
@blp.arguments(TermsArgs, location="query", unknown=RAISE)
@blp.response(200, HsdsTaxonomyTermPageSchema)
@blp.doc(operationId="getPaginatedListOfTaxonomyTerms", **ndjson_doc("HsdsTaxonomyTermPage"))
@documents_errors(blp, *ERRORS, 422)
def hsds_taxonomy_terms(args: dict):
    """Terms of our taxonomies: every need (with its parent), every eligibility rule, every directory field."""
    items = [t for t in hsds_terms.all_terms()
             if _matches(args.get("search"), t["name"], t["code"])
             and args.get("taxonomy_id") in (None, t["taxonomy_id"])
             and args.get("parent_id") in (None, t.get("parent_id"))
             and not (args["top_only"] and t.get("parent_id"))]
    return _paged(items, args)


@blp.route("/taxonomy_terms/<string:term_id>")
@public_or_reader
@blp.response(200, HsdsTaxonomyTermSchema)
@blp.doc(operationId="getTaxonomyTermById")
@documents_errors(blp, *ERRORS, 404)
def hsds_taxonomy_term(term_id: str):
    """One taxonomy term."""
    return hsds_terms.TERMS_BY_ID.get(term_id) or problem(404, f"No taxonomy term {term_id!r}.")
