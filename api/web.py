"""Web sign-in for people (password + session cookie), with CSRF protection on every form."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timezone

from flask import Blueprint, redirect, render_template_string, request, session, url_for

from api.runtime import runtime
from api.problem import problem
from directory.accounts import LoginLocked

web = Blueprint("web", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · LEAD directory</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#111}
main{max-width:28rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.8rem;font-size:1rem;border:1px solid #999;border-radius:8px}
button{margin-top:1.2rem;width:100%;padding:.9rem;font-size:1.1rem;border:0;border-radius:8px;background:#06703a;color:#fff}
.error{background:#fde8e8;color:#900;padding:.6rem;border-radius:8px}
</style></head><body><main>
<h1>{{ title }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{{ body|safe }}
</main></body></html>"""

LOGIN_FORM = """<form method="post" action="{{ action }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>"""


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    return bool(session.get("csrf")) and hmac.compare_digest(sent, session["csrf"])


def csrf_problem():
    """An expired form (the session that issued it is gone) and a form from elsewhere are told apart."""
    if not session.get("csrf"):
        return problem(400, "The form expired; reload the page and try again.",
                       errors=[{"field": "csrf_token", "message": "expired"}])
    return problem(400, "The form did not come from this site; reload the page and try again.",
                   errors=[{"field": "csrf_token", "message": "does not match"}])


def session_user():
    """The signed-in person, re-read on every request so a disabled account is out at once."""
    name = session.get("user")
    if not name:
        return None
    found = runtime().accounts.get(name)
    if not found or found.disabled:
        session.clear()
        return None
    return found


def render(title: str, body: str, error: str | None = None, status: int = 200):
    return render_template_string(PAGE, title=title, body=body, error=error), status


@web.route("/login", methods=["GET"])
def login_form():
    body = render_template_string(LOGIN_FORM, action=url_for("web.login"), csrf=csrf_token())
    return render("Sign in", body)


@web.route("/login", methods=["POST"])
def login():
    if not csrf_ok():
        return csrf_problem()
    form_body = render_template_string(LOGIN_FORM, action=url_for("web.login"), csrf=csrf_token())
    try:
        found = runtime().accounts.authenticate_password(request.form.get("username", ""),
                                                         request.form.get("password", ""))
    except LoginLocked as exc:
        wait = max(1, int((exc.until - datetime.now(timezone.utc)).total_seconds()))
        page, _ = render("Sign in", form_body, "Too many failed attempts. Try again in a few minutes.")
        return page, 429, {"Retry-After": str(wait)}
    if not found:
        return render("Sign in", form_body, "Wrong username or password.", 401)
    session.clear()  # a new session on sign-in: no fixation
    session["user"] = found.username
    session.permanent = True
    return redirect(url_for("web.home"))


@web.route("/logout", methods=["POST"])
def logout():
    if not csrf_ok():
        return csrf_problem()
    session.clear()
    return redirect(url_for("web.login_form"))


@web.route("/")
def home():
    person = session_user()
    if not person:
        return redirect(url_for("web.login_form"))
    body = render_template_string(
        "<p>Signed in as <strong>{{ u.username }}</strong> ({{ u.role }}).</p>"
        "<p>The JSON API is documented at <a href='/api/openapi.json'>/api/openapi.json</a>.</p>"
        "<form method='post' action='{{ action }}'><input type='hidden' name='csrf_token' value='{{ csrf }}'>"
        "<button type='submit'>Sign out</button></form>", u=person, action=url_for("web.logout"), csrf=csrf_token())
    return render("LEAD service directory", body)
