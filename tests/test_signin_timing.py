"""Signing in costs the same whatever the account's state, so its timing tells nothing: every attempt runs
exactly one password check of the same strength (scrypt with the same parameters), for an unknown name, an
account without a password (token only), a disabled one, a locked one, a wrong and a right password."""
from __future__ import annotations

import pytest

from directory import accounts as accounts_module
from directory.accounts import MAX_FAILED_LOGINS, LoginLocked

pytestmark = pytest.mark.es
PASSWORD = "a long enough password"


@pytest.fixture
def checks(monkeypatch):
    """Every password check made: the method part of the hash checked (algorithm and cost)."""
    made: list[str] = []
    real = accounts_module.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        made.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(accounts_module, "check_password_hash", spy)
    return made


def attempt(accounts, username: str, password: str, client: str = "10.1.1.1") -> str:
    try:
        return "ok" if accounts.authenticate_password(username, password, client=client) else "refused"
    except LoginLocked:
        return "locked"


def test_every_account_state_costs_one_password_check_of_the_same_strength(accounts, checks):
    accounts.create("has-password", "case_manager", password=PASSWORD)
    accounts.create("token-only", "officer")  # no password: signs in with nothing, uses its API token
    accounts.create("switched-off", "case_manager", password=PASSWORD)
    accounts.set_disabled("switched-off", True)
    accounts.create("to-lock", "case_manager", password=PASSWORD)
    for i in range(MAX_FAILED_LOGINS):
        attempt(accounts, "to-lock", f"wrong {i}", client="10.2.2.2")
    reference = generate_method()
    cases = {
        "unknown name": ("no-such-person", PASSWORD, "refused"),
        "malformed name": ("No Such Person!", PASSWORD, "refused"),
        "account without a password": ("token-only", PASSWORD, "refused"),
        "wrong password": ("has-password", "not the password", "refused"),
        "disabled, right password": ("switched-off", PASSWORD, "refused"),
        "disabled, wrong password": ("switched-off", "not the password", "refused"),
        "locked for this client": ("to-lock", PASSWORD, "locked"),
        "right password": ("has-password", PASSWORD, "ok"),
    }
    for label, (name, password, expected) in cases.items():
        checks.clear()
        client = "10.2.2.2" if label.startswith("locked") else "10.1.1.1"
        assert attempt(accounts, name, password, client=client) == expected, label
        assert checks == [reference], f"{label}: password checks {checks}, expected one {reference}"


def generate_method() -> str:
    """The method and cost of a freshly made password hash (what real accounts have)."""
    return accounts_module.generate_password_hash("x" * 12).split("$", 1)[0]
