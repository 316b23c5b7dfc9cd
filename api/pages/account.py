"""Signing in and out, the language switch, and the home page that sends each role to its work."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api.auth import csrf_matches, remember_device, session_state, sign_in, sign_in_client, sign_out, throttled
from api.pages.common import error_page, home_of, pages, safe_next
from api.runtime import LANGUAGES, runtime
from directory.accounts import LoginLocked

REASONS = {
    "signin": lambda: _("Sign in to continue."),
    "expired": lambda: _("Your session has expired. Sign in again to continue."),
    "disabled": lambda: _("This account has been disabled. Ask your administrator to turn it back on."),
    "signedout": lambda: _("You are signed out. Close this window if the device is shared."),
}


def _login_page(error: str | None = None, status: int = 200, **headers):
    reason = request.args.get("reason")
    notice = REASONS[reason]() if reason in REASONS else None
    return render_template("login.html", error=error, notice=notice,
                           next=safe_next(request.values.get("next"), "")), status, headers


@pages.route("/login", methods=["GET"])
def login_form():
    return _login_page()


@pages.route("/login", methods=["POST"])
def login():
    if not csrf_matches(request.form.get("csrf_token")):
        # An expired form (the session that issued it is gone) and a form from elsewhere are told apart.
        if not session.get("csrf"):
            return error_page(400, _("This form has expired"),
                              _("The sign-in form expired. Reload the page and sign in again."))
        return error_page(400, _("This form did not come from this site"),
                          _("Reload the sign-in page and try again."))
    username = request.form.get("username", "")
    client = sign_in_client(username)  # this browser if it signed in to the account before, else the address
    if throttled("signin", runtime().settings.login_rate_limit, spend=True, client=client):
        return _login_page(_("Too many sign-in attempts from this address. Wait a minute and try again."), 429,
                           **{"Retry-After": "60"})
    try:
        found = runtime().accounts.authenticate_password(username, request.form.get("password", ""), client=client)
    except LoginLocked as exc:
        wait = max(1, int((exc.until - datetime.now(timezone.utc)).total_seconds()))
        minutes = math.ceil(wait / 60)
        return _login_page(ngettext("Too many failed attempts from this device. Try again in %(num)d minute.",
                                    "Too many failed attempts from this device. Try again in %(num)d minutes.",
                                    minutes), 429, **{"Retry-After": str(wait)})
    if not found:
        return _login_page(_("Wrong username or password."), 401)
    sign_in(found)
    return remember_device(redirect(safe_next(request.form.get("next"), url_for(home_of(found)))), found.username)


@pages.route("/logout", methods=["POST"])
def logout():
    if not csrf_matches(request.form.get("csrf_token")) and session_state()[0] is not None:
        # Still signed in: a sign-out from elsewhere (or a stale page) must not pretend it worked.
        return error_page(400, _("This form has expired"),
                          _("The page was open too long or came from elsewhere. Reload it and try again."))
    sign_out()
    return redirect(url_for("pages.login_form", reason="signedout"))


@pages.route("/lang/<code>")
def switch_language(code: str):
    """The EN/ES switch on every page: remembered for this browser's session."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("pages.home")))


@pages.route("/")
def home():
    person, why = session_state()
    if not person:
        return redirect(url_for("pages.login_form", **({"reason": why} if why != "none" else {})))
    return render_template("home.html", person=person, home=home_of(person))
