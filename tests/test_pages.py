"""The pages people use, through Flask's test client against the real engine: sign-in for pages and the
API alike (CSRF on session writes), human pages for sign-out, lock-out and expiry, the case manager's
match, the officer's nearby page, provider updates with conflicts, suggested corrections and admin."""
from __future__ import annotations

import html
import logging
import re
import uuid

import pytest

from tests.conftest import seeded_app

pytestmark = pytest.mark.es

OWN, OTHER, OWN_ORG = "seed-00001", "seed-00013", "org-0001"
PASSWORD = "a long enough password"
DETOX = "substance_use.withdrawal_management"


@pytest.fixture(scope="module")
def site(es, base_settings):
    """One seeded directory for the module: these tests read far more than they write."""
    with seeded_app(es, base_settings, "pages") as app:
        yield app


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def sign_in(app, role: str, organizations: tuple[str, ...] = (), lang: str | None = None):
    """A new account of this role, signed in through the sign-in page: (client, csrf, username)."""
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    app.extensions["lead"].accounts.create(name, role, organizations=list(organizations), password=PASSWORD)
    c = app.test_client()
    if lang:
        c.get(f"/lang/{lang}")
    page = c.get("/login").get_data(as_text=True)
    resp = c.post("/login", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                                  "username": name, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    landing = c.get(resp.headers["Location"])
    assert landing.status_code == 200
    return c, csrf_of(landing.get_data(as_text=True)), name


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def hidden(resp) -> dict:
    """The form's hidden CSRF token, ETag and base values (read before unescaping: base is JSON)."""
    raw = resp.get_data(as_text=True)
    return {k: html.unescape(re.search(rf'name="{k}" value="([^"]*)"', raw).group(1))
            for k in ("csrf_token", "etag", "base")}


# ----- sign-in for pages and API alike --------------------------------------------------------------------
def test_a_signed_in_session_reaches_the_api_and_its_writes_need_the_csrf_header(site):
    c, csrf, name = sign_in(site, "provider", (OWN_ORG,))
    assert c.get("/api/v1/me").get_json()["username"] == name
    read = c.get(f"/api/v1/services/{OWN}")
    etag = read.headers["ETag"]
    body = {"available": 3, "maximum": 93}
    refused = c.put(f"/api/v1/services/{OWN}/capacity", json=body, headers={"If-Match": etag})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert "CSRF" in refused.get_json()["title"]
    forged = c.put(f"/api/v1/services/{OWN}/capacity", json=body, headers={"If-Match": etag, "X-CSRF-Token": "x"})
    assert forged.status_code == 403
    ok = c.put(f"/api/v1/services/{OWN}/capacity", json=body, headers={"If-Match": etag, "X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.get_json()["capacity"]["available"] == 3
    # Bearer tokens (programs) need no CSRF token, and an anonymous call is still a 401 problem.
    _, token = site.extensions["lead"].accounts.create(f"bot-{uuid.uuid4().hex[:6]}", "officer")
    anonymous = site.test_client()
    assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert anonymous.get("/api/v1/me").status_code == 401


def test_pages_send_people_to_sign_in_and_back(site):
    c = site.test_client()
    resp = c.get("/match")
    assert resp.status_code == 302 and "reason=signin" in resp.headers["Location"]
    assert "next=%2Fmatch" in resp.headers["Location"]
    page = c.get(resp.headers["Location"])
    assert "Sign in to continue." in text(page) and 'value="/match"' in text(page)
    site.extensions["lead"].accounts.create("back-again", "case_manager", password=PASSWORD)
    done = c.post("/login", data={"csrf_token": csrf_of(page.get_data(as_text=True)), "username": "back-again",
                                  "password": PASSWORD, "next": "/match"})
    assert done.headers["Location"] == "/match"
    evil = c.post("/login", data={"csrf_token": csrf_of(page.get_data(as_text=True)), "username": "back-again",
                                  "password": PASSWORD, "next": "//evil.example/"})
    assert evil.status_code in (302, 400) and "evil" not in evil.headers.get("Location", "")


def test_expiry_disabling_sign_out_and_lock_out_are_pages_a_person_understands(site):
    c, csrf, name = sign_in(site, "officer")
    with c.session_transaction() as s:
        s["since"] = 1  # signed in long ago
    resp = c.get("/nearby")
    assert resp.status_code == 302 and "reason=expired" in resp.headers["Location"]
    assert "Your session has expired" in text(c.get(resp.headers["Location"]))
    assert c.get("/api/v1/me").status_code == 401  # the API answers programs in JSON

    c, csrf, name = sign_in(site, "officer")
    site.extensions["lead"].accounts.set_disabled(name, True)
    resp = c.get("/nearby")
    assert "reason=disabled" in resp.headers["Location"]
    assert "This account has been disabled" in text(c.get(resp.headers["Location"]))

    c, csrf, name = sign_in(site, "officer")
    forged = c.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and c.get("/nearby").status_code == 200  # still signed in, and told so
    out = c.post("/logout", data={"csrf_token": csrf})
    assert "reason=signedout" in out.headers["Location"] and c.get("/nearby").status_code == 302

    stranger = site.test_client()
    stranger.get("/lang/es")
    for i in range(5):
        page = stranger.get("/login").get_data(as_text=True)
        wrong = stranger.post("/login", data={"csrf_token": csrf_of(page), "username": name, "password": f"nope {i}"})
        assert wrong.status_code == 401 and "Usuario o contraseña incorrectos" in text(wrong)
    page = stranger.get("/login").get_data(as_text=True)
    locked = stranger.post("/login", data={"csrf_token": csrf_of(page), "username": name, "password": PASSWORD})
    assert locked.status_code == 429 and locked.mimetype == "text/html"
    assert "Demasiados intentos fallidos desde este dispositivo. Inténtelo de nuevo en 15 minutos" in text(locked)


def test_a_role_sees_a_page_not_json_where_it_may_not_go(site):
    c, _, _ = sign_in(site, "officer")
    refused = c.get("/provider")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "This page is not for your account" in text(refused)
    missing = c.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert c.get("/api/v1/no/such").mimetype == "application/problem+json"


def test_every_page_says_its_language_and_switches(site):
    c, _, _ = sign_in(site, "officer")
    page = text(c.get("/nearby"))
    assert '<html lang="en">' in page and "Nearby now" in page and 'href="/lang/es?next=/nearby"' in page
    switched = c.get("/lang/es?next=/nearby")
    assert switched.headers["Location"] == "/nearby"
    page = text(c.get("/nearby?need=shelter&near=06106"))
    assert '<html lang="es">' in page and "Cerca de mí ahora" in page and "Refugio" in page
    assert "Atiende a" in page and "Cómo llegar" in page
    assert c.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"
    fresh = site.test_client()
    assert '<html lang="es">' in text(fresh.get("/login", headers={"Accept-Language": "es-US,es;q=0.9"}))


# ----- case manager -------------------------------------------------------------------------------------
PROFILE = {"needs": [DETOX], "near": "Frog Hollow", "age": "34", "gender": "male", "insurance": ["medicaid"],
           "moud": "methadone", "languages": ["es"], "urgency": "this_week", "max_miles": "10"}


def test_the_match_page_ranks_explains_maps_and_keeps_nothing(site, caplog):
    caplog.set_level(logging.DEBUG)
    c, csrf, _ = sign_in(site, "case_manager")
    form_page = c.get("/match")
    assert form_page.headers["Cache-Control"] == "no-store"
    # The form is built from the tables: every participant fact the table asks about has a control.
    from directory import eligibility
    for name, dim in eligibility.PROFILE_FIELDS.items():
        assert (f'name="{name}"' in text(form_page)) == bool(dim.question), name
    resp = c.post("/match", data={**PROFILE, "csrf_token": csrf})
    page = text(resp)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    cards = re.findall(r'<article class="result[^"]*" id="result-(\d+)"', page)
    assert cards and cards[0] == "1"
    assert "Why it matches" in page and "Check first" in page and "Accepts people on methadone" in page
    # every result has its number on the map (programs at one site share a marker: "2,3")
    on_map = [n for label in re.findall(r'class="num">([\d,]+)</text>', page) for n in label.split(",")]
    assert sorted(on_map, key=int) == sorted(cards, key=int) and '<svg class="map"' in page
    assert re.search(r'href="tel:\+1\d{10}"', page) and "maps/dir/?api=1&destination=" in page
    summary = re.search(r'<textarea id="summary-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    # The seed's programs are samples: the text says so above each one, before its name.
    assert summary.startswith("Times are Eastern Time (Connecticut).\n\nSAMPLE LISTING, NOT A REAL PROGRAM\n1. ")
    assert "Phone: (860) 555-01" in summary and "Hours:" in summary and summary.count("SAMPLE LISTING") == len(cards)
    # Refining keeps the form.
    assert 'value="Frog Hollow"' in page and f'value="{DETOX}" checked' in page and 'value="34"' in page
    assert 'value="medicaid" checked' in page
    # Nothing about the participant is kept: not in the session, not in a log.
    with c.session_transaction() as s:
        assert set(s) <= {"user", "sid", "since", "csrf", "lang", "_permanent"}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Frog Hollow" not in logged and "medicaid" not in logged
    # The same results in Spanish, switching from the results page keeps the profile.
    es = text(c.post("/match", data={**PROFILE, "csrf_token": csrf, "set_lang": "es"}))
    assert '<html lang="es">' in es and "Por qué coincide" in es and "Acepta a personas en tratamiento con metadona" in es
    assert "Horario: " in es and 'value="Frog Hollow"' in es


def test_the_match_page_says_what_to_fix_in_the_form(site):
    c, csrf, _ = sign_in(site, "case_manager")
    resp = c.post("/match", data={"csrf_token": csrf, "near": "06106"})
    assert resp.status_code == 422 and "Choose at least one need." in text(resp) and 'value="06106"' in text(resp)
    resp = c.post("/match", data={"csrf_token": csrf, "needs": [DETOX], "near": "Beverly Hills 90210"})
    assert resp.status_code == 422 and "street corner in Connecticut" in text(resp)
    expired = c.post("/match", data={"needs": [DETOX], "near": "06106"})
    assert expired.status_code == 400 and "This form has expired" in text(expired)


# ----- officer ------------------------------------------------------------------------------------------
def test_nearby_now_answers_in_one_request_with_call_and_directions(site):
    c, _, _ = sign_in(site, "officer")
    page = c.get("/nearby")
    for need in ("detox", "shelter", "crisis", "harm_reduction", "naloxone", "food"):
        assert f'name="need" value="{need}"' in text(page)
    resp = c.get("/nearby?need=detox&lat=41.7637&lon=-72.6851")
    out = text(resp)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert len(re.findall(r'<article class="result[ "]', out)) >= 3 and "tel:+1" in out and "Directions" in out
    assert "Serves" in out and 'aria-pressed="true"' in out
    nothing = c.get("/nearby?need=detox")
    assert nothing.status_code == 422 and "use your location" in text(nothing)
    nowhere = c.get("/nearby?need=detox&near=Springfield%2C%20MA")
    assert nowhere.status_code == 422 and "not found in Connecticut" in text(nowhere)


# ----- provider -----------------------------------------------------------------------------------------
def _capacity_form(page: str, listing_id: str) -> dict:
    block = page.split(f'id="listing-{listing_id}"', 1)[1]
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', block).group(1),
            "etag": re.search(r'name="etag" value="([^"]+)"', block).group(1)}


def test_a_provider_updates_beds_in_one_save_and_search_shows_it_at_once(site):
    c, _, name = sign_in(site, "provider", (OWN_ORG,))
    page = text(c.get("/provider"))
    ids = set(re.findall(r'id="listing-([^"]+)"', page))
    assert OWN in ids and OTHER not in ids
    form = _capacity_form(page, OWN)
    saved = c.post(f"/provider/listings/{OWN}/capacity", data={**form, "available": "11", "maximum": "93",
                                                                "accepting": "yes", "action": "save"})
    assert saved.status_code == 200 and "Saved. Search shows the new figures within a second." in text(saved)
    officer, _, _ = sign_in(site, "officer")
    listing = officer.get(f"/api/v1/services/{OWN}").get_json()
    assert listing["capacity"]["available"] == 11 and listing["capacity"]["updated_by"] == name
    # The form read before that save is stale: the provider sees what it says now and can retry.
    stale = c.post(f"/provider/listings/{OWN}/capacity", data={**form, "available": "4", "action": "save"})
    assert stale.status_code == 409 and "Someone else updated this listing" in text(stale)
    assert "11 beds open" in text(stale) and 'value="4"' in text(stale)
    retry = _capacity_form(text(stale), OWN)
    assert c.post(f"/provider/listings/{OWN}/capacity", data={**retry, "available": "4", "action": "save"}
                  ).status_code == 200
    confirm = _capacity_form(text(c.get("/provider")), OWN)
    done = c.post(f"/provider/listings/{OWN}/capacity", data={**confirm, "available": "4", "action": "confirm"})
    assert "still accurate" in text(done)
    kinds = [h["kind"] for h in c.get(f"/api/v1/services/{OWN}/capacity/history").get_json()["history"]]
    assert kinds[:2] == ["confirm", "update"]


def test_a_provider_edits_a_listing_and_a_conflict_shows_what_changed(site):
    c, csrf, _ = sign_in(site, "provider", (OWN_ORG,))
    opened = hidden(c.get(f"/provider/listings/{OWN}/edit"))
    fields = {"hours": "Mo-Su 19:00-07:00", "phone_0": "(860) 555-0100", "languages": ["en", "es", "pt"],
              "walk_in": "yes"}
    # Someone else changes the hours first, through the API.
    admin, admin_csrf, _ = sign_in(site, "admin")
    etag = admin.get(f"/api/v1/services/{OWN}").headers["ETag"]
    assert admin.patch(f"/api/v1/services/{OWN}", json={"hours": "24/7"},
                       headers={"If-Match": etag, "X-CSRF-Token": admin_csrf}).status_code == 200
    conflict = c.post(f"/provider/listings/{OWN}/edit", data={**opened, **fields})
    page = text(conflict)
    assert conflict.status_code == 409 and "Someone else changed this listing" in page
    row = re.search(r"<tr><th scope=\"row\">Hours</th><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert row and row.groups() == ("Mo-Su 19:00-07:00", "24/7")
    assert 'value="pt" checked' in page  # this person's change is kept to retry...
    assert 'name="hours" value="24/7"' in page  # ...over the listing as it is now, never the old hours
    assert re.search(r'<th scope="row">Languages</th><td>English, Spanish</td><td>English, Spanish, Portuguese</td>', page)
    retry = hidden(conflict)
    saved = c.post(f"/provider/listings/{OWN}/edit", data={**retry, **{**fields, "hours": "24/7"}})
    assert saved.status_code == 302
    listing = c.get(f"/api/v1/services/{OWN}").get_json()
    assert listing["languages"] == ["en", "es", "pt"] and listing["access"]["walk_in"] is True
    assert c.get(f"/provider/listings/{OTHER}/edit").status_code == 403
    bad = c.post(f"/provider/listings/{OWN}/edit", data={**hidden(c.get(f"/provider/listings/{OWN}/edit")),
                                                        **fields, "hours": "whenever"})
    assert bad.status_code == 422 and "Write the hours like the example" in text(bad)
    ages = c.post(f"/provider/listings/{OWN}/edit", data={**hidden(c.get(f"/provider/listings/{OWN}/edit")),
                                                         **fields, "hours": "24/7", "min_age": "30", "max_age": "20"})
    assert ages.status_code == 422 and "the youngest no older than the oldest" in text(ages), text(ages)[-3000:]
    form = _capacity_form(text(c.get("/provider")), OWN)
    over = c.post(f"/provider/listings/{OWN}/capacity", data={**form, "available": "9", "maximum": "3",
                                                               "action": "save"})
    assert over.status_code == 422 and "cannot be more than the total" in text(over)


# ----- suggested corrections and admin ------------------------------------------------------------------
def test_a_suggested_correction_is_accepted_by_an_admin_and_goes_live(site):
    c, _, name = sign_in(site, "provider", (OWN_ORG,))
    assert re.search(r'href="/suggest/seed-\d+"', text(c.get("/suggest?q=shelter")))  # any organisation's listings
    opened = c.get(f"/suggest/{OTHER}")
    form_page = text(opened)
    base_phone = re.search(r'name="phone_0" type="tel" value="([^"]*)"', form_page).group(1)
    sent = c.post(f"/suggest/{OTHER}", data={**hidden(opened), "phone_0": "(860) 555-0199", "note": "The number moved",
                                              "languages": ["en"], **_unchanged(form_page)})
    assert sent.status_code == 200 and "Your suggestion was sent" in text(sent)
    admin, admin_csrf, admin_name = sign_in(site, "admin")
    review = text(admin.get("/admin/suggestions"))
    assert "The number moved" in review and base_phone in review and "(860) 555-0199" in review
    suggestion_id = re.search(r'name="id" value="([^"]+)"', review).group(1)
    accepted = admin.post("/admin/suggestions", data={"csrf_token": admin_csrf, "id": suggestion_id,
                                                      "action": "accept"})
    assert "Accepted" in text(accepted)
    listing = admin.get(f"/api/v1/services/{OTHER}").get_json()
    assert listing["phones"][0]["number"] == "(860) 555-0199"
    again = admin.post(f"/api/v1/suggestions/{suggestion_id}/accept", headers={"X-CSRF-Token": admin_csrf})
    assert again.status_code == 409
    events = admin.get(f"/api/v1/audit?listing_id={OTHER}").get_json()["events"]
    assert {"suggestion.accept", "edit"} <= {e["action"] for e in events}
    assert any(e["action"] == "edit" and e["actor"] == admin_name for e in events)


def _unchanged(form_page: str) -> dict:
    """The suggestion form's other fields as they were (radios and ticked boxes), so only what is typed changes."""
    data: dict = {}
    for name, value in re.findall(r'<input type="(?:radio|checkbox)" name="([^"]+)" value="([^"]*)" checked', form_page):
        if name != "languages":
            data.setdefault(name, []).append(value)
    data["hours"] = re.search(r'name="hours" value="([^"]*)"', form_page).group(1)
    for field in ("min_age", "max_age", "service_area_towns"):
        found = re.search(rf'name="{field}"[^>]* value="([^"]*)"', form_page)
        data[field] = found.group(1) if found else ""
    return data


def test_admin_pages_accounts_ingest_runs_and_audit(site):
    admin, csrf, _ = sign_in(site, "admin")
    created = admin.post("/admin/accounts", data={"csrf_token": csrf, "action": "create", "username": "new-officer",
                                                  "role": "officer"})
    page = text(created)
    assert created.headers["Cache-Control"] == "no-store" and "shown only this once" in page
    token = re.search(r'<input id="token" value="([^"]+)"', page).group(1)
    assert site.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    bad = admin.post("/admin/accounts", data={"csrf_token": csrf, "action": "create", "username": "p-nowhere",
                                              "role": "provider", "organizations": "org-none"})
    assert bad.status_code == 422 and "org-none" in text(bad)
    admin.post("/admin/accounts", data={"csrf_token": csrf, "action": "disable", "username": "new-officer"})
    assert site.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    runs = text(admin.get("/admin/ingest"))
    assert "seed:" in runs and re.search(r"<dt>Indexed</dt><dd>2\d\d</dd>", runs)
    audit = text(admin.get("/admin/audit?action=account.disable"))
    assert "new-officer" in audit and "account.create" not in audit.split("<tbody>")[1]
    assert "Organisations" in text(admin.get("/admin/organizations")) and "org-0001" in text(admin.get("/admin/organizations"))
