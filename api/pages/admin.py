"""Administrators: accounts (create, disable, enable, reset token), organisations, ingest runs with their
reports, suggested corrections, and the audit log with filters."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import g, make_response, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.inputs import NewUserSchema
from api.referral_schemas import WebhookRequestSchema
from api.pages import listing_form as LF
from api.pages.common import error_page, no_store, page_for, pages
from api.pages.messages import page_message
from api.problem import flatten_messages
from api.runtime import request_language, runtime
from api.usecases import accounts, suggestions, webhooks
from api.usecases.accounts import UnknownOrganizations
from api.usecases.errors import Invalid, NotFound, Refused
from directory import permissions
from directory.accounts import ROLES
from directory.errors import ListingNotFound

# The account form's fields, named as its labels name them.
ACCOUNT_FIELDS = {"username": lambda: _("Username"), "role": lambda: _("Role"), "organizations": lambda: _("Organisations"),
                  "display_name": lambda: _("Full name"), "program": lambda: _("Program"),
                  "password": lambda: _("Password")}
ROLE_NAMES = {permissions.ADMIN: lambda: _("Administrator"), permissions.CASE_MANAGER: lambda: _("Case manager"),
              permissions.OFFICER: lambda: _("Police officer"), permissions.PROVIDER: lambda: _("Provider")}


@pages.app_template_filter("role_name")
def role_name(role: str) -> str:
    return ROLE_NAMES[role]() if role in ROLE_NAMES else role


@pages.route("/admin")
@page_for("directory.admin")
def admin_home():
    rt = runtime()
    pending = len(rt.suggestions.list(status="pending"))
    return render_template("admin/home.html", title=_("Admin"), pending=pending)


@pages.route("/admin/accounts", methods=["GET", "POST"])
@page_for("accounts.manage")
def admin_accounts():
    rt = runtime()
    shown = None  # (username, token) shown this once
    message, error = None, None
    if request.method == "POST":
        action, username = request.form.get("action"), request.form.get("username", "")
        try:
            if action == "create":
                body = NewUserSchema().load({
                    "username": username, "role": request.form.get("role", ""),
                    "organizations": [o.strip() for o in request.form.get("organizations", "").split(",") if o.strip()],
                    **({"display_name": request.form["display_name"].strip()}
                       if request.form.get("display_name", "").strip() else {}),
                    **({"program": request.form["program"].strip()} if request.form.get("program", "").strip() else {}),
                    **({"password": request.form["password"]} if request.form.get("password") else {})})
                created, token = accounts.create(rt, g.user.username, body)
                shown, message = (created.username, token), _("Account %(name)s created.", name=created.username)
            elif action == "disable":
                accounts.set_disabled(rt, g.user.username, username, True)
                message = _("%(name)s is disabled and signed out everywhere.", name=username)
            elif action == "enable":
                accounts.set_disabled(rt, g.user.username, username, False)
                message = _("%(name)s can sign in again.", name=username)
            elif action == "token":
                shown = (username, accounts.reset_token(rt, g.user.username, username))
                message = _("A new API token was made for %(name)s; the old one no longer works.", name=username)
        except ValidationError as exc:
            error = "; ".join(f"{ACCOUNT_FIELDS[e['field']]() if e['field'] in ACCOUNT_FIELDS else e['field']}: "
                              f"{page_message(e['message'])}" for e in flatten_messages(exc.messages))
        except UnknownOrganizations as exc:
            error = _("No organisation %(ids)s in the directory.", ids=", ".join(exc.missing))
        except Refused as exc:  # a field of the account, or no such account
            error = page_message(exc.errors[0]["message"] if exc.errors else exc.detail)
    resp = make_response(render_template("admin/accounts.html", title=_("Accounts"), users=rt.accounts.list(),
                                         roles=ROLES, shown=shown, message=message, error=error,
                                         form=request.form if error else {}), 422 if error else 200)
    return no_store(resp)  # a token shown once is never cached


@pages.route("/admin/organizations")
@page_for("organizations.list")
def admin_organizations():
    return render_template("admin/organizations.html", title=_("Organisations"),
                           organizations=runtime().search.organizations())


@pages.route("/admin/ingest")
@page_for("directory.admin")
def admin_ingest():
    runs = runtime().store.audit_trail.events(action="ingest", size=50)
    return render_template("admin/ingest.html", title=_("Ingest runs"), runs=runs)


@pages.route("/admin/data-quality")
@page_for("directory.admin")
def admin_data_quality():
    """Listings a person could not act on, by source: no callable number, no hours, no stated ages."""
    return render_template("admin/quality.html", title=_("Data quality"), quality=runtime().search.data_quality())


@pages.route("/admin/suggestions", methods=["GET", "POST"])
@page_for("suggestion.decide")
def admin_suggestions():
    rt = runtime()
    message, error = None, None
    if request.method == "POST":
        try:
            decided = suggestions.decide(rt, g.user, request.form.get("id", ""), request.form.get("action") == "accept",
                                         request.form.get("note", "").strip() or None)
            message = _("Accepted: the listing now shows the change.") if decided["status"] == "accepted" \
                else _("Rejected: nothing was changed.")
        except Refused as exc:
            error = page_message(exc.detail)
    status = request.args.get("status", "pending")
    items = rt.suggestions.list(status=status if status in ("pending", "accepted", "rejected") else None)
    lang = request_language()
    shown = []
    for s in items:
        try:
            current = LF.current_values(rt.search.listing(s["listing_id"], lang)[0])
        except ListingNotFound:
            current = {}
        shown.append({**s, "diff": LF.differences({k: current.get(k) for k in s["changes"]}, s["changes"], lang)})
    return render_template("admin/suggestions.html", title=_("Suggested corrections"), items=shown, status=status,
                           message=message, error=error), 409 if error else 200


@pages.route("/admin/audit")
@page_for("audit.read")
def admin_audit():
    args = {k: request.args.get(k, "").strip() for k in ("actor", "action", "listing_id", "since")}
    since = None
    if args["since"]:
        try:
            since = datetime.combine(datetime.strptime(args["since"], "%Y-%m-%d").date(), time(0),
                                     tzinfo=timezone.utc).isoformat()
        except ValueError:
            return error_page(400, message=_("Type the date as YYYY-MM-DD."))
    events = runtime().store.audit_trail.events(listing_id=args["listing_id"] or None, actor=args["actor"] or None,
                                          action=args["action"] or None, since=since, size=200)
    return render_template("admin/audit.html", title=_("Audit log"), events=events, args=args)


@pages.route("/admin/webhooks", methods=["GET", "POST"])
@page_for("webhooks.manage")
def admin_webhooks():
    """Each provider organisation's webhook (set with a new secret shown once, or removed) and the delivery log."""
    rt = runtime()
    shown, message, error = None, None, None
    if request.method == "POST":
        org, action = request.form.get("organization_id", "").strip(), request.form.get("action")
        if action == "remove":
            try:
                webhooks.remove(rt, g.user, org)
                message = _("%(org)s gets no more webhook calls.", org=org)
            except NotFound:
                pass  # nothing to remove: the list below shows it
        elif action == "set":
            try:
                body = WebhookRequestSchema().load({"url": request.form.get("url", "").strip()})
            except ValidationError:
                error = _("Type the full address of the provider's endpoint, starting with https://.")
            else:
                try:
                    shown = webhooks.configure(rt, g.user, org, body["url"])
                    message = _("Webhook set for %(org)s.", org=org)
                except webhooks.UnknownOrganization:
                    error = _("No organisation %(ids)s in the directory.", ids=org)
                except Invalid:
                    error = _("Type the full address of the provider's endpoint, starting with https://.")
    html = render_template("admin/webhooks.html", title=_("Webhooks"), webhooks=rt.webhooks.configured(),
                           deliveries=rt.webhooks.deliveries(size=50), shown=shown, message=message, error=error,
                           form=request.form if error else {})
    return no_store(make_response(html, 422 if error else 200))  # a secret shown once is never cached
