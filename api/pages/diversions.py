"""Diversion pages: the officer's hand-off form (from Nearby now, on a phone) and their list of diversions
with each step; the program's on-call inbox, where a case manager claims one and moves it on; the
supervisor's view of escalations; consent withdrawal on a diversion or a referral; and the answer page a
provider without an account opens from its link. Participant data is only ever POSTed, never in a URL."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.diversion_schemas import AnswerSchema, ConsentChangeSchema, DiversionMoveSchema, NewDiversionSchema
from api.pages.common import error_page, no_store, page_for, pages
from api.pages.officer import buttons
from api.problem import flatten_messages
from api.runtime import runtime
from api.usecases import answer_links, consents
from api.usecases import diversions as cases
from api.usecases.errors import Refused
from directory import diversions, permissions
from directory.referral_states import DECLINE_REASONS

TYPE_LABELS = {"arrest_diversion": _l("Arrest diversion"), "social_contact": _l("Social contact")}
STATUS_LABELS = {"waiting": _l("Waiting for a case manager"), "acknowledged": _l("Acknowledged by a case manager"),
                 "contacted": _l("The person was contacted"), "enrolled": _l("Enrolled in LEAD"),
                 "closed": _l("Closed"), "cancelled": _l("Cancelled")}
MOVE_LABELS = {"acknowledged": _l("Claim it: I am on it"), "contacted": _l("I reached the person"),
               "enrolled": _l("Enrolled"), "closed": _l("Close"), "cancelled": _l("Cancel this diversion")}
CLOSE_LABELS = {"could_not_contact": _l("Could not reach the person"),
                "declined_services": _l("The person declined services"),
                "already_enrolled": _l("Already enrolled in LEAD"), "other": _l("Other reason")}
CONSENT_LABELS = {"given": _l("Consent to contact given"), "withdrawn": _l("Consent withdrawn"),
                  "expired": _l("Consent expired"), "none": _l("No consent to contact")}
DECLINE_LABELS = {"no_capacity": _l("No capacity"), "not_eligible": _l("Not eligible"),
                  "could_not_contact": _l("Could not contact the person"), "other": _l("Other reason")}
STEP_LABELS = {"acknowledged": _l("Acknowledged"), "contacted": _l("Contacted"), "enrolled": _l("Enrolled")}
FIELD_MESSAGES = {
    "participant_ref": _l("Type an opaque reference (an incident or card number): 3 to 40 letters or digits, "
                          "never a name or a date of birth."),
    "type": _l("Choose arrest diversion or social contact."),
    "program": _l("Choose the LEAD program."),
    "name": _l("A name is kept only if the person agrees to be contacted."),
    "dob": _l("A date of birth is kept only if the person agrees to be contacted."),
    "consent_to_contact": _l("Say whether the person agrees to be contacted."),
    "occurred_at": _l("When the contact happened: within the last two days."),
}


def _labels() -> dict:
    return {"type": TYPE_LABELS, "status": STATUS_LABELS, "move": MOVE_LABELS, "close": CLOSE_LABELS,
            "consent": CONSENT_LABELS, "decline": DECLINE_LABELS, "step": STEP_LABELS,
            "need": dict(buttons("quick_buttons") + buttons("more_buttons"))}


def _form_page(form: dict, errors: dict[str, str], status: int = 200):
    html = render_template("diversion_new.html", title=_("Divert to LEAD"), form=form, errors=errors,
                           labels=_labels(), needs=buttons("quick_buttons") + buttons("more_buttons"), programs=runtime().settings.programs,
                           client_key=form.get("client_key") or secrets.token_urlsafe(16))
    return no_store(make_response(html, status))


@pages.route("/diversions/new", methods=["GET"])
@page_for("diversion.record")
def diversion_new():
    return _form_page({"town": request.args.get("town", "")[:80], "program": g.user.program or ""}, {})


@pages.route("/diversions/new", methods=["POST"])
@page_for("diversion.record")
def diversion_record():
    f = request.form
    raw = {"client_key": f.get("client_key", ""), "type": f.get("type", ""), "participant_ref": f.get("participant_ref", "").strip(),
           "consent_to_contact": f.get("consent_to_contact") == "yes", "needs": f.getlist("needs")}
    for name in ("program", "town", "place", "note", "name", "dob"):
        if f.get(name, "").strip():
            raw[name] = f[name].strip()
    form = {**raw, "consent_to_contact": "yes" if raw["consent_to_contact"] else ""}
    try:
        body = NewDiversionSchema().load(raw)
        view, _created = cases.record(runtime(), g.user, body)
    except ValidationError as exc:
        return _form_page(form, _field_errors(flatten_messages(exc.messages)), 422)
    except Refused as exc:
        errors = {e["field"]: e["message"] for e in exc.errors or []}
        return _form_page(form, _field_errors(errors), exc.status)
    return redirect(url_for("pages.diversions_list", done=view["id"]), 303)


def _field_errors(messages: list[dict] | dict) -> dict[str, str]:
    """The form's fields in error, each with a sentence for a person (the schema's own words are for the API)."""
    names = [m["field"].split("[")[0] for m in messages] if isinstance(messages, list) else list(messages)
    return {name: str(FIELD_MESSAGES.get(name, _("Check this field."))) for name in names}


@pages.route("/diversions")
@page_for("diversion.follow")
def diversions_list():
    rt, who = runtime(), g.user
    on_call = permissions.may(who, "diversion.inbox")
    show = request.args.get("show", "open")
    if on_call:
        items = cases.inbox(rt, who, statuses=list(diversions.STATUSES) if show == "all" else None)
    else:
        items = cases.mine(rt, who)
    html = render_template("diversions.html", title=_("On-call inbox") if on_call else _("My diversions"),
                           items=items, on_call=on_call, labels=_labels(), show=show,
                           done=request.args.get("done"), error=request.args.get("error"),
                           minutes=rt.settings.diversion_escalate_minutes)
    return no_store(make_response(html))


@pages.route("/diversions/<diversion_id>/status", methods=["POST"])
@page_for("diversion.follow")
def diversion_status(diversion_id: str):
    raw = {"status": request.form.get("status", "")}
    if request.form.get("reason"):
        raw["reason"] = request.form["reason"]
    try:
        body = DiversionMoveSchema().load(raw)
        cases.move(runtime(), g.user, diversion_id, body["status"], body.get("reason"))
    except ValidationError:
        return redirect(url_for("pages.diversions_list", error="reason"), 303)
    except Refused as exc:
        return redirect(url_for("pages.diversions_list", error=str(exc.status)), 303)
    return redirect(url_for("pages.diversions_list", done=diversion_id) + f"#diversion-{diversion_id}", 303)


@pages.route("/diversions/supervisor")
@page_for("diversion.supervise")
def diversions_supervisor():
    rt = runtime()
    html = render_template("diversions_supervisor.html", title=_("Escalated diversions"),
                           items=cases.escalations(rt, g.user), labels=_labels(),
                           minutes=rt.settings.diversion_escalate_minutes)
    return no_store(make_response(html))


@pages.route("/consent/<kind>/<record_id>", methods=["POST"])
@page_for("consent.withdraw")
def consent_withdraw(kind: str, record_id: str):
    if kind not in ("referral", "diversion"):
        return error_page(404)
    body = ConsentChangeSchema().load({"withdraw": True})
    try:
        consents.change(runtime(), g.user, kind, record_id, body)
    except Refused as exc:
        if exc.status != 409:
            raise
    if kind == "referral":
        return redirect(url_for("pages.referral_detail", referral_id=record_id), 303)
    return redirect(url_for("pages.diversions_list", done=record_id) + f"#diversion-{record_id}", 303)


@pages.route("/referrals/<referral_id>/answer-link", methods=["POST"])
@page_for("referral.answer_link")
def answer_link_new(referral_id: str):
    made = answer_links.issue(runtime(), g.user, referral_id)
    html = render_template("answer_link.html", title=_("An answer link for the provider"),
                           url=url_for("pages.answer_page", t=made["token"], _external=True),
                           expires_at=made["expires_at"], referral_id=referral_id)
    return no_store(make_response(html))


@pages.route("/sw.js")
def service_worker():
    """The officer's pages without signal (api/static/js/sw.js), served from the root so its scope is the site.
    Open to anyone: it holds no data, only what to keep."""
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    resp = make_response(script)
    resp.headers["Content-Type"] = "text/javascript; charset=utf-8"
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


# ----- the provider without an account -----------------------------------------------------------------
# The token travels in the query string, which the access logs leave out (api.access_log), never in the path.
@pages.route("/answer", methods=["GET"])
def answer_page():
    token = request.args.get("t", "")[:2000]
    try:
        r = answer_links.open_link(runtime(), token)
    except answer_links.LinkGone as exc:
        return _link_gone(exc)
    return _answer_form(token, r, None, 200)


def _answer_form(token: str, r: dict, error: str | None, status: int):
    from api.pages.referrals import _labels as referral_labels

    html = render_template("answer.html", title=_("Answer a referral"), r=r, token=token, error=error,
                           labels=referral_labels(), decline_labels=DECLINE_LABELS, reasons=DECLINE_REASONS)
    resp = make_response(html, status)
    resp.headers["Referrer-Policy"] = "no-referrer"
    return no_store(resp)


def _link_gone(exc: Refused):
    why = exc.extra.get("why")
    text = {"used": _("This link was already used: it works once. Call the case manager who sent it."),
            "expired": _("This link has expired. Call the case manager who sent it for a new one."),
            }.get(why, _("This link is not valid. Check that it was copied whole, or call the case manager."))
    html = render_template("message.html", title=_("This link cannot be used"), message=text, status=410)
    return no_store(make_response(html, 410))


@pages.route("/answer", methods=["POST"])
def answer_post():
    token = request.args.get("t", "")[:2000]
    raw = {"answer": request.form.get("answer", "")}
    if request.form.get("reason"):
        raw["reason"] = request.form["reason"]
    try:
        body = AnswerSchema().load(raw)
    except ValidationError:
        try:
            r = answer_links.open_link(runtime(), token)
        except answer_links.LinkGone as exc:
            return _link_gone(exc)
        return _answer_form(token, r, _("Choose a reason to decline."), 422)
    try:
        r = answer_links.answer(runtime(), token, body["answer"], body.get("reason"))
    except answer_links.LinkGone as exc:
        return _link_gone(exc)
    except Refused as exc:
        try:
            r = answer_links.open_link(runtime(), token)
        except answer_links.LinkGone as gone:
            return _link_gone(gone)
        return _answer_form(token, r, _("No bed is left to hold. Decline it, or update your bed count first.")
                            if exc.status == 409 else _("Check your answer."), exc.status)
    text = _("Thank you: you accepted this referral and a bed is held for the person.") if r["status"] == "accepted" \
        else _("Thank you: you declined this referral. The case manager will be told.")
    html = render_template("message.html", title=_("Answer recorded"), message=text, status=200)
    return no_store(make_response(html))
