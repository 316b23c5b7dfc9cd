"""Every number, date and text a request carries is checked before the engine sees it: out of bounds is a
422 problem naming the field, never a 5xx. The requests the attack found first, then the other
unbounded inputs of the same kinds."""
from __future__ import annotations

import pytest

from tests.conftest import seeded_app

pytestmark = pytest.mark.es
WORDS = "+".join(f"word{i}" for i in range(470))


@pytest.fixture(scope="module")
def site(es, base_settings):
    with seeded_app(es, base_settings.with_(public_directory=True, public_rate_limit="100000 per minute"),
                    "bounds") as app:
        _, token = app.extensions["lead"].accounts.create("bounds-admin", "admin")
        yield app, {"Authorization": f"Bearer {token}"}


def refused(resp, field: str) -> None:
    assert resp.status_code in (400, 422), (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/problem+json"
    assert field in {e["field"] for e in resp.get_json().get("errors", [])}, resp.get_json()


@pytest.mark.parametrize("path, field", [
    ("/api/v1/services/seed-00001/capacity/history?before=83636443442", "before"),
    ("/api/v1/services/seed-00001/capacity/history?before=999999999999999999999", "before"),
    ("/hsds/service_at_locations?modified_after=0253-08-09T12:18:32%2B22:49", "modified_after"),
    ("/hsds/services?modified_after=2026-01-01T00:00:00%2B19:00", "modified_after"),
    ("/hsds/services?modified_after=0001-01-01T00:00:00%2B18:00", "modified_after"),
    (f"/hsds/services?search={WORDS}", "search"),
    (f"/hsds/organizations?search={WORDS}", "search"),
    (f"/hsds/service_at_locations?search={WORDS}", "search"),
    (f"/hsds/taxonomies?search={WORDS}", "search"),
    (f"/hsds/taxonomy_terms?search={WORDS}", "search"),
    ("/hsds/services?taxonomy_term_id=" + "t" * 600, "taxonomy_term_id"),
    ("/hsds/services?organization_id=" + "o" * 600, "organization_id"),
    ("/hsds/taxonomy_terms?parent_id=" + "p" * 600, "parent_id"),
    ("/hsds/taxonomy_terms?taxonomy_id=" + "p" * 600, "taxonomy_id"),
    ("/api/v1/referrals?group_id=" + "g" * 600, "group_id"),
    ("/api/v1/webhooks/deliveries?organization_id=" + "o" * 600, "organization_id"),
    ("/api/v1/audit?since=0001-01-01T00:00:00%2B18:00", "since"),
])
def test_out_of_bounds_inputs_are_named_4xx_never_5xx(site, path, field):
    app, admin = site
    c = app.test_client()
    refused(c.get(path, headers=admin), field)
    if path.startswith("/hsds/"):  # the public, anonymous read the attack used
        refused(c.get(path), field)


def test_inputs_within_bounds_still_answer(site):
    app, admin = site
    c = app.test_client()
    assert c.get("/api/v1/services/seed-00001/capacity/history?before=2147483647", headers=admin).status_code == 200
    assert c.get("/hsds/services?modified_after=2026-01-01T00:00:00%2B18:00").status_code == 200
    assert c.get("/hsds/services?search=" + "+".join(["detox"] * 30)).status_code == 200
    assert c.get("/hsds/organizations?search=shelter").status_code == 200
