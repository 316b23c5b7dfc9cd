"""The officer's 'Nearby now' page: the phone's location or a place typed in, one tap on a big button,
the nearest open programs with tap-to-call and directions. Built to be light on a weak signal."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.inputs import NearbyQuerySchema, PlaceQuerySchema
from api.pages.casemanager import at_label, language_choices
from api.pages.common import no_store, page_for, pages
from api.pages.mapsvg import result_map
from api.runtime import request_language, runtime
from api.usecases import search
from api.usecases.search import PlaceNotFound
from directory import taxonomy
from matching.service import location_view



def buttons(list_name: str) -> tuple[tuple[str, str], ...]:
    """(group, label) of the taxonomy's ``quick_buttons`` (big) or ``more_buttons``, in the page's language;
    every one is a group of matching.service.NEARBY_GROUPS."""
    lang = request_language()
    return tuple((g.name, g.label_in(lang)) for g in taxonomy.groups(list_name))

RADII = (5, 15, 30)


@pages.route("/nearby")
@page_for("search.match")
def nearby():
    args = {k: v.strip() for k, v in request.args.items()
            if k in ("need", "near", "lat", "lon", "radius", "language", "at") and v.strip()}
    out, error, place_set = None, None, None
    if "need" not in args and request.args.get("place") and (args.get("near") or args.get("lat")):
        # Enter (or a phone's Go key) in the place box without a need chosen yet: the place only, never a need.
        try:
            loaded = PlaceQuerySchema().load({k: v for k, v in args.items() if k in ("near", "lat", "lon")})
            point = search.locate(runtime(), loaded)
            label = location_view(point, request_language())["label"]
            place_set = _("Near %(place)s. Now choose what is needed.", place=label) if label \
                else _("Now choose what is needed.")
        except ValidationError:
            error = _("Type a ZIP code, town, neighbourhood or street corner, or use your location.")
        except PlaceNotFound:
            error = _("That place was not found in Connecticut. Try a ZIP code or a town.")
    elif "need" in args:
        try:
            loaded = NearbyQuerySchema().load({**{k: v for k, v in args.items() if k != "language"}, "limit": 6,
                                               "language": [args["language"]] if args.get("language") else []})
            out = search.nearby(runtime(), loaded, request_language())
        except ValidationError as exc:
            if "near" in exc.messages or "lat" in exc.messages:
                error = _("Type a ZIP code, town, neighbourhood or street corner, or use your location.")
            elif "at" in exc.messages:
                error = _("Choose a date and time within a month of now, or leave it empty for now.")
            elif "language" in exc.messages:
                error = _("Choose a language from the list.")
            else:
                error = _("Choose what you need from the buttons.")
        except PlaceNotFound:
            error = _("That place was not found in Connecticut. Try a ZIP code or a town.")
    big, more = buttons("quick_buttons"), buttons("more_buttons")
    labels = dict(big + more)
    results = (out or {}).get("results") or []
    svg = result_map(out["location"], results, title=_("Map of the results around you"),
                     centre_label=_("You are here")) if results else ""
    wider = next((r for r in RADII if out and r > out["radius_miles"]), None)
    html = render_template("nearby.html", title=_("Nearby now"), big=big, more=more, args=args, out=out,
                           results=results, error=error, need_label=labels.get(args.get("need"), ""),
                           map_svg=svg, wider=wider, place_set=place_set,
                           languages=language_choices(request_language()),
                           at_label=at_label(out.get("at") if out else None),
                           # Before any search, the statewide 24/7 lines: kept for use without signal (sw.js).
                           lines=[] if out else [line.view(request_language()) for line in
                                                 runtime().search.always_open.lines])
    return no_store(make_response(html, 422 if error else 200))
