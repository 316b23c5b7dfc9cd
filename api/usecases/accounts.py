"""Accounts: create one (its API token shown once), disable, enable, issue a new token."""
from __future__ import annotations

from typing import TYPE_CHECKING

from api.usecases.errors import Invalid, NotFound
from directory.accounts import AccountError, User

if TYPE_CHECKING:
    from api.runtime import Runtime


class UnknownOrganizations(Invalid):
    """A provider bound to organisations the directory does not have (422 on ``organizations``)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("organizations", f"unknown organisation {missing[0]!r}",
                         detail=f"No organisation {', '.join(map(repr, missing))} in the directory; "
                                "see GET /api/v1/organizations.")
        self.errors = [{"field": "organizations", "message": f"unknown organisation {m!r}"} for m in missing]
        self.missing = missing


def create(rt: Runtime, actor: str, body: dict) -> tuple[User, str]:
    """Create an account from a loaded ``NewUserSchema`` body; returns (account, token). Refused with 422
    naming the field (``UnknownOrganizations`` among them)."""
    missing = sorted(set(body["organizations"]) - rt.store.listings.organization_ids(body["organizations"]))
    if missing:
        raise UnknownOrganizations(missing)
    try:
        return rt.accounts.create(
            body["username"], body["role"], organizations=body["organizations"], password=body.get("password"),
            display_name=body.get("display_name"), program=body.get("program"), actor=actor)
    except AccountError as exc:
        raise Invalid(exc.field, str(exc), detail=str(exc)) from None


def set_disabled(rt: Runtime, actor: str, username: str, disabled: bool) -> User:
    """Disable an account (its tokens and sessions stop at once) or enable it again; ``NotFound``."""
    try:
        return rt.accounts.set_disabled(username, disabled, actor=actor)
    except AccountError as exc:
        raise NotFound(str(exc)) from None


def reset_token(rt: Runtime, actor: str, username: str) -> str:
    """Revoke the account's tokens and issue a new one, shown this once; ``NotFound``."""
    try:
        return rt.accounts.reset_token(username, actor=actor)
    except AccountError as exc:
        raise NotFound(str(exc)) from None
