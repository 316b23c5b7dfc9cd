"""Keeping listings true: write a listing (an edit or capacity) as an account may, post or confirm
capacity, read the capacity history. The provider API (``api.provider``), the provider pages and accepted
suggestions (``api.usecases.suggestions``) all write through ``write``."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from marshmallow import ValidationError

from api.usecases.errors import Conflict, Forbidden, NotFound, Refused, Stale
from directory import eligibility, permissions
from directory.accounts import User
from directory.errors import ListingNotFound, VersionConflict
from directory.model import error_messages
from directory.store import EditResult

if TYPE_CHECKING:
    from api.runtime import Runtime

# API field -> record path. ``null`` sets a field to "not stated".
EDIT_PATHS = {
    "hours": "hours_text", "phones": "phones", "languages": "languages", "description": "service.description",
    "eligibility_description": "service.eligibility_description", "status": "service.status",
    "walk_in": "access.walk_in", "appointment_required": "access.appointment_required",
    **{column: path for dim in eligibility.DIMENSIONS for column, path in zip(dim.columns, dim.listing_paths)},
}


class NotYours(Exception):
    """The account may not change this organisation's listings (raised while the listing is written)."""


def edit_paths(changes: dict) -> dict:
    """Edit fields (the API's names) -> record paths for ``Store.edit``."""
    return {EDIT_PATHS[k]: v for k, v in changes.items()}


def new_capacity(body: dict, who: User) -> dict:
    """Capacity as posted, stamped now by this person."""
    return {**body, "updated_at": datetime.now(timezone.utc).isoformat(), "updated_by": who.username}


def store_write(rt: Runtime, who: User, listing_id: str, changes: dict, *, if_version: str | None,
                capacity_kind: str | None = None) -> EditResult:
    """One write with the domain's own errors: authorised against the listing as it is written, with
    If-Match, kept in the capacity history when it is a capacity change. Raises ``ListingNotFound``,
    ``NotYours``, ``VersionConflict`` or ``ValidationError``."""

    def authorize(current: dict) -> None:
        if not who.can_edit(current["organization"]["id"]):
            raise NotYours

    return rt.store.edit(listing_id, changes, actor=who.username, if_version=if_version, authorize=authorize,
                         capacity_kind=capacity_kind)


def write(rt: Runtime, who: User, listing_id: str, changes: dict, *, if_version: str | None,
          capacity_kind: str | None = None) -> EditResult:
    """``store_write`` with refusals: ``NotFound``, ``Forbidden``, ``Stale`` (with the current ETag) or a 422
    naming each field the change would make invalid."""
    try:
        return store_write(rt, who, listing_id, changes, if_version=if_version, capacity_kind=capacity_kind)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    except NotYours:
        raise Forbidden("You may change only your own organisation's listings.") from None
    except VersionConflict as exc:
        current = exc.current or rt.store.get(listing_id)[1]
        raise Stale("The listing changed since you read it; read it again and re-apply your change.",
                    headers={"ETag": f'"{current}"'}, current_etag=current) from None
    except ValidationError as exc:
        raise Refused("The change would make the listing invalid.", status=422,
                      errors=[{"field": f, "message": m} for f, m in error_messages(exc)]) from None


def edit(rt: Runtime, who: User, listing_id: str, changes: dict, *, if_version: str | None) -> EditResult:
    """Change a listing's fields (a loaded ``ListingEditSchema``, the API's names)."""
    return write(rt, who, listing_id, edit_paths(changes), if_version=if_version)


def set_capacity(rt: Runtime, who: User, listing_id: str, capacity: dict, *, if_version: str | None) -> EditResult:
    """Post open beds or slots (a loaded ``CapacitySchema``), stamped now by ``who``."""
    return write(rt, who, listing_id, {"capacity": new_capacity(capacity, who)}, if_version=if_version,
                 capacity_kind="update")


def confirm_capacity(rt: Runtime, who: User, listing_id: str, *, if_version: str | None) -> EditResult:
    """"Still accurate": the same figures, confirmed now. Without ``if_version`` the figures read here are the
    ones confirmed, so a change landing in between is ``Stale``, never reverted. ``Conflict`` when the
    listing has no capacity yet."""
    try:
        doc, read_version = rt.store.get(listing_id)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    if not who.can_edit(doc["organization"]["id"]):
        raise Forbidden("You may change only your own organisation's listings.")
    current = (doc.get("record") or {}).get("capacity")
    if not current:
        raise Conflict("This listing has no capacity to confirm yet; post it with PUT .../capacity first.")
    return write(rt, who, listing_id, {"capacity": new_capacity(current, who)}, if_version=if_version or read_version,
                 capacity_kind="confirm")


def capacity_history(rt: Runtime, who: User, listing_id: str, *, size: int, before: int | None) -> dict:
    """Every capacity change and confirmation of a listing, newest first and paged. Another organisation's
    history is private: ``NotFound``, as if the listing did not exist."""
    try:
        doc, _ = rt.store.get(listing_id)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    if not permissions.covers_organization(who, "capacity.history", doc["organization"]["id"]):
        raise NotFound(f"No listing {listing_id!r}.")
    cap = (doc.get("record") or {}).get("capacity") or {}
    entries, next_before = rt.store.capacity_history(doc, size=size, before=before)
    return {"listing_id": listing_id, "last_confirmed_at": cap.get("updated_at"),
            "last_confirmed_by": cap.get("updated_by"), "history": entries, "next_before": next_before}


def show_listing(rt: Runtime, person: User, listing_id: str, lang: str, *, action: str = "listing.page") -> dict:
    """The public view of one listing (``matching.explain.listing_view``) for ``person``: a provider sees only
    their own organisation's. Raises NotFound or Forbidden."""
    try:
        view, _etag, organization_id = rt.search.listing(listing_id, lang)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    if not permissions.covers_organization(person, action, organization_id):
        raise Forbidden("Providers see their own organisation's listings.")
    return view
