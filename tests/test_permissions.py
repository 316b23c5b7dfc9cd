"""The permission table is the one place that says who may do what: every endpoint and page names an
action of it, the README shows it as it is, and it agrees with the hand-written authorization matrix
(tests/test_providers_and_roles.py), which checks real requests and is written apart from the table."""
from __future__ import annotations

import re

import pytest

from directory import permissions
from directory.accounts import User
from tests.conftest import ROOT
from tests.test_providers_and_roles import matrix_rows

pytestmark = pytest.mark.es  # the app fixture


def _rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        yield rule, getattr(view, "_lead_action", None)


OPEN = {"/api/openapi.json", "/healthz", "/readyz", "/login", "/logout", "/lang/<code>", "/", "/static/<path:filename>",
        # A provider without an account: the signed, single-use token is the credential (directory.answer_links).
        "/answer",
        # The service worker of the officer's pages: a static script, no data.
        "/sw.js"}


def test_every_endpoint_and_page_names_an_action_of_the_table(app):
    unnamed = sorted(r.rule for r, action in _rules(app) if action is None and r.rule not in OPEN)
    assert not unnamed, f"routes without an action of directory/permissions.py: {unnamed}"
    unknown = sorted({a for _r, a in _rules(app) if a and a not in permissions.BY_NAME})
    assert not unknown


def test_the_table_agrees_with_the_hand_written_matrix(app):
    by_path = {}
    for rule, action in _rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            by_path[(method, re.sub(r"<(?:string:)?(\w+)>", r"{\1}", rule.rule))] = action
    for name, method, path, _body, _if_match, expected, _other in matrix_rows():
        path = path.split("?")[0].replace("{victim}", "{username}").replace("{id}", "{listing_id}")
        action = by_path[(method, path)]
        allowed = {role for role, status in expected.items() if status < 400 or status == 404 and "{" in path}
        assert set(permissions.roles(action)) == allowed, (name, action)


def test_the_readme_shows_the_table_as_it_is():
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("<!-- permissions:", 1)[1].split("-->", 1)[1].split("<!-- /permissions -->", 1)[0]
    assert shown.strip() == permissions.matrix_markdown(), "run `lead permissions` and paste its table in README.md"


def test_scopes():
    provider = User("p", "provider", ["org-1"])
    admin = User("a", "admin")
    officer = User("o", "officer", program="hartford")
    assert permissions.covers_organization(provider, "listing.edit", "org-1")
    assert not permissions.covers_organization(provider, "listing.edit", "org-2")
    assert permissions.covers_organization(admin, "listing.edit", "org-2")
    assert not permissions.covers_organization(officer, "listing.edit", "org-1")
    assert permissions.scope(officer, "referral.follow") == permissions.OWN_PROGRAM
    assert permissions.bound_to_organizations("provider") and not permissions.bound_to_organizations("admin")
    assert permissions.in_a_program("officer") and not permissions.in_a_program("provider")
    with pytest.raises(permissions.UnknownAction):
        permissions.may(admin, "no.such.action")
