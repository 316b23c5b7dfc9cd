"""The officer's 'Nearby now' page: the phone's location or a place typed in, one tap on a big button,
the nearest open programs with tap-to-call and directions. Built to be light on a weak signal."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.match import NearbyQuerySchema, PlaceQuerySchema
from api.pages.casemanager import at_label, language_choices
from api.pages.common import no_store, page_for, pages
from api.pages.mapsvg import result_map
from api.runtime import request_language, runtime
from directory.places import PlaceError
from matching.service import location_view

# The big buttons first, then the smaller ones; every group is one of matching.service.NEARBY_GROUPS.
BIG = (("detox", _l("Detox")), ("shelter", _l("Shelter")), ("crisis", _l("Crisis")),
       ("harm_reduction", _l("Harm reduction")), ("naloxone", _l("Naloxone (Narcan)")), ("food", _l("Food")))
MORE = (("methadone", _l("Methadone")), ("suboxone", _l("Suboxone")), ("treatment", _l("Treatment")),
        ("health", _l("Health care")))
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
            point = runtime().search.locate(lat=loaded.get("lat"), lon=loaded.get("lon"), near=loaded.get("near"))
            label = location_view(point, request_language())["label"]
            place_set = _("Near %(place)s. Now choose what is needed.", place=label) if label \
                else _("Now choose what is needed.")
        except ValidationError:
            error = _("Type a ZIP code, town, neighbourhood or street corner, or use your location.")
        except PlaceError:
            error = _("That place was not found in Connecticut. Try a ZIP code or a town.")
    elif "need" in args:
        try:
            loaded = NearbyQuerySchema().load({**{k: v for k, v in args.items() if k != "language"}, "limit": 6,
                                               "language": [args["language"]] if args.get("language") else []})
            search = runtime().search
            point = search.locate(lat=loaded.get("lat"), lon=loaded.get("lon"), zip_code=loaded.get("zip"),
                                  near=loaded.get("near"))
            out = search.nearby(point, loaded["need"], miles=loaded["radius"], limit=loaded["limit"],
                                lang=request_language(), at=loaded.get("at"), languages=loaded["language"] or None)
        except ValidationError as exc:
            if "near" in exc.messages or "lat" in exc.messages:
                error = _("Type a ZIP code, town, neighbourhood or street corner, or use your location.")
            elif "at" in exc.messages:
                error = _("Choose a date and time within a month of now, or leave it empty for now.")
            elif "language" in exc.messages:
                error = _("Choose a language from the list.")
            else:
                error = _("Choose what you need from the buttons.")
        except PlaceError:
            error = _("That place was not found in Connecticut. Try a ZIP code or a town.")
    labels = dict(BIG + MORE)
    results = (out or {}).get("results") or []
    svg = result_map(out["location"], results, title=_("Map of the results around you"),
                     centre_label=_("You are here")) if results else ""
    wider = next((r for r in RADII if out and r > out["radius_miles"]), None)
    html = render_template("nearby.html", title=_("Nearby now"), big=BIG, more=MORE, args=args, out=out,
                           results=results, error=error, need_label=labels.get(args.get("need"), ""),
                           map_svg=svg, wider=wider, place_set=place_set,
                           languages=language_choices(request_language()),
                           at_label=at_label(out.get("at") if out else None),
                           # Before any search, the statewide 24/7 lines: kept for use without signal (sw.js).
                           lines=[] if out else [line.view(request_language()) for line in
                                                 runtime().search.always_open.lines])
    return no_store(make_response(html, 422 if error else 200))
