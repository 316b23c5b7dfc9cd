"""Who is calling, and may they? Bearer tokens for programs, the signed-in session for people.

The JSON API accepts both: a bearer token (no CSRF needed: a browser never sends one by itself), or
the session cookie of someone signed in at /login, in which case every state-changing call must carry
the page's CSRF token in ``X-CSRF-Token``. Pages (``api.pages``) accept only the session.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import wraps
from typing import Callable

from flask import current_app, g, request, session
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many

from api.problem import problem
from api.runtime import runtime
from directory import permissions
from directory.accounts import AccountDisabled, User

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"


# ----- throttling ---------------------------------------------------------------------------------------
def throttled(kind: str, limits_text: str, *, spend: bool, client: str | None = None) -> bool:
    """Whether this client has used up its budget of ``kind`` (sign-ins, bad tokens); ``spend`` counts one.

    Counted per ``client`` (default: the client's address, the one the trusted proxy saw when
    ``LEAD_TRUSTED_PROXIES`` is set) in the app's limits storage, which every worker shares (the engine by
    default). Being throttled is audited.
    """
    limiter = current_app.extensions["lead_limiter"]
    client = client or f"address:{request.remote_addr or 'unknown'}"
    over = False
    for item in parse_many(limits_text):
        if spend:
            over = not limiter.limiter.hit(item, kind, client) or over
        else:
            over = not limiter.limiter.test(item, kind, client) or over
    if over:
        runtime().store.audit(f"{kind}.throttled", actor="anonymous", field="client",
                              new={"client": hashlib.sha256(client.encode()).hexdigest()[:12], "path": request.path})
    return over


# ----- known devices ------------------------------------------------------------------------------------
# A browser that has signed in to an account gets a signed cookie naming it (a random device id) and the
# accounts it signed in to (as keyed tags, not names). Sign-in attempts for one of those accounts from that
# browser are counted under the device, not the address: someone else behind the same address (a shared
# office network, a proxy not configured as trusted) cannot throttle or lock its owner out there.
DEVICE_COOKIE = "lead_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 10


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="lead-known-device")


def _account_tag(username: str) -> str:
    return hmac.new(current_app.secret_key.encode(), f"device-account:{username}".encode(),
                    hashlib.sha256).hexdigest()[:16]


def _device() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_signer().loads(raw)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def sign_in_client(username: str) -> str:
    """Whom a sign-in attempt for ``username`` is counted for: this browser, if it signed in to that account
    before, else the client's address."""
    device = _device()
    if device and _account_tag(username.strip().lower()) in (device.get("accounts") or []):
        return f"device:{device['id']}"
    return f"address:{request.remote_addr or 'unknown'}"


def remember_device(resp, username: str):  # noqa: ANN001, ANN201 - a Flask response, returned
    """After a successful sign-in: this browser now counts its own attempts for this account."""
    device = _device() or {"id": secrets.token_urlsafe(16), "accounts": []}
    tag = _account_tag(username)
    accounts = [t for t in device.get("accounts") or [] if t != tag] + [tag]
    value = _device_signer().dumps({"id": device["id"], "accounts": accounts[-DEVICE_ACCOUNTS:]})
    resp.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, path="/login", httponly=True,
                    secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return resp


def too_many(retry_after: int = 60):
    return problem(429, "Too many attempts from this address; wait a minute and try again.",
                   headers={"Retry-After": str(retry_after)})


# ----- CSRF --------------------------------------------------------------------------------------------
def csrf_token() -> str:
    """This session's CSRF token (made on first use); forms carry it, page scripts send it as a header."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_matches(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(str(sent), expected)


# ----- the session -------------------------------------------------------------------------------------
def sign_in(found: User) -> None:
    """A new session for this person (never the one from before sign-in: no fixation), also kept on the
    account, so signing out ends it for good even if someone kept a copy of the cookie."""
    lang = session.get("lang")
    session.clear()
    session["user"] = found.username
    session["sid"] = runtime().accounts.start_session(found.username)
    session["since"] = int(time.time())
    if lang:
        session["lang"] = lang
    session.permanent = True


def sign_out() -> None:
    if session.get("user") and session.get("sid"):
        runtime().accounts.end_session(session["user"], session["sid"])
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def session_state() -> tuple[User | None, str]:
    """(the signed-in person, "ok") or (None, why): "none", "expired" or "disabled".

    The account is re-read on every request, so a disabled account is out at once.
    """
    name = session.get("user")
    if not name:
        return None, "none"
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - float(session.get("since") or 0) > lifetime:
        sign_out()
        return None, "expired"
    found, why = runtime().accounts.session_user(name, session.get("sid", ""))
    if found is None:
        lang = session.get("lang")
        session.clear()  # the account's record of this session is gone: nothing to end there
        if lang:
            session["lang"] = lang
        return None, "disabled" if why == "disabled" else "expired"
    return found, "ok"


# ----- the JSON API ------------------------------------------------------------------------------------
def bearer_user() -> User | None:
    """The account of the bearer token sent, or None; raises ``AccountDisabled``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return runtime().accounts.authenticate_token(token.strip())


def unauthorized():
    return problem(401, "Sign in: send 'Authorization: Bearer <token>', or sign in at /login.",
                   headers={"WWW-Authenticate": 'Bearer realm="lead"'})


def _disabled():
    return problem(403, "This account is disabled; ask an administrator to enable it again.", title="Account disabled")


def api_caller():
    """(user, None) for a valid bearer token or session, else (None, the problem response to return)."""
    if request.headers.get("Authorization"):
        try:
            found = bearer_user()
        except AccountDisabled:
            return None, _disabled()
        if found is None:
            # Only invalid tokens are counted and throttled: a valid one always passes, so nobody sending bad
            # tokens from a shared address (or through the proxy) can shut out the programs behind it, and a
            # valid call costs no counter read.
            if throttled("token", runtime().settings.bad_token_rate_limit, spend=True):
                return None, too_many()
            return None, unauthorized()
        return found, None
    found, why = session_state()
    if found is None:
        return None, (_disabled() if why == "disabled" else unauthorized())
    if request.method not in SAFE_METHODS and not csrf_matches(request.headers.get(CSRF_HEADER)):
        return None, problem(403, f"A signed-in browser must send the page's CSRF token in {CSRF_HEADER}; "
                                  "reload the page and try again.", title="CSRF token missing or wrong",
                             errors=[{"field": CSRF_HEADER, "message": "missing or does not match"}])
    return found, None


def require(action: str) -> Callable:
    """Allow the roles the permission table (``directory.permissions``) grants this action; 401 without
    valid credentials, 403 for any other role. A scope narrower than ``any`` is the view's to apply."""
    permissions.action(action)  # an unknown action is a mistake at import time, not a 403 at run time

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def inner(*args, **kwargs):
            found, refused = api_caller()
            if refused is not None:
                return refused
            if not permissions.may(found, action):
                return problem(403, f"The {found.role} role may not do this.")
            g.user = found
            return view(*args, **kwargs)
        inner._lead_action = action  # read by the authorization tests
        return inner
    return wrap


def user() -> User:
    return g.user
