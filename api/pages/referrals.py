"""Referral pages for both sides: the case manager (or officer) picks up to three results and sends a
referral with the participant's consent per provider; their list and each referral's detail with every
status change; the provider's inbox with one-tap accept (which holds a bed) or decline with a reason, then
enrolled or no-show. Nothing about the participant goes into a URL or a log: the forms POST."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.pages.common import error_page, no_store, page_for, pages
from api.pages.messages import page_message
from api.problem import flatten_messages
from api.referral_schemas import NewReferralSchema, StatusChangeSchema
from api.runtime import request_language, runtime
from api.usecases import referrals
from api.usecases.errors import NotFound, Refused
from directory import taxonomy
from directory.referral_states import MAX_GROUP, OPEN, SHAREABLE, sides
from directory.errors import ListingNotFound
from matching.service import NEARBY_GROUPS

STATUS_LABELS = {"sent": _l("Sent"), "viewed": _l("Viewed by the provider"), "accepted": _l("Accepted by the provider"),
                 "declined": _l("Declined by the provider"), "enrolled": _l("Person enrolled"),
                 "no_show": _l("Person did not arrive"), "closed": _l("Closed"), "withdrawn": _l("Withdrawn")}
ACTION_LABELS = {"accepted": _l("Accept"), "declined": _l("Decline"), "enrolled": _l("Enrolled: the person arrived"),
                 "no_show": _l("No-show"), "closed": _l("Close"), "withdrawn": _l("Withdraw the referral")}
REASON_LABELS = {"no_capacity": _l("No capacity"), "not_eligible": _l("Not eligible"),
                 "could_not_contact": _l("Could not contact the person"), "other": _l("Other reason"),
                 "placed_elsewhere": _l("Placed at another program")}
URGENCY_LABELS = {"now": _l("Right now"), "today": _l("Today"), "this_week": _l("This week")}
SHARE_LABELS = {"participant_ref": _l("Participant reference"), "needs": _l("Needs"), "note": _l("Note"),
                "urgency": _l("Urgency")}
SIDE_LABELS = {"referrer": _l("Referrer"), "provider": _l("Provider"), "system": _l("Automatic")}


@pages.app_template_filter("local_time")
def local_time(value: str | None) -> str:
    """An ISO time as the directory's local time ('2026-11-26 14:05')."""
    if not value:
        return ""
    zone = ZoneInfo(runtime().settings.timezone)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@pages.app_template_filter("need_name")
def _need_name(code: str) -> str:
    need = taxonomy.BY_CODE.get(code)
    if not need:
        return code
    return need.name_es if request_language() == "es" else need.name


def _labels() -> dict:
    return {"status": STATUS_LABELS, "action": ACTION_LABELS, "reason": REASON_LABELS, "urgency": URGENCY_LABELS,
            "share": SHARE_LABELS, "side": SIDE_LABELS, "need": _need_name}


# ----- sending ---------------------------------------------------------------------------------------------
def _chosen_listings(ids: list[str]) -> list[dict]:
    search, out = runtime().search, []
    for listing_id in dict.fromkeys(i for i in ids if i):
        try:
            out.append(search.listing(listing_id, request_language())[0])
        except ListingNotFound:
            continue
    return out


def _new_form(listings: list[dict], *, needs: list[str], urgency: str, form: dict | None = None,
              errors: dict | None = None, status: int = 200):
    orgs = list({v["organization"]["id"]: v["organization"] for v in listings}.values())
    html = render_template("referral_new.html", title=_("Send a referral"), listings=listings, orgs=orgs,
                           needs=needs, urgency=urgency, form=form or {}, errors=errors or {}, labels=_labels(),
                           shareable=SHAREABLE, max_group=MAX_GROUP, consent=consent_state(orgs, form))
    return no_store(make_response(html, status))


def consent_state(orgs: list[dict], form=None) -> dict[str, dict]:  # noqa: ANN001 - the request's form or None
    """Per provider organisation: whether the participant's consent is ticked and what it shares, exactly as
    the person ticked it (a first visit ticks nothing), with the labels the summary says."""
    out = {}
    for org in orgs:
        given = bool(form) and form.get(f"consent-{org['id']}") == "yes"
        share = [f for f in SHAREABLE if form and f in form.getlist(f"share-{org['id']}")]
        out[org["id"]] = {"given": given, "share": share,
                          "share_labels": [str(SHARE_LABELS[f]) for f in share],
                          "withheld_labels": [str(SHARE_LABELS[f]) for f in SHAREABLE if f not in share]}
    return out


@pages.route("/referrals/new", methods=["GET", "POST"])
@page_for("referral.send")
def referral_new():
    """From the match results (POST: the chosen listings and the profile's needs) or a nearby result (GET)."""
    if request.method == "POST":
        ids, needs = request.form.getlist("listing"), request.form.getlist("needs")
        urgency = request.form.get("urgency") or "this_week"
    else:
        ids = request.args.getlist("listing")
        needs = NEARBY_GROUPS.get(request.args.get("need", ""), [])
        urgency = "now"
    if not ids:
        return error_page(400, _("Choose a program first"),
                          _("Tick “Refer to this program” on up to three results, then press the button below them."))
    listings = _chosen_listings(ids)
    errors = {"listing": _("Choose at most %(num)d programs.", num=MAX_GROUP)} if len(listings) > MAX_GROUP else {}
    return _new_form(listings[:MAX_GROUP], needs=needs, urgency=urgency, errors=errors, status=422 if errors else 200)


@pages.route("/referrals", methods=["POST"])
@page_for("referral.send")
def referral_send():
    form = request.form
    ids = form.getlist("listing")
    consents = [{"organization_id": org, "share": form.getlist(f"share-{org}")}
                for org in dict.fromkeys(form.getlist("org")) if form.get(f"consent-{org}") == "yes"]
    raw = {"listing_ids": ids, "participant_ref": form.get("participant_ref", "").strip(), "needs": form.getlist("needs"),
           "urgency": form.get("urgency") or "this_week", "consents": consents}
    if form.get("note", "").strip():
        raw["note"] = form["note"].strip()
    errors: dict[str, str] = {}
    try:
        made = referrals.send(runtime(), g.user, NewReferralSchema().load(raw))
    except ValidationError as exc:
        errors = {e["field"].split("[")[0].split(".")[0]: e["message"] for e in flatten_messages(exc.messages)}
    except Refused as exc:
        errors = {e["field"].split("[")[0]: e["message"] for e in exc.errors or [{"field": "listing_ids",
                                                                                 "message": exc.detail}]}
    if errors:
        said = {"participant_ref": _("Type the participant's case id from your program's system: no name, no date "
                                     "of birth (letters, digits and - . _ : /)."),
                "consents": _("Record the participant's consent for every provider below before sending."),
                "needs": _("Choose at least one need."), "note": _("Keep the note under 500 characters.")}
        return _new_form(_chosen_listings(ids), needs=form.getlist("needs"), urgency=raw["urgency"], form=form,
                         errors={k: said.get(k, page_message(v)) for k, v in errors.items()}, status=422)
    return redirect(url_for("pages.referrals_list", sent=made["group_id"]))


# ----- the referrer's list and every referral's detail ------------------------------------------------------
@pages.route("/referrals")
@page_for("referral.follow")
def referrals_list():
    rt = runtime()
    show = request.args.get("show", "open")
    statuses = list(OPEN) if show == "open" else None
    shown = referrals.listed(rt, g.user, statuses=statuses, group_id=request.args.get("sent"), inbox=False)
    sent = request.args.get("sent")
    html = render_template("referrals.html", title=_("Referrals"), referrals=shown, show=show, labels=_labels(),
                           sent=len(shown) if sent else 0)
    return no_store(make_response(html))


def _detail(referral_id: str, *, error: str | None = None, done: str | None = None, status: int = 200):
    rt = runtime()
    try:
        shown = referrals.view(rt, g.user, referral_id)
    except NotFound:
        return error_page(404)
    listing = _listing_view(shown["listing_id"])
    html = render_template("referral.html", title=_("Referral"), r=shown, listing=listing, labels=_labels(),
                           error=error, done=done, hold_hours=rt.settings.referral_hold_hours,
                           provider_side="provider" in sides(g.user, shown))
    return no_store(make_response(html, status))


def _listing_view(listing_id: str) -> dict | None:
    try:
        return runtime().search.listing(listing_id, request_language())[0]
    except ListingNotFound:
        return None


@pages.route("/referrals/<referral_id>")
@page_for("referral.follow")
def referral_detail(referral_id: str):
    return _detail(referral_id, done=request.args.get("done"))


@pages.route("/referrals/<referral_id>/status", methods=["POST"])
@page_for("referral.follow")
def referral_status(referral_id: str):
    back = request.form.get("back") if request.form.get("back") in ("inbox", "detail") else "detail"
    raw = {"status": request.form.get("status", "")}
    for name in ("reason", "note"):
        if request.form.get(name, "").strip():
            raw[name] = request.form[name].strip()[:500]
    try:
        changed = referrals.change_status(runtime(), g.user, referral_id, StatusChangeSchema().load(raw))
    except ValidationError as exc:
        fields = {e["field"] for e in flatten_messages(exc.messages)}
        message = _("Choose a reason to decline.") if "reason" in fields else _("That change is not possible.")
        return _back(back, referral_id, message, 422)
    except Refused as exc:
        if exc.status == 404:
            return error_page(404)
        if isinstance(exc, referrals.NoBed):
            message = _("No bed left: every open bed is held for another referral. Decline it, or update your "
                        "bed count first.")
        elif exc.status == 409 and exc.extra.get("current_status"):
            message = _("This referral is now “%(status)s”, so that is no longer possible. It is shown as it is now.",
                        status=STATUS_LABELS[exc.extra["current_status"]])
        elif exc.status == 403:
            message = _("Only the other side of the referral can do that.")
        else:
            message = _("The listing this referral is about is no longer in the directory.")
        return _back(back, referral_id, message, exc.status)
    target = url_for("pages.provider_inbox") if back == "inbox" else \
        url_for("pages.referral_detail", referral_id=referral_id)
    return redirect(f"{target}?done={changed['status']}#referral-{referral_id}")


def _back(back: str, referral_id: str, message: str, status: int):
    if back == "inbox":
        return _inbox(error=(referral_id, message), status=status)
    return _detail(referral_id, error=message, status=status)


# ----- the provider's inbox ---------------------------------------------------------------------------------
def _inbox(*, error: tuple[str, str] | None = None, done: str | None = None, status: int = 200):
    rt = runtime()
    show = request.args.get("show", "open")
    shown = referrals.listed(rt, g.user, statuses=list(OPEN) if show == "open" else None, inbox=True)
    listings = {lid: _listing_view(lid) for lid in dict.fromkeys(r["listing_id"] for r in shown)}
    html = render_template("inbox.html", title=_("Referrals inbox"), referrals=shown, listings=listings, show=show,
                           labels=_labels(), error=error, done=done, hold_hours=rt.settings.referral_hold_hours)
    return no_store(make_response(html, status))


@pages.route("/provider/referrals")
@page_for("referral.inbox")
def provider_inbox():
    return _inbox(done=request.args.get("done"))
