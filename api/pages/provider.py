"""Providers keep their listings true: beds with a stepper and one save, 'still accurate' in one tap,
hours, phones, languages and eligibility; a conflicting change shows what changed and lets them retry.
Anyone who may suggest can propose a correction to another organisation's listing."""
from __future__ import annotations

from flask import g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.pages import listing_form as LF
from api.pages.common import error_page, no_store, page_for, pages
from api.inputs import CapacitySchema, ListingEditSchema
from api.pages.messages import page_message
from api.problem import flatten_messages
from api.runtime import request_language, runtime
from api.usecases import listings, suggestions
from api.usecases.errors import Conflict, Refused, Stale
from directory import permissions
from directory.errors import ListingNotFound
from matching.query import Browse



def _listings(q: str | None) -> list[tuple[dict, str]]:
    """The caller's own listings (a provider), or those matching ``q`` (an admin), each with its ETag."""
    person = g.user
    search = runtime().search
    if permissions.scope(person, "listing.edit") == permissions.OWN_ORGANIZATION:
        found = search.browse(Browse(organizations=person.organizations, page_size=50), "en")
    elif q:
        found = search.browse(Browse(q=q, page_size=20), "en")
    else:
        return []
    out = []
    for r in found["results"]:
        view, etag, _org = search.listing(r["listing_id"], request_language())
        out.append((view, etag))
    return out


def _home(messages: dict | None = None, status: int = 200):
    any_listing = permissions.scope(g.user, "listing.edit") == permissions.ANY
    q = request.values.get("q", "").strip() if any_listing else ""
    return render_template("provider.html", title=_("Listings") if any_listing else _("My listings"),
                           listings=_listings(q), q=q, messages=messages or {}), status


@pages.route("/provider")
@page_for("listing.edit")
def provider_home():
    saved = request.args.get("saved")
    return _home({saved: {"kind": "ok", "text": _("Saved. Search shows the change within a second.")}} if saved else None)


def _capacity_body(form, current: dict | None) -> dict:  # noqa: ANN001
    def number(name: str):
        raw = form.get(name, "").strip()
        return int(raw) if raw.isdigit() else (None if not raw else raw)
    body = {"available": number("available"), "maximum": number("maximum"), "waitlist": number("waitlist"),
            "unit": (current or {}).get("unit") or "beds",
            "unit_name": (current or {}).get("unit_name") if (current or {}).get("unit") == "other" else None,
            "accepting_new_clients": {"yes": True, "no": False}.get(form.get("accepting", ""))}
    return {k: v for k, v in body.items() if v is not None or k == "available"}


@pages.route("/provider/listings/<listing_id>/capacity", methods=["POST"])
@page_for("listing.edit")
def provider_capacity(listing_id: str):
    """One save for the beds; a stale page gets 'someone changed it' with both figures and a retry."""
    rt = runtime()
    try:
        view, etag, _org = rt.search.listing(listing_id, request_language())
    except ListingNotFound:
        return error_page(404)
    try:
        body = CapacitySchema().load(_capacity_body(request.form, view["capacity"]))
    except ValidationError as exc:
        above = any("above maximum" in e["message"] for e in flatten_messages(exc.messages))
        why = _("the open number cannot be more than the total.") if above else \
            _("type whole numbers of 0 or more.")
        return _home({listing_id: {"kind": "error", "text": _("Not saved: %(why)s", why=why)}}, 422)
    confirm = request.form.get("action") == "confirm"
    try:
        if confirm:
            listings.confirm_capacity(rt, g.user, listing_id, if_version=request.form.get("etag"))
        else:
            listings.set_capacity(rt, g.user, listing_id, body, if_version=request.form.get("etag"))
    except Stale:
        cap = view["capacity"]
        return _home({listing_id: {"kind": "conflict", "text": _(
            "Someone else updated this listing after you opened the page. It now says: %(now)s. "
            "Check the figures below and save again if yours are right.", now=cap["text"]),
            "mine": body}}, 409)
    except Conflict:  # confirming figures never posted
        return _home({listing_id: {"kind": "error", "text": _("There are no figures to confirm yet; "
                                                             "enter them and save.")}}, 409)
    except Refused as exc:
        if exc.status != 422:
            raise  # not found or not this person's: the error page
        return _home({listing_id: {"kind": "error", "text": "; ".join(page_message(e["message"])
                                                                      for e in exc.errors or [])}}, 422)
    text = _("Confirmed: the figures are still accurate.") if confirm else _("Saved. Search shows the new figures within a second.")
    return _home({listing_id: {"kind": "ok", "text": text}})


def _form_page(view: dict, etag: str, *, mode: str, values: dict | None = None, base: dict | None = None,
               errors: list[str] | None = None, conflict: list[dict] | None = None, status: int = 200,
               note: str = "", yours: list[dict] | None = None):
    lang = request_language()
    current = LF.current_values(view)
    return render_template(
        "listing_form.html", title=_("Edit listing") if mode == "edit" else _("Suggest a correction"),
        view=view, etag=etag, mode=mode, values=values or current, base=LF.encode_base(base or current),
        controls=LF.controls(lang), language_options=LF.language_options(lang), max_phones=LF.MAX_PHONES,
        errors=errors or [], conflict=conflict, yours=yours or [], note=note), status


def _read(listing_id: str):
    try:
        return runtime().search.listing(listing_id, request_language())
    except ListingNotFound:
        return None


@pages.route("/provider/listings/<listing_id>/edit", methods=["GET", "POST"])
@page_for("listing.edit")
def provider_edit(listing_id: str):
    found = _read(listing_id)
    if not found:
        return error_page(404)
    view, etag, org = found
    if not g.user.can_edit(org):
        return error_page(403)
    if request.method == "GET":
        return _form_page(view, etag, mode="edit")
    base = LF.decode_base(request.form.get("base"))
    mine = LF.form_values(request.form)
    changes = LF.changed(base, mine)
    if not changes:
        return _form_page(view, etag, mode="edit", errors=[_("Nothing was changed.")])
    try:
        loaded = ListingEditSchema().load(changes)
        listings.edit(runtime(), g.user, listing_id, loaded, if_version=request.form.get("etag"))
    except ValidationError as exc:
        return _form_page(view, request.form.get("etag") or etag, mode="edit", values=mine, base=base,
                          errors=LF.error_lines(exc, request_language()), status=422)
    except Stale:
        # Show what someone else changed since this form was opened; keep this person's values to retry.
        # The form shows the listing as it is now with only this person's own changes on top, so saving
        # again never puts back what the other person changed.
        found = _read(listing_id)
        if not found:
            return error_page(404)
        view, etag, _org = found
        now = LF.current_values(view)
        return _form_page(view, etag, mode="edit", values={**now, **changes}, base=now,
                          conflict=LF.differences(base, now, request_language()),
                          yours=LF.differences({k: now.get(k) for k in changes}, changes, request_language()),
                          status=409)
    except Refused as exc:
        if exc.status != 422:
            raise  # not found or not this person's: the error page
        return _form_page(view, request.form.get("etag") or etag, mode="edit", values=mine, base=base,
                          errors=LF.lines_for([(e["field"], e["message"]) for e in exc.errors or []],
                                              request_language()), status=422)
    return redirect(url_for("pages.provider_home", saved=listing_id) + f"#listing-{listing_id}")


# ----- suggested corrections ------------------------------------------------------------------------------
@pages.route("/suggest")
@page_for("suggestion.make")
def suggest_search():
    q = request.args.get("q", "").strip()
    results = runtime().search.browse(Browse(q=q, page_size=20), request_language())["results"] if q else []
    return render_template("suggest_search.html", title=_("Suggest a correction"), q=q, results=results)


@pages.route("/suggest/<listing_id>", methods=["GET", "POST"])
@page_for("suggestion.make")
def suggest_listing(listing_id: str):
    found = _read(listing_id)
    if not found:
        return error_page(404)
    view, etag, _org = found
    if request.method == "GET":
        return _form_page(view, etag, mode="suggest")
    base = LF.decode_base(request.form.get("base"))
    mine = LF.form_values(request.form)
    changes = LF.changed(base, mine)
    note = request.form.get("note", "").strip()[:2000]
    if not changes:
        return _form_page(view, etag, mode="suggest", errors=[_("Change at least one field to suggest a correction.")],
                          note=note, status=422)
    try:
        loaded = ListingEditSchema().load(changes)
        suggestions.suggest(runtime(), g.user, listing_id, loaded, note or None)
    except ValidationError as exc:
        return _form_page(view, etag, mode="suggest", values=mine, base=base,
                          errors=LF.error_lines(exc, request_language()), note=note, status=422)
    except Refused as exc:
        return error_page(exc.status, message=page_message(exc.detail))
    resp = make_response(render_template("message.html", title=_("Thank you"),
                                         message=_("Your suggestion was sent. An administrator will review it.")))
    return no_store(resp)
