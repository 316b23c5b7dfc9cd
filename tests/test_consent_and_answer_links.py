"""Consent that can be withdrawn and expires, and answering a referral without an account, against the real
engine: a provider's view of one referral before and after the participant withdraws consent (API and page),
expiry, who may withdraw, a diversion's identity erased; a signed single-use link that cannot be reused,
guessed, altered, widened to another referral or kept past its time, and of two answers at once one wins."""
from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from api.usecases import answer_links
from directory.answer_links import AnswerLinks, LinkRefused

pytestmark = pytest.mark.es

LISTING, ORG = "seed-00001", "org-0001"  # a shelter of org-0001 with open beds
PARTICIPANT = "CASE-7731"
NOTE = "Arrives by bus after 3 pm"


@pytest.fixture(scope="module")
def site(es, base_settings):
    from tests.conftest import seeded_app

    with seeded_app(es, base_settings, "consent") as app:
        yield app


def person(app, role, program=None, organizations=()):
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    _, token = app.extensions["lead"].accounts.create(name, role, program=program, organizations=list(organizations))
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    c.username = name
    return c


@pytest.fixture(scope="module")
def people(site):
    return {"cm": person(site, "case_manager", "hartford"), "cm_other": person(site, "case_manager", "new-haven"),
            "provider": person(site, "provider", organizations=(ORG,)), "admin": person(site, "admin")}


def send(c, share=("participant_ref", "needs", "note", "urgency")):
    resp = c.post("/api/v1/referrals", json={"listing_ids": [LISTING], "participant_ref": PARTICIPANT,
                                             "needs": ["shelter"], "note": NOTE, "urgency": "today",
                                             "consents": [{"organization_id": ORG, "share": list(share)}]})
    assert resp.status_code == 201, resp.json
    return resp.json["referrals"][0]


def test_a_providers_view_before_and_after_consent_is_withdrawn(site, people):
    cm, provider = people["cm"], people["provider"]
    r = send(cm)
    before = provider.get(f"/api/v1/referrals/{r['id']}").json
    assert before["participant_ref"] == PARTICIPANT and before["note"] == NOTE and before["needs"]
    assert before["consent_state"] == "given" and before["withheld"] == []
    assert before["consent"]["expires_at"]  # every consent has an expiry (LEAD_CONSENT_DAYS by default)

    assert provider.post(f"/api/v1/referrals/{r['id']}/consent", json={"withdraw": True}).status_code == 403
    assert people["cm_other"].post(f"/api/v1/referrals/{r['id']}/consent", json={"withdraw": True}).status_code == 404
    done = cm.post(f"/api/v1/referrals/{r['id']}/consent", json={"withdraw": True})
    assert done.status_code == 200 and done.json["state"] == "withdrawn", done.json

    after = provider.get(f"/api/v1/referrals/{r['id']}").json
    assert after["participant_ref"] is None and after["note"] is None and after["needs"] is None
    assert after["urgency"] is None and after["consent_state"] == "withdrawn"
    assert after["withheld"] == ["participant_ref", "needs", "note", "urgency"]
    assert PARTICIPANT not in str(after) and NOTE not in str(after)
    listed = provider.get("/api/v1/referrals").json["referrals"]
    assert PARTICIPANT not in str(listed) and NOTE not in str(listed)
    # the referrer still has its own record, and sees that consent was withdrawn
    own = cm.get(f"/api/v1/referrals/{r['id']}").json
    assert own["participant_ref"] == PARTICIPANT and own["consent_state"] == "withdrawn"
    again = cm.post(f"/api/v1/referrals/{r['id']}/consent", json={"withdraw": True})
    assert again.status_code == 409 and again.headers["Content-Type"].startswith("application/problem+json")
    trail = site.extensions["lead"].store.audit_trail.events(action="consent.withdrawn")
    assert [e["new"] for e in trail if e["new"]["id"] == r["id"]] == [{"id": r["id"], "state": "withdrawn"}]
    assert PARTICIPANT not in str(trail) and NOTE not in str(trail)


def test_the_provider_page_says_consent_was_withdrawn(site, people):
    cm = people["cm"]
    r = send(cm)
    name = f"page-provider-{uuid.uuid4().hex[:6]}"
    site.extensions["lead"].accounts.create(name, "provider", organizations=[ORG], password="consent page password")
    page = site.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").get_data(as_text=True)).group(1)
    assert page.post("/login", data={"csrf_token": csrf, "username": name, "password": "consent page password"}
                     ).status_code in (302, 303)
    html = page.get(f"/referrals/{r['id']}").get_data(as_text=True)
    assert PARTICIPANT in html and NOTE in html and "withdrew consent" not in html
    cm.post(f"/api/v1/referrals/{r['id']}/consent", json={"withdraw": True})
    html = page.get(f"/referrals/{r['id']}").get_data(as_text=True)
    assert PARTICIPANT not in html and NOTE not in html
    assert "The participant withdrew consent" in html


def test_consent_expires(site, people):
    cm, provider = people["cm"], people["provider"]
    r = send(cm)
    past = cm.post(f"/api/v1/referrals/{r['id']}/consent", json={"expires_at": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422 and past.json["errors"][0]["field"] == "expires_at"
    soon = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()
    assert cm.post(f"/api/v1/referrals/{r['id']}/consent", json={"expires_at": soon}).json["state"] == "given"
    assert provider.get(f"/api/v1/referrals/{r['id']}").json["participant_ref"] == PARTICIPANT
    time.sleep(2.5)
    after = provider.get(f"/api/v1/referrals/{r['id']}").json
    assert after["participant_ref"] is None and after["consent_state"] == "expired"
    bad = cm.post(f"/api/v1/referrals/{r['id']}/consent", json={})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "withdraw"


def test_withdrawing_a_diversions_consent_erases_the_identity(site):
    officer, cm = person(site, "officer", "hartford"), person(site, "case_manager", "hartford")
    d = officer.post("/api/v1/diversions", json={
        "client_key": uuid.uuid4().hex, "type": "social_contact", "participant_ref": "HPD-26-2210",
        "consent_to_contact": True, "name": "Ana Colón", "dob": "1985-01-09"}).json
    assert cm.get(f"/api/v1/diversions/{d['id']}").json["name"] == "Ana Colón"
    assert cm.post(f"/api/v1/diversions/{d['id']}/consent", json={"withdraw": True}).json["state"] == "withdrawn"
    seen = cm.get(f"/api/v1/diversions/{d['id']}").json
    assert seen["name"] is None and seen["dob"] is None and seen["consent_state"] == "withdrawn"
    stored = site.extensions["lead"].store.es.get(index=site.extensions["lead"].store.catalogue.name("diversions"),
                                                  id=d["id"])["_source"]
    assert stored["name"] is None and stored["dob"] is None  # erased, not only hidden


# ----- answer links ------------------------------------------------------------------------------------
def issue(cm, referral_id):
    resp = cm.post(f"/api/v1/referrals/{referral_id}/answer-link")
    assert resp.status_code == 201, resp.json
    return resp.json["url"].split("/answer?t=", 1)[1]


def test_an_answer_link_shows_only_the_consented_fields_and_works_once(site, people):
    cm = people["cm"]
    r = send(cm, share=("needs",))
    token = issue(cm, r["id"])
    anon = site.test_client()
    page = anon.get(f"/answer?t={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert PARTICIPANT not in html and NOTE not in html and "Accept and hold a bed" in html
    assert cm.get(f"/api/v1/referrals/{r['id']}").json["status"] == "viewed"
    missing_reason = anon.post(f"/answer?t={token}", data={"answer": "declined"})
    assert missing_reason.status_code == 422
    accepted = anon.post(f"/answer?t={token}", data={"answer": "accepted"})
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    now = cm.get(f"/api/v1/referrals/{r['id']}").json
    assert now["status"] == "accepted" and now["hold"]["active"]
    assert anon.post(f"/answer?t={token}", data={"answer": "declined", "reason": "other"}).status_code == 410
    assert anon.get(f"/answer?t={token}").status_code == 410
    trail = site.extensions["lead"].store.audit_trail.events(action="referral.answer_link_used")
    assert any(e["new"] == {"id": r["id"], "status": "accepted"} for e in trail)


def test_an_answer_link_cannot_be_guessed_altered_widened_or_kept(site, people):
    cm = people["cm"]
    rt = site.extensions["lead"]
    r, other = send(cm), send(cm)
    token = issue(cm, r["id"])
    anon = site.test_client()
    altered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert anon.get(f"/answer?t={altered}").status_code == 410
    assert anon.get(f"/answer?t={uuid.uuid4().hex}").status_code == 410
    links = AnswerLinks(rt.store.es, rt.store.catalogue, rt.settings)
    link_id = links.signer.loads(token)["l"]
    widened = links.signer.dumps({"l": link_id, "r": other["id"]})  # even signed, the record names r only
    assert anon.get(f"/answer?t={widened}").status_code == 410
    with pytest.raises(LinkRefused) as late:
        links.open(token, datetime.now(timezone.utc) + timedelta(hours=rt.settings.answer_link_hours + 1))
    assert late.value.why == "expired"
    assert cm.get(f"/api/v1/referrals/{other['id']}").json["status"] == "sent"  # untouched
    assert people["provider"].post(f"/api/v1/referrals/{r['id']}/answer-link").status_code == 403


def test_two_answers_at_once_one_wins(site, people):
    cm = people["cm"]
    r = send(cm)
    token = issue(cm, r["id"])
    codes: list[int] = []
    barrier = threading.Barrier(4)

    def answer(data):
        barrier.wait()
        codes.append(site.test_client().post(f"/answer?t={token}", data=data).status_code)
    forms = [{"answer": "accepted"}, {"answer": "declined", "reason": "no_capacity"}] * 2
    threads = [threading.Thread(target=answer, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [200, 410, 410, 410], codes
    assert cm.get(f"/api/v1/referrals/{r['id']}").json["status"] in ("accepted", "declined")


def test_a_link_is_only_for_what_is_left_to_answer(site, people):
    cm, provider = people["cm"], people["provider"]
    r = send(cm)
    provider.post(f"/api/v1/referrals/{r['id']}/status", json={"status": "declined", "reason": "other"})
    late = cm.post(f"/api/v1/referrals/{r['id']}/answer-link")
    assert late.status_code == 409 and late.json["current_status"] == "declined"
    with site.app_context():
        with pytest.raises(answer_links.LinkGone):
            answer_links.open_link(site.extensions["lead"], "not-a-token")
