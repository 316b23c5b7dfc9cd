"""Reading one listing as a person uses it: everything the directory holds about a service at a site."""
from __future__ import annotations

from api.usecases.errors import Forbidden, NotFound
from directory import permissions
from directory.errors import ListingNotFound


def show_listing(rt, person, listing_id: str, lang: str, *, action: str = "listing.page") -> dict:  # noqa: ANN001
    """The public view of one listing (``matching.explain.listing_view``) for ``person``: a provider sees only
    their own organisation's. Raises NotFound or Forbidden."""
    try:
        view, _etag, organization_id = rt.search.listing(listing_id, lang)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    if not permissions.covers_organization(person, action, organization_id):
        raise Forbidden("Providers see their own organisation's listings.")
    return view
