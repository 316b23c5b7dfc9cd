"""Accounts, the authorization matrix, provider updates with If-Match, capacity history, the bed board,
the audit trail and security basics, against the real engine."""
import logging
import re
import threading

import pytest

from api.app import create_app
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es

OWN, OTHER = "seed-00001", "seed-00013"  # org-0001 (the provider's) and another organisation, both with beds
OWN_ORG = "org-0001"


@pytest.fixture
def seeded(store):
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    other_doc, _ = store.get(OTHER)
    assert other_doc["organization"]["id"] != OWN_ORG and other_doc["capacity"]
    return store


@pytest.fixture
def as_role(client_as, anonymous):
    def pick(who: str):
        if who == "anonymous":
            return anonymous
        if who == "provider":
            return client_as("provider", (OWN_ORG,))
        return client_as(who)
    return pick


def etag(client, listing_id):
    resp = client.get(f"/api/v1/services/{listing_id}")
    assert resp.status_code == 200, resp.get_json()
    return resp.headers["ETag"]


# ----- the matrix ---------------------------------------------------------------------------------------
ROLES = ("admin", "case_manager", "officer", "provider", "anonymous")
MATCH = {"location": {"zip": "06106"}, "needs": ["detox"]}
REFERRAL = {"listing_ids": [OWN], "participant_ref": "case-{n}", "needs": ["shelter"],
            "consents": [{"organization_id": OWN_ORG}]}
DIVERSION = {"client_key": "key-{n}-divert", "type": "social_contact", "participant_ref": "hpd-{n}", "program": "hartford",
             "consent_to_contact": False}


def matrix_rows():
    """(name, method, path-template, body, needs If-Match, expected by role; 'other' = provider, other org)."""
    a, cm, of, pr = "admin", "case_manager", "officer", "provider"
    everyone = {a: 200, cm: 200, of: 200, pr: 200}
    return [
        ("browse", "GET", "/api/v1/services", None, False, everyone, None),
        ("browse by body", "POST", "/api/v1/services/search", {"q": "shelter"}, False, everyone, None),
        ("listing", "GET", "/api/v1/services/{id}", None, False, everyone, 403),
        ("edit", "PATCH", "/api/v1/services/{id}", {"languages": ["en", "es"]}, True,
         {a: 200, cm: 403, of: 403, pr: 200}, 403),
        ("capacity", "PUT", "/api/v1/services/{id}/capacity", {"available": 4, "maximum": 93}, True,
         {a: 200, cm: 403, of: 403, pr: 200}, 403),
        ("confirm", "POST", "/api/v1/services/{id}/capacity/confirm", None, False,
         {a: 200, cm: 403, of: 403, pr: 200}, 403),
        ("history", "GET", "/api/v1/services/{id}/capacity/history", None, False,
         {a: 200, cm: 200, of: 403, pr: 200}, 404),
        ("match", "POST", "/api/v1/match", MATCH, False, {a: 200, cm: 200, of: 200, pr: 403}, None),
        ("nearby", "GET", "/api/v1/nearby?lat=41.76&lon=-72.68&need=detox", None, False,
         {a: 200, cm: 200, of: 200, pr: 403}, None),
        ("nearby by body", "POST", "/api/v1/nearby", {"lat": 41.76, "lon": -72.68, "need": "detox"}, False,
         {a: 200, cm: 200, of: 200, pr: 403}, None),
        ("taxonomy", "GET", "/api/v1/taxonomy", None, False, everyone, None),
        ("bed board", "GET", "/api/v1/capacity", None, False, {a: 200, cm: 200, of: 200, pr: 403}, None),
        ("audit", "GET", "/api/v1/audit", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("me", "GET", "/api/v1/me", None, False, everyone, None),
        ("organizations", "GET", "/api/v1/organizations", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("users", "GET", "/api/v1/users", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("create user", "POST", "/api/v1/users", {"username": "new-{n}", "role": "officer"}, False,
         {a: 201, cm: 403, of: 403, pr: 403}, None),
        ("disable user", "POST", "/api/v1/users/{victim}/disable", None, False,
         {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("enable user", "POST", "/api/v1/users/{victim}/enable", None, False,
         {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("reset token", "POST", "/api/v1/users/{victim}/token", None, False,
         {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("suggest", "POST", "/api/v1/services/{id}/suggestions", {"changes": {"languages": ["en", "pt"]}}, False,
         {a: 201, cm: 201, of: 403, pr: 201}, 201),
        ("suggestions", "GET", "/api/v1/suggestions", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("accept", "POST", "/api/v1/suggestions/{suggestion_id}/accept", None, False,
         {a: 404, cm: 403, of: 403, pr: 403}, None),
        ("reject", "POST", "/api/v1/suggestions/{suggestion_id}/reject", None, False,
         {a: 404, cm: 403, of: 403, pr: 403}, None),
        ("send referral", "POST", "/api/v1/referrals", REFERRAL, False, {a: 201, cm: 201, of: 201, pr: 403}, None),
        ("referrals", "GET", "/api/v1/referrals", None, False, everyone, None),
        ("search referrals", "POST", "/api/v1/referrals/search", {"status": ["sent"]}, False, everyone, None),
        ("referral", "GET", "/api/v1/referrals/{referral_id}", None, False, {a: 404, cm: 404, of: 404, pr: 404}, None),
        ("referral status", "POST", "/api/v1/referrals/{referral_id}/status", {"status": "withdrawn"}, False,
         {a: 404, cm: 404, of: 404, pr: 404}, None),
        ("referral outcomes", "GET", "/api/v1/services/{id}/referral-outcomes", None, False,
         {a: 200, cm: 200, of: 403, pr: 403}, None),
        ("set webhook", "PUT", "/api/v1/organizations/{organization_id}/webhook", {"url": "https://receiver.invalid/hook"},
         False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("remove webhook", "DELETE", "/api/v1/organizations/{organization_id}/webhook", None, False,
         {a: 404, cm: 403, of: 403, pr: 403}, None),
        ("webhooks", "GET", "/api/v1/webhooks", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("deliveries", "GET", "/api/v1/webhooks/deliveries", None, False, {a: 200, cm: 403, of: 403, pr: 403}, None),
        ("divert", "POST", "/api/v1/diversions", DIVERSION, False, {a: 201, cm: 403, of: 201, pr: 403}, None),
        ("diversions", "GET", "/api/v1/diversions", None, False, {a: 200, cm: 200, of: 200, pr: 403}, None),
        ("escalations", "GET", "/api/v1/diversions/escalations", None, False, {a: 200, cm: 403, of: 403, pr: 403},
         None),
        ("diversion", "GET", "/api/v1/diversions/{diversion_id}", None, False, {a: 404, cm: 404, of: 404, pr: 403},
         None),
        ("diversion status", "POST", "/api/v1/diversions/{diversion_id}/status", {"status": "acknowledged"}, False,
         {a: 404, cm: 404, of: 404, pr: 403}, None),
        ("diversion consent", "POST", "/api/v1/diversions/{diversion_id}/consent", {"withdraw": True}, False,
         {a: 404, cm: 404, of: 403, pr: 403}, None),
        ("referral consent", "POST", "/api/v1/referrals/{referral_id}/consent", {"withdraw": True}, False,
         {a: 404, cm: 404, of: 403, pr: 403}, None),
        ("answer link", "POST", "/api/v1/referrals/{referral_id}/answer-link", None, False,
         {a: 404, cm: 404, of: 404, pr: 403}, None),
        ("program report", "GET", "/api/v1/reports/program?from=2026-11-01&to=2026-11-30", None, False,
         {a: 200, cm: 403, of: 403, pr: 403}, None),
    ]


def test_the_matrix_covers_every_endpoint(app):
    # Every JSON API endpoint; the pages have their own tests (tests/test_pages.py, tests/browser/) and the
    # HSDS read API (/hsds/) its own matrix, public and not, in test_hsds_api.
    public = {"/api/openapi.json"}
    routes = {(m, re.sub(r"<(?:string:)?(\w+)>", r"{\1}", r.rule)) for r in app.url_map.iter_rules()
              for m in r.methods - {"HEAD", "OPTIONS"} if r.rule.startswith("/api/") and r.rule not in public}
    covered = {(m, p.split("?")[0].replace("{victim}", "{username}").replace("{id}", "{listing_id}"))
               for _, m, p, *_ in matrix_rows()}
    assert routes == covered


@pytest.mark.parametrize("row", matrix_rows(), ids=lambda r: r[0])
def test_authorization_matrix(row, seeded, as_role, accounts):
    name, method, template, body, if_match, expected, other_org = row
    admin = as_role("admin")
    cases = [(role, OWN) for role in ROLES] + ([("provider", OTHER)] if other_org else [])
    for n, (role, listing) in enumerate(cases):
        victim, _ = accounts.create(f"victim-{n}-{role.replace('_', '-')}", "officer")
        path = template.format(id=listing, victim=victim.username, n=n, suggestion_id="no-such-suggestion",
                               referral_id="no-such-referral", organization_id=OWN_ORG, diversion_id="no-such-diversion")
        payload = {k: (v.format(n=f"{n}-{role.replace('_', '-')}") if isinstance(v, str) else v)
                   for k, v in (body or {}).items()} if body else None
        headers = {"If-Match": etag(admin, listing)} if if_match else {}
        resp = as_role(role).open(path, method=method, json=payload, headers=headers)
        if role == "anonymous":
            want = 401
        elif listing == OTHER:
            want = other_org
        else:
            want = expected[role]
        assert resp.status_code == want, (name, role, listing, resp.get_json())
        if want >= 400:
            assert resp.mimetype == "application/problem+json"
        if want == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")


# ----- provider updates ------------------------------------------------------------------------------------
def test_a_stale_write_gets_412_and_changes_nothing(seeded, as_role):
    provider = as_role("provider")
    first = etag(provider, OWN)
    ok = provider.patch(f"/api/v1/services/{OWN}", json={"description": "Beds for men 18+"}, headers={"If-Match": first})
    assert ok.status_code == 200 and ok.headers["ETag"] != first
    stale = provider.patch(f"/api/v1/services/{OWN}", json={"description": "Overwritten?"}, headers={"If-Match": first})
    assert stale.status_code == 412 and stale.headers["ETag"] == ok.headers["ETag"]
    assert provider.get(f"/api/v1/services/{OWN}").get_json()["description"] == "Beds for men 18+"
    missing = provider.patch(f"/api/v1/services/{OWN}", json={"description": "x"})
    assert missing.status_code == 428


def test_bad_edits_are_named_and_change_nothing(seeded, as_role):
    provider = as_role("provider")
    tag = etag(provider, OWN)
    for body, field in (({"hours": "Mo 25:00-26:00"}, "hours"), ({"insurance": ["gold"]}, "insurance[0]"),
                        ({"favourite_colour": "blue"}, "favourite_colour"), ({}, "body"),
                        ({"min_age": 60, "max_age": 20}, "service.minimum_age")):
        resp = provider.patch(f"/api/v1/services/{OWN}", json=body, headers={"If-Match": tag})
        assert resp.status_code == 422, body
        assert field in [e["field"] for e in resp.get_json()["errors"]], resp.get_json()
    assert etag(provider, OWN) == tag


def test_an_edit_is_read_back_at_once_and_searchable_after_the_next_refresh(seeded, as_role, store):
    provider, officer = as_role("provider"), as_role("officer")
    tag = etag(provider, OWN)
    resp = provider.patch(f"/api/v1/services/{OWN}", json={"status": "temporarily_closed"}, headers={"If-Match": tag})
    assert resp.status_code == 200
    # The writer's next read (by id, real-time) is the write, with the ETag the write answered.
    again = provider.get(f"/api/v1/services/{OWN}")
    assert again.get_json()["status"] == "temporarily_closed" and again.headers["ETag"] == resp.headers["ETag"]
    # Search sees it after the index's next refresh (every second: the live index's refresh interval).
    live = store.listings.live_index()
    interval = store.es.indices.get_settings(index=live, name="index.refresh_interval")[live]["settings"]
    assert interval["index"]["refresh_interval"] == "1s"
    store.refresh()
    found = officer.get("/api/v1/services?q=shelter&page_size=50").get_json()
    assert OWN not in [r["listing_id"] for r in found["results"]]
    tag = resp.headers["ETag"]
    provider.patch(f"/api/v1/services/{OWN}", json={"status": "active", "languages": ["en", "es", "pt"]},
                   headers={"If-Match": tag})
    store.refresh()
    out = officer.post("/api/v1/match", json={"location": {"zip": "06120"}, "needs": ["shelter"],
                                              "languages": ["pt"], "limit": 50}).get_json()
    mine = next(r for r in out["results"] if r["listing_id"] == OWN)
    assert "pt" in mine["languages"]


def test_capacity_in_one_call_history_and_confirmation(seeded, as_role, store):
    provider, cm = as_role("provider"), as_role("case_manager")
    resp = provider.put(f"/api/v1/services/{OWN}/capacity", headers={"If-Match": etag(provider, OWN)},
                        json={"available": 7, "maximum": 93, "waitlist": 0, "accepting_new_clients": True})
    assert resp.status_code == 200
    cap = resp.get_json()["capacity"]
    assert cap["available"] == 7 and cap["status"] == "available" and cap["updated_by"] == provider.username
    confirmed = provider.post(f"/api/v1/services/{OWN}/capacity/confirm").get_json()["capacity"]
    assert confirmed["available"] == 7 and confirmed["updated_at"] >= cap["updated_at"]
    history = cm.get(f"/api/v1/services/{OWN}/capacity/history").get_json()
    assert [h["kind"] for h in history["history"]] == ["confirm", "update"]
    assert history["history"][1]["new"]["available"] == 7 and history["history"][1]["old"]["available"] == 22
    assert history["last_confirmed_by"] == provider.username
    store.refresh()
    match = cm.post("/api/v1/match", json={"location": {"zip": "06120"}, "needs": ["shelter"], "limit": 50}).get_json()
    mine = next(r for r in match["results"] if r["listing_id"] == OWN)
    assert mine["capacity"]["fresh"] and mine["capacity"]["available"] == 7


def test_capacity_older_than_the_window_is_shown_unconfirmed(seeded, as_role, es, settings, accounts):
    provider = as_role("provider")
    provider.put(f"/api/v1/services/{OWN}/capacity", headers={"If-Match": etag(provider, OWN)},
                 json={"available": 5, "maximum": 93})
    seeded.refresh()
    strict = create_app(settings.with_(capacity_fresh_hours=0.0), es=es)
    c = strict.test_client()
    _, token = accounts.create("strict-cm", "case_manager")
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    out = c.post("/api/v1/match", json={"location": {"zip": "06120"}, "needs": ["shelter"], "limit": 50}).get_json()
    mine = next(r for r in out["results"] if r["listing_id"] == OWN)
    assert mine["capacity"]["status"] == "unknown" and not mine["capacity"]["fresh"]
    assert any("treat as unknown" in c for c in mine["cautions"])


def test_twenty_concurrent_capacity_writers_on_one_listing(seeded, as_role):
    provider, admin = as_role("provider"), as_role("admin")
    start = etag(provider, OWN)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def one_shot(n: int) -> None:
        resp = provider.put(f"/api/v1/services/{OWN}/capacity", json={"available": n, "maximum": 93},
                            headers={"If-Match": start})
        with lock:
            results.append((n, resp.status_code))

    threads = [threading.Thread(target=one_shot, args=(n,)) for n in range(1, 21)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    accepted = [n for n, status in results if status == 200]
    assert len(accepted) == 1 and sorted(s for _, s in results) == [200] + [412] * 19

    # Now every writer retries until accepted: all 20 land, in some order, none lost.
    accepted_order: list[int] = []

    def until_accepted(n: int) -> None:
        for _ in range(200):
            tag = etag(provider, OWN)
            resp = provider.put(f"/api/v1/services/{OWN}/capacity", json={"available": n, "maximum": 93},
                                headers={"If-Match": tag})
            if resp.status_code == 200:
                with lock:
                    accepted_order.append(n)
                return
            assert resp.status_code == 412
        raise AssertionError("writer never got through")

    threads = [threading.Thread(target=until_accepted, args=(n,)) for n in range(21, 41)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(accepted_order) == list(range(21, 41))
    history = admin.get(f"/api/v1/services/{OWN}/capacity/history").get_json()["history"]
    updates = [h["new"]["available"] for h in history if h["kind"] == "update"]
    assert sorted(updates) == sorted(accepted + accepted_order)  # every accepted write, exactly once
    final = admin.get(f"/api/v1/services/{OWN}").get_json()["capacity"]["available"]
    assert final == updates[0]  # the newest history entry is what the listing shows


def test_provider_edits_through_the_api_survive_a_rebuild(seeded, as_role):
    provider = as_role("provider")
    edit = {"hours": "24/7", "phones": [{"number": "(860) 555-0177"}], "languages": ["en", "es"],
            "description": "Low-barrier shelter", "eligibility_description": "Adults", "status": "active",
            "min_age": 18, "max_age": 64, "walk_in": True, "appointment_required": False, "genders": ["male"],
            "insurance": ["uninsured"], "moud_accepted": ["methadone", "buprenorphine"], "sobriety_required": False,
            "offence_exclusions": [], "veterans_only": False, "service_area_towns": ["Hartford"], "id_required": False}
    assert provider.patch(f"/api/v1/services/{OWN}", json=edit, headers={"If-Match": etag(provider, OWN)}).status_code == 200
    assert provider.put(f"/api/v1/services/{OWN}/capacity", json={"available": 9, "maximum": 93},
                        headers={"If-Match": etag(provider, OWN)}).status_code == 200
    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}"], seeded, Geocoder())
    assert report.edits_reapplied == 1
    after = provider.get(f"/api/v1/services/{OWN}").get_json()
    assert after["hours"]["always_open"] and after["phones"][0]["number"] == "(860) 555-0177"
    assert after["languages"] == ["en", "es"] and after["description"] == "Low-barrier shelter"
    assert (after["eligibility"]["min_age"], after["eligibility"]["max_age"]) == (18, 64)
    assert after["access"] == {"walk_in": True, "appointment_required": False}
    e = after["eligibility"]
    assert (e["genders"], e["insurance"], e["moud_accepted"]) == (["male"], ["uninsured"], ["methadone", "buprenorphine"])
    assert e["sobriety_required"] is False and e["offence_exclusions"] == []
    assert e["veterans_only"] is False and e["service_area_towns"] == ["Hartford"] and e["id_required"] is False
    assert after["service"]["eligibility_description"] == "Adults"
    assert after["capacity"]["available"] == 9
    assert set(after["edited_fields"]) >= {"hours_text", "capacity", "eligibility.genders"}


# ----- bed board, audit ------------------------------------------------------------------------------------
def test_bed_board_groups_and_freshness(seeded, as_role):
    board = as_role("officer").get("/api/v1/capacity").get_json()
    groups = {g["group"]: g for g in board["groups"]}
    assert set(groups) == {"withdrawal_management", "residential_treatment", "recovery_houses", "sober_houses",
                           "walk_in", "shelter"}
    hartford = next(t for t in groups["shelter"]["towns"] if t["town"] == "Hartford")
    assert hartford["programs"] == hartford["programs_confirmed"] + hartford["programs_unconfirmed"] + \
        hartford["programs_no_capacity_reported"]
    assert groups["withdrawal_management"]["available"] > 0


def test_audit_trail_of_edits_capacity_ingest_and_accounts(seeded, as_role):
    provider, admin = as_role("provider"), as_role("admin")
    provider.patch(f"/api/v1/services/{OWN}", json={"languages": ["en"]}, headers={"If-Match": etag(provider, OWN)})
    provider.put(f"/api/v1/services/{OWN}/capacity", json={"available": 3}, headers={"If-Match": etag(provider, OWN)})
    admin.post("/api/v1/users", json={"username": "audited-officer", "role": "officer"})
    events = admin.get("/api/v1/audit?size=500").get_json()["events"]
    actions = {e["action"] for e in events}
    assert {"edit", "ingest", "account.create"} <= actions
    lang = next(e for e in events if e["action"] == "edit" and e["field"] == "languages")
    assert lang["actor"] == provider.username and lang["new"] == ["en"] and lang["old"] == ["en", "es"]
    assert lang["metadata"] == {"resource_id": OWN, "resource_type": "service_at_location",
                                "last_action_date": lang["at"], "last_action_type": "edit", "field_name": "languages",
                                "previous_value": ["en", "es"], "replacement_value": ["en"],
                                "updated_by": provider.username}
    assert any(e["field"] == "capacity" and e["new"]["available"] == 3 for e in events)
    only = admin.get(f"/api/v1/audit?listing_id={OWN}").get_json()["events"]
    assert only and all(e["listing_id"] == OWN for e in only)


# ----- accounts and security -----------------------------------------------------------------------------
def test_secrets_are_stored_only_as_hashes(accounts, es):
    user, token = accounts.create("hash-check", "officer", password="correct horse battery")
    raw = es.get(index=accounts.index, id="hash-check")["_source"]
    text = str(raw)
    assert token.split(".")[-1] not in text and "correct horse battery" not in text
    assert raw["password_hash"].startswith("scrypt:")


def test_a_disabled_account_loses_access_at_once(seeded, as_role, client_as):
    admin, officer = as_role("admin"), client_as("officer")
    assert officer.get("/api/v1/me").status_code == 200
    admin.post(f"/api/v1/users/{officer.username}/disable")
    refused = officer.get("/api/v1/me")
    assert refused.status_code == 403 and "disabled" in refused.get_json()["detail"]
    enabled = admin.post(f"/api/v1/users/{officer.username}/enable")
    assert enabled.status_code == 200 and enabled.get_json()["disabled"] is False
    assert officer.get("/api/v1/me").status_code == 200
    assert admin.post("/api/v1/users/nobody-by-that-name/enable").status_code == 404


def test_a_reset_token_revokes_the_old_one(seeded, as_role, client_as, app):
    admin, officer = as_role("admin"), client_as("officer")
    new = admin.post(f"/api/v1/users/{officer.username}/token").get_json()["token"]
    assert officer.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def _login(c, username, password):
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return c.post("/login", data={"csrf_token": csrf, "username": username, "password": password})


def test_web_sign_in_csrf_cookie_flags_and_throttling(app, accounts):
    accounts.create("web-user", "case_manager", password="a long enough password")
    c = app.test_client()
    assert c.post("/login", data={"username": "web-user", "password": "a long enough password"}).status_code == 400
    ok = _login(c, "web-user", "a long enough password")
    assert ok.status_code == 302
    cookie = ok.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "web-user" in c.get("/").get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    statuses = [_login(other, "web-user", f"wrong password {i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = _login(other, "web-user", "a long enough password")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_nobody_can_lock_someone_else_out_and_unknown_names_answer_alike(app, accounts, es):
    accounts.create("real-user", "officer", password="the real password, long")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    known = [_login(attacker, "real-user", f"guess {i}") for i in range(6)]
    unknown = [_login(attacker, "no-such-user", f"guess {i}") for i in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    assert known[0].get_data(as_text=True) == unknown[0].get_data(as_text=True).replace("no-such-user", "real-user")
    owner = app.test_client()  # the account's owner, on another device, is not locked out
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert _login(owner, "real-user", "the real password, long").status_code == 302
    assert accounts.get("real-user").disabled is False


def test_sign_out_and_disabling_end_sessions_even_for_a_copied_cookie(app, accounts):
    accounts.create("cookie-user", "case_manager", password="a long enough password")
    c = app.test_client()
    assert _login(c, "cookie-user", "a long enough password").status_code == 302
    copied = c.get_cookie("lead_session").value
    thief = app.test_client()
    thief.set_cookie("lead_session", copied)
    assert thief.get("/api/v1/me").status_code == 200
    page = c.get("/match").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post("/logout", data={"csrf_token": csrf})
    assert thief.get("/api/v1/me").status_code == 401  # the copy no longer works
    second = app.test_client()
    assert _login(second, "cookie-user", "a long enough password").status_code == 302
    accounts.set_disabled("cookie-user", True)
    accounts.set_disabled("cookie-user", False)
    assert second.get("/api/v1/me").status_code == 401  # disabling ended every session, for good


def test_security_headers_and_no_internals_in_errors(anonymous, app, monkeypatch):
    resp = anonymous.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"

    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    app.view_functions["health.healthz"] = boom
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 500 and resp.mimetype == "application/problem+json"
    assert "secret internal" not in resp.get_data(as_text=True) and "Traceback" not in resp.get_data(as_text=True)


def test_logs_hold_no_secrets_and_no_participant_data(seeded, app, accounts, caplog):
    caplog.set_level(logging.DEBUG)
    _, token = accounts.create("log-check", "case_manager", password="log check password 1")
    c = app.test_client()
    _login(c, "log-check", "log check password 1")
    c.post("/api/v1/match", headers={"Authorization": f"Bearer {token}"}, json={
        "location": {"text": "1234 Distinctive Street, Hartford 06106"}, "needs": ["detox"], "age": 37,
        "moud": "methadone", "offences": ["sex_offense_registry"], "query": "zanzibar-profile-marker"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert text  # the engine client did log its requests
    for secret in ("log check password 1", token.split(".")[-1], "Distinctive", "sex_offense_registry",
                   "zanzibar-profile-marker"):
        assert secret not in text


def test_sign_ins_and_bad_tokens_are_throttled_per_address_and_audited(es, settings, store):
    app = create_app(settings.with_(login_rate_limit="3 per day", bad_token_rate_limit="4 per day"), es=es)
    accounts = app.extensions["lead"].accounts
    accounts.create("busy-user", "officer", password="a long enough password")
    flood = app.test_client()
    flood.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    statuses = [_login(flood, "busy-user", f"wrong {i}").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    calm = app.test_client()
    calm.environ_base["REMOTE_ADDR"] = "10.9.9.10"
    assert _login(calm, "busy-user", "a long enough password").status_code == 302  # another address is unaffected
    _, token = accounts.create("token-user", "officer")
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.9.9.11"
    bad = [guesser.get("/api/v1/me", headers={"Authorization": f"Bearer lead.x.y.guess{i}"}).status_code
           for i in range(5)]
    assert bad == [401, 401, 401, 401, 429]
    more = guesser.get("/api/v1/me", headers={"Authorization": "Bearer lead.x.y.guess9"})
    assert more.status_code == 429 and more.headers["Retry-After"]  # until the window is over
    # A valid token is never throttled: bad tokens sent from the same address shut nobody out.
    assert guesser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    actions = {e["action"] for e in store.audit_trail.events(size=200)}
    assert {"signin.throttled", "token.throttled"} <= actions
