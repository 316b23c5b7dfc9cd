"""Reading one listing, and the organisations in the directory."""
from __future__ import annotations

from api.auth import require, user
from api.problem import documents_errors
from api.runtime import Blueprint, request_language, runtime
from api.schemas import ListingSchema, OrganizationsSchema
from api.usecases import search

blp = Blueprint("listings", __name__, url_prefix="/api/v1", description="Directory listings")


@blp.route("/services/<string:listing_id>")
@require("listing.read")
@blp.response(200, ListingSchema, headers={"ETag": {"description": "Send it back in If-Match to change the listing",
                                                     "schema": {"type": "string"}}})
@documents_errors(blp, 401, 403, 404)
def get_listing(listing_id: str):
    """One listing: a service at a location, with hours, who it serves, eligibility, capacity and provenance."""
    view, etag = search.listing(runtime(), user(), listing_id, request_language())
    return view, 200, {"ETag": f'"{etag}"'}


@blp.route("/organizations")
@require("organizations.list")
@blp.response(200, OrganizationsSchema)
@documents_errors(blp, 401, 403)
def list_organizations():
    """Every organisation in the directory, with how many listings it has (to bind provider accounts)."""
    return {"organizations": runtime().search.organizations()}
