"""Finding services: locate a place, read a participant profile from a request, match, nearby now,
browse, read one listing, the bed board. The JSON API (``api.match``, ``api.listings``) and the pages
(case manager, officer, provider) call these with bodies their schemas (``api.inputs``) loaded."""
from __future__ import annotations

from typing import TYPE_CHECKING

from api.usecases.errors import Forbidden, Invalid, NotFound, Refused
from directory import eligibility, permissions
from directory.accounts import User
from directory.errors import ListingNotFound
from directory.places import Located, PlaceError
from matching.profile import NeedError, Profile, resolve_needs
from matching.query import Browse

if TYPE_CHECKING:
    from api.runtime import Runtime

# Browse serves no page past this many results (the engine's window).
MAX_RESULT_WINDOW = 10000


class UnknownNeeds(Refused):
    """Needs that resolve to no need code (422), each named with the codes closest to it."""
    status = 422

    def __init__(self, exc: NeedError, field: str, detail: str) -> None:
        super().__init__(detail, errors=[{"field": field, "message": f"unknown need {t!r}",
                                          "did_you_mean": exc.suggestions[t]} for t in exc.unknown])
        self.field, self.unknown = field, exc.unknown


class PlaceNotFound(Invalid):
    """A place that cannot be found, or one outside Connecticut (422 naming the place field)."""

    def __init__(self, exc: PlaceError, field: str) -> None:
        super().__init__(field, str(exc), detail=str(exc))


def resolve(needs: list[str], field: str, *, hint: bool = True) -> list[str]:
    """Need codes or everyday words -> need codes; raises ``UnknownNeeds`` naming ``field``."""
    try:
        return resolve_needs(needs)
    except NeedError as exc:
        detail = f"{exc}; see GET /api/v1/taxonomy for the needs and their everyday words" if hint else str(exc)
        raise UnknownNeeds(exc, field, detail) from None


def locate(rt: Runtime, place: dict) -> Located | None:
    """The point of a loaded place query (``lat``/``lon``, ``zip`` or ``near``), None when none is given;
    raises ``PlaceNotFound`` naming the field the place was given in."""
    try:
        return rt.search.locate(lat=place.get("lat"), lon=place.get("lon"), zip_code=place.get("zip"),
                                near=place.get("near"))
    except PlaceError as exc:
        field = "near" if place.get("near") else ("zip" if place.get("zip") else "lat")
        raise PlaceNotFound(exc, field) from None


def participant_profile(rt: Runtime, body: dict) -> Profile:
    """A participant profile from a loaded ``MatchRequestSchema`` body: needs resolved, the place located.
    Raises ``UnknownNeeds`` (field ``needs``) or ``PlaceNotFound`` (field ``location``)."""
    needs = resolve(body["needs"], "needs")
    try:
        point = rt.search.locate(**_place_args(body["location"]))
    except PlaceError as exc:
        raise PlaceNotFound(exc, "location") from None
    return Profile(
        needs=needs, point=point, facts={k: body[k] for k in eligibility.PROFILE_FIELDS if k in body},
        languages=body.get("languages") or [], must_speak=body.get("must_speak") or [], urgency=body["urgency"],
        at=body.get("at"), max_miles=body.get("max_miles"), include_full=body["include_full"], limit=body["limit"],
        diversify=body["diversify"], query=body.get("query"), section_limit=body["section_limit"])


def _place_args(loc: dict) -> dict:
    return {"lat": loc.get("lat"), "lon": loc.get("lon"), "zip_code": loc.get("zip"), "near": loc.get("text")}


def match(rt: Runtime, who: User, body: dict, lang: str, *, outcomes: bool | None = None) -> dict:
    """Ranked, explained results for a participant. Referral outcome rates come with them when asked for
    (``outcomes``, else the body's ``referral_outcomes``) and this account may read them. The profile is
    never stored or logged."""
    wanted = body.get("referral_outcomes", False) if outcomes is None else outcomes
    return rt.search.match(participant_profile(rt, body), lang,
                           outcomes=bool(wanted) and permissions.may(who, "referral.outcomes"))


def nearby(rt: Runtime, args: dict, lang: str) -> dict:
    """The officer's nearby now, from a loaded ``NearbyQuerySchema``: locate the place, then search around it."""
    point = locate(rt, args)
    return rt.search.nearby(point, args["need"], miles=args["radius"], limit=args["limit"], lang=lang,
                            at=args.get("at"), languages=args["language"] or None)


def browse(rt: Runtime, who: User, args: dict, lang: str) -> dict:
    """Browse with filters and facets from a loaded ``BrowseQuerySchema``; a provider sees its own
    organisations' listings only (the permission table's scope)."""
    needs = resolve(args["need"], "need") if args["need"] else []
    point = locate(rt, args)
    facts = {k: args[k] for k in eligibility.BROWSE_FIELDS if args.get(k) not in (None, [])}
    own = permissions.scope(who, "directory.browse") == permissions.OWN_ORGANIZATION
    b = Browse(q=args.get("q"), needs=needs, point=point, radius_miles=args.get("radius") or (10.0 if point else None),
               open_now=bool(args.get("open_now")), languages=args["language"], facts=facts,
               walk_in=args.get("walk_in"), capacity=args["capacity"], towns=args["town"], sort=args.get("sort"),
               page=args["page"], page_size=args["page_size"], organizations=who.organizations if own else None)
    if b.page * b.page_size > MAX_RESULT_WINDOW:
        raise Refused("Pages beyond the first 10,000 results are not served; narrow the search.", status=422)
    return rt.search.browse(b, lang)


def listing(rt: Runtime, who: User, listing_id: str, lang: str) -> tuple[dict, str]:
    """One listing as ``who`` may read it, with its ETag; raises ``NotFound`` or ``Forbidden``."""
    try:
        view, etag, organization_id = rt.search.listing(listing_id, lang)
    except ListingNotFound:
        raise NotFound(f"No listing {listing_id!r}.") from None
    if not permissions.covers_organization(who, "listing.read", organization_id):
        raise Forbidden("Providers see their own organisation's listings.")
    return view, etag
