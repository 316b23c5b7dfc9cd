"""Markup that arrives in a listing (from an import or a provider's edit) or in a referral's note is shown as
text on every page that shows it, never run."""
from __future__ import annotations

import csv
import re
import uuid

import pytest

from api.app import create_app
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es
PASSWORD = "a long enough password"
SCRIPT, IMAGE, SVG = '<script>alert("lead")</script>', '"><img src=x onerror=alert(1)>', "</p><svg onload=alert(1)>"


def hostile_sheet(path):
    with (ROOT / "seed_data" / "lead_hartford_new_haven_sample.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        row, header = next(reader), reader.fieldnames  # a Hartford shelter open overnight, walk-in
    row.update(listing_id="markup-1", organization_id="org-markup", organization_name=f"Markup Org {IMAGE}",
               service_id="svc-markup", service_name=f"Markup Shelter {SCRIPT}", location_id="loc-markup",
               location_name="Markup site", hours="24/7", walk_in="yes", capacity_available="5")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    return row


def signed_in(app, role, organizations=()):
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    app.extensions["lead"].accounts.create(name, role, organizations=list(organizations), password=PASSWORD)
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert c.post("/login", data={"csrf_token": csrf, "username": name, "password": PASSWORD}).status_code == 302
    return c


def bearer(app, role):
    _, token = app.extensions["lead"].accounts.create(f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}", role)
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def test_markup_in_listings_and_referrals_is_escaped_wherever_it_is_shown(es, settings, tmp_path):
    store = Store(es, settings)
    store.ensure_indices()
    try:
        row = hostile_sheet(tmp_path / "markup.csv")
        pipeline.run([f"provider:{tmp_path / 'markup.csv'}"], store, Geocoder(), samples=True)
        app = create_app(settings, es=es)
        admin, cm = bearer(app, "admin"), bearer(app, "case_manager")
        etag = admin.get("/api/v1/services/markup-1").headers["ETag"]
        assert admin.patch("/api/v1/services/markup-1", headers={"If-Match": etag}, json={
            "phones": [{"number": "(860) 555-0199", "description": SVG}]}).status_code == 200
        sent = cm.post("/api/v1/referrals", json={"listing_ids": ["markup-1"], "participant_ref": "CASE-MARKUP-1",
                                                  "needs": ["shelter"], "note": f"note {SVG}",
                                                  "consents": [{"organization_id": "org-markup"}]})
        assert sent.status_code == 201, sent.get_json()
        rid = sent.get_json()["referrals"][0]["id"]
        provider, officer = signed_in(app, "provider", ("org-markup",)), signed_in(app, "officer")
        lat, lon = row["latitude"], row["longitude"]
        pages = {"provider home": provider.get("/provider"), "edit": provider.get("/provider/listings/markup-1/edit"),
                 "inbox": provider.get("/provider/referrals"), "referral": provider.get(f"/referrals/{rid}"),
                 "nearby": officer.get(f"/nearby?need=shelter&lat={lat}&lon={lon}")}
        escaped = {"&lt;script&gt;", "&lt;img", "&lt;svg"}
        for name, page in pages.items():
            assert page.status_code == 200, name
            html = page.get_data(as_text=True)
            for payload in (SCRIPT, IMAGE, SVG, "<img src=x", "<svg onload"):
                assert payload not in html, (name, payload)
            assert any(e in html for e in escaped), f"{name}: the hostile text is not on the page at all"
    finally:
        store.drop_everything()
