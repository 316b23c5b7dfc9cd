"""Reading one listing."""
from __future__ import annotations

from flask import Response, jsonify
from flask_smorest import Blueprint

from api.app import runtime
from api.auth import EVERYONE, require, user
from api.problem import problem
from directory.store import ListingNotFound

blp = Blueprint("listings", __name__, url_prefix="/api/v1", description="Directory listings")


def public_listing(doc: dict) -> dict:
    """A listing document as the API shows it (the internal record copy left out)."""
    out = {k: v for k, v in doc.items() if k != "record"}
    out["phones"] = (doc.get("phones") or {}).get("items", [])
    out["schedules"] = (doc.get("schedules") or {}).get("items", [])
    return out


@blp.route("/services/<string:listing_id>")
@require(*EVERYONE)
@blp.response(200)
@blp.alt_response(404, description="No such listing")
def get_listing(listing_id: str) -> Response:
    """One listing: a service at a location, with hours, eligibility, capacity and provenance."""
    try:
        doc, version = runtime().store.get(listing_id)
    except ListingNotFound:
        return problem(404, f"No listing {listing_id!r}.")
    if user().role == "provider" and not user().can_edit(doc["organization"]["id"]):
        return problem(403, "Providers see their own organisation's listings.")
    resp = jsonify(public_listing(doc))
    resp.headers["ETag"] = f'"{version}"'
    return resp
