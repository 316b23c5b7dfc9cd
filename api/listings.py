"""Reading one listing, and the organisations in the directory."""
from __future__ import annotations

from api.auth import require, user
from api.problem import documents_errors, problem
from api.runtime import Blueprint, request_language, runtime
from api.schemas import ListingSchema, OrganizationsSchema
from directory import permissions
from directory.errors import ListingNotFound

blp = Blueprint("listings", __name__, url_prefix="/api/v1", description="Directory listings")


@blp.route("/services/<string:listing_id>")
@require("listing.read")
@blp.response(200, ListingSchema, headers={"ETag": {"description": "Send it back in If-Match to change the listing",
                                                     "schema": {"type": "string"}}})
@documents_errors(blp, 401, 403, 404)
def get_listing(listing_id: str):
    """One listing: a service at a location, with hours, who it serves, eligibility, capacity and provenance."""
    try:
        view, etag, organization_id = runtime().search.listing(listing_id, request_language())
    except ListingNotFound:
        return problem(404, f"No listing {listing_id!r}.")
    if not permissions.covers_organization(user(), "listing.read", organization_id):
        return problem(403, "Providers see their own organisation's listings.")
    return view, 200, {"ETag": f'"{etag}"'}


@blp.route("/organizations")
@require("organizations.list")
@blp.response(200, OrganizationsSchema)
@documents_errors(blp, 401, 403)
def list_organizations():
    """Every organisation in the directory, with how many listings it has (to bind provider accounts)."""
    return {"organizations": runtime().search.organizations()}
