"""What every page shares: the blueprint, who may see a page, the human error page, CSRF on forms."""
from __future__ import annotations

import re
from functools import wraps
from typing import Callable
from urllib.parse import quote, unquote, urlencode, urlsplit

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.auth import csrf_matches, csrf_token, session_state
from api.runtime import request_language, runtime
from api.usecases.referrals import unseen_count
from directory import permissions
from directory.accounts import User

pages = Blueprint("pages", __name__)

# The menu, in reading order: (endpoint, label, the action its page needs). Each person sees the pages the
# permission table lets them open; the first is where they land after signing in.
MENU: tuple[tuple[str, Callable[[User], str], str], ...] = (
    ("pages.admin_home", lambda p: _("Admin"), "directory.admin"),
    ("pages.match_form", lambda p: _("Find services"), "placement.plan"),
    ("pages.nearby", lambda p: _("Nearby now"), "search.match"),
    ("pages.provider_home", lambda p: _("My listings") if permissions.scope(p, "listing.edit") != permissions.ANY
     else _("Listings"), "listing.edit"),
    ("pages.provider_inbox", lambda p: _("Referrals inbox"), "referral.inbox"),
    ("pages.referrals_list", lambda p: _("Referrals"), "referral.send"),
    ("pages.suggest_search", lambda p: _("Suggest a correction"), "suggestion.make"),
    ("pages.diversions_list", lambda p: _("On-call inbox") if permissions.may(p, "diversion.inbox")
     else _("My diversions"), "diversion.follow"),
    ("pages.diversions_supervisor", lambda p: _("Escalations"), "diversion.supervise"),
    ("pages.reports_page", lambda p: _("Reports"), "report.read"),
)


def nav_items(person: User | None) -> list[tuple[str, str]]:
    if not person:
        return []
    return [(endpoint, label(person)) for endpoint, label, action in MENU if permissions.may(person, action)]


def home_of(person: User) -> str:
    """The page a person lands on after signing in: the first of their menu."""
    return next((endpoint for endpoint, _label, action in MENU if permissions.may(person, action)), "pages.home")


def wants_page() -> bool:
    """Whether an error for this request should be a page for people rather than problem+json."""
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        return False
    if request.blueprint == "pages":
        return True
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


ERROR_TEXT = {
    400: (lambda: _("Something in that request was not right"), lambda: _("Go back, reload the page and try again.")),
    403: (lambda: _("This page is not for your account"),
          lambda: _("Your account cannot open this page. Use the menu to go where you can work.")),
    404: (lambda: _("Page not found"), lambda: _("There is nothing at this address. Use the menu to find your way.")),
    405: (lambda: _("Page not found"), lambda: _("There is nothing at this address. Use the menu to find your way.")),
    413: (lambda: _("That was too much at once"), lambda: _("Send less and try again.")),
    429: (lambda: _("Too many attempts"), lambda: _("Wait a few minutes and try again.")),
    502: (lambda: _("The directory is not answering"), lambda: _("Try again in a minute. If it keeps happening, "
                                                                 "call your administrator.")),
    503: (lambda: _("The directory is not answering"), lambda: _("Try again in a minute. If it keeps happening, "
                                                                 "call your administrator.")),
}


def error_page(status: int, title: str | None = None, message: str | None = None):
    """A page a person understands, with the status code the request deserves."""
    head, body = ERROR_TEXT.get(status, (lambda: _("Something went wrong"),
                                         lambda: _("Something went wrong on our side; it has been logged. "
                                                   "Try again in a minute.")))
    resp = render_template("message.html", title=title or head(), message=message or body(), status=status)
    headers = {"Retry-After": "5"} if status in (502, 503) else {}
    return resp, status, headers


def login_redirect(reason: str):
    """To the sign-in page, saying why, and coming back here afterwards (GET pages only)."""
    args = {"reason": reason}
    if request.method == "GET" and request.path != "/":
        args["next"] = request.full_path.rstrip("?")
    return redirect(url_for("pages.login_form") + "?" + urlencode(args))


def page_for(action: str) -> Callable:
    """A page for the roles the permission table grants ``action``: signed-in people only (else to sign-in
    with a reason), CSRF checked on every POST, and ``g.user`` set."""
    permissions.action(action)

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def inner(*args, **kwargs):
            person, why = session_state()
            if person is None:
                return login_redirect("signin" if why == "none" else why)
            if not permissions.may(person, action):
                return error_page(403)
            if request.method == "POST" and not csrf_matches(request.form.get("csrf_token")):
                return error_page(400, _("This form has expired"),
                                  _("The page was open too long or came from elsewhere. Reload it and try again."))
            g.user = person
            return view(*args, **kwargs)
        inner._lead_action = action  # read by the permission tests
        return inner
    return wrap


def no_store(resp):
    """Pages that show participant inputs are never kept by the browser or a proxy."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


# Control characters and whitespace (browsers drop tabs and newlines anywhere in a URL and trim the rest at its
# ends, so "/\t/evil" becomes "//evil"), and backslashes (read as slashes).
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f-\x9f\\\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")


def safe_next(target: str | None, default: str) -> str:
    """Where to come back to: a path on this site, or ``default``. Every ``next`` the pages follow goes through
    here. Refused: anything with a scheme or host, a path starting ``//``, control characters, whitespace and
    backslashes anywhere (also once more percent-decoded, for a hop that decodes again), and over-long values.
    What is kept is re-encoded, so the Location sent is exactly the path checked."""
    if not target or len(target) > 2000:
        return default
    once_more = unquote(target)
    if _UNSAFE_IN_NEXT.search(target) or _UNSAFE_IN_NEXT.search(once_more):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//") \
            or urlsplit(once_more).path.startswith("//"):
        return default
    path = quote(parts.path, safe="/%!$&'()*+,;=:@-._~")
    query = quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
    return path + (f"?{query}" if query else "")


@pages.app_context_processor
def page_globals() -> dict:
    person = g.get("user")
    if person is None and request.blueprint == "pages":
        person = session_state()[0]
    return {"csrf_token": csrf_token, "current_user": person, "nav": nav_items(person), "lang": request_language(),
            "may": lambda action: bool(person) and permissions.may(person, action),
            "scope_of": lambda action: permissions.scope(person, action) if person else None,
            "switch_to": "es" if request_language() == "en" else "en", "nav_counts": _nav_counts(person)}


def _nav_counts(person: User | None) -> dict[str, int]:
    """Badges in the menu: referral events the person's side has not seen yet."""
    if person is None or request.blueprint != "pages":
        return {}
    n = unseen_count(runtime(), person)
    side = "pages.referrals_list" if permissions.may(person, "referral.send") else "pages.provider_inbox"
    return {side: n} if n else {}


def get_int(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return default


