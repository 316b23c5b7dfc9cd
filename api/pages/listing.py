"""One listing's page: what it offers, where and when, who it serves, how to reach it, and everything else
its source feed said (wait time, service areas, accessibility, funding, holiday hours, contacts), with why
an import flagged it for review."""
from __future__ import annotations

from flask import g, render_template

from api.pages.common import page_for, pages
from api.runtime import request_language, runtime
from api.usecases.listings import show_listing
from directory import hours


@pages.route("/listings/<listing_id>")
@page_for("listing.page")
def listing_page(listing_id: str):
    lang = request_language()
    view = show_listing(runtime(), g.user, listing_id, lang)
    intervals = [(i["start"], i["end"]) for i in view["hours"]["intervals"]]
    return render_template("listing.html", listing=view, title=view["name"],
                           hours_text=hours.human(intervals, lang) if intervals else None)
