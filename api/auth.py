"""Who is calling, and may they? Bearer tokens for the JSON API; every endpoint names its roles."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, request

from api.problem import problem
from api.runtime import runtime
from directory.accounts import AccountDisabled, User

READERS = ("admin", "case_manager", "officer")
EVERYONE = ("admin", "case_manager", "officer", "provider")


def bearer_user() -> User | None:
    """The account of the bearer token sent, or None; raises ``AccountDisabled``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return runtime().accounts.authenticate_token(token.strip())


def unauthorized():
    return problem(401, "Sign in: send 'Authorization: Bearer <token>'.",
                   headers={"WWW-Authenticate": 'Bearer realm="lead"'})


def require(*roles: str) -> Callable:
    """Allow only these roles; 401 without valid credentials, 403 for any other role."""
    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def inner(*args, **kwargs):
            try:
                user = bearer_user()
            except AccountDisabled:
                return problem(403, "This account is disabled; ask an administrator to enable it again.",
                               title="Account disabled")
            if user is None:
                return unauthorized()
            if user.role not in roles:
                return problem(403, f"The {user.role} role may not do this.")
            g.user = user
            return view(*args, **kwargs)
        inner._lead_roles = roles  # read by the authorization-matrix test and the OpenAPI notes
        return inner
    return wrap


def user() -> User:
    return g.user
