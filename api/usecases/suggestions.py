"""Suggested corrections: anyone who may suggest proposes a change to a listing (in the shape of a
provider edit); an administrator accepts it (applied as an edit by that administrator, audited) or rejects it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import ValidationError

from api.usecases.errors import Conflict, NotFound, Refused
from api.usecases.listings import NotYours, edit_paths, store_write
from directory.accounts import User
from directory.errors import ListingNotFound, VersionConflict
from directory.model import error_messages
from directory.suggestions import AlreadyDecided, SuggestionNotFound

if TYPE_CHECKING:
    from api.runtime import Runtime


def suggest(rt: Runtime, who: User, listing_id: str, changes: dict, note: str | None) -> dict:
    """Keep a suggestion by ``who`` (changes: a loaded ``ListingEditSchema``); ``NotFound`` for no listing."""
    try:
        doc, _ = rt.store.get(listing_id)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    rt.store.ensure_indices()
    return rt.suggestions.create(listing=doc, changes=changes, note=note, by=who.username,
                                 by_organizations=who.organizations)


def decide(rt: Runtime, who: User, suggestion_id: str, accept: bool, note: str | None) -> dict:
    """Accept (apply as an edit by ``who``) or reject, once; raises ``NotFound``, ``Conflict`` or a 422."""

    def apply(s: dict) -> None:
        store_write(rt, who, s["listing_id"], edit_paths(s["changes"]), if_version=None)

    try:
        decided = rt.suggestions.decide(suggestion_id, "accepted" if accept else "rejected", by=who.username,
                                        note=note, apply=apply if accept else None)
    except SuggestionNotFound:
        raise NotFound(f"No suggestion {suggestion_id!r}.") from None
    except AlreadyDecided as exc:
        raise Conflict(f"This suggestion was already {exc.status}.") from None
    except ListingNotFound:
        raise NotFound("The listing this suggestion is about is no longer in the directory.") from None
    except (VersionConflict, NotYours):
        raise Conflict("The listing could not be changed just now; try again.") from None
    except ValidationError as exc:
        raise Refused("The suggested change would make the listing invalid: " + "; ".join(
            f"{f}: {m}" for f, m in error_messages(exc)), status=422) from None
    rt.store.audit("suggestion.accept" if accept else "suggestion.reject", actor=who.username,
                   listing_id=decided["listing_id"], field="suggestion",
                   new={"id": suggestion_id, "by": decided["by"], "changes": sorted(decided["changes"])})
    return decided
