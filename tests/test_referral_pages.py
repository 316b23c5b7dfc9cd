"""The referral pages through Flask's test client against the real engine: refer from the match results with
consent per provider, the referrer's list and detail, the provider's inbox with one-tap accept (a bed held)
or decline with a reason, enrolment, the menu's unseen count, Spanish, and the admin's webhooks page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import seeded_app
from tests.test_pages import csrf_of, sign_in, text

pytestmark = pytest.mark.es
SHELTER_A, SHELTER_B, ORG = "seed-00001", "seed-00003", "org-0001"


@pytest.fixture(scope="module")
def site(es, base_settings):
    with seeded_app(es, base_settings, "refpages") as app:
        yield app


PROFILE = {"needs": ["housing.emergency_shelter"], "near": "06120", "urgency": "today", "max_miles": "5"}


def test_refer_from_the_match_results_with_consent_then_the_provider_accepts_and_enrols(site):
    cm, csrf, cm_name = sign_in(site, "case_manager")
    results = text(cm.post("/match", data={**PROFILE, "csrf_token": csrf}))
    for listing in (SHELTER_A, SHELTER_B):
        assert f'name="listing" value="{listing}" form="refer"' in results
    assert 'form id="refer" method="post" action="/referrals/new"' in results
    form = text(cm.post("/referrals/new", data={"csrf_token": csrf, "listing": [SHELTER_A, SHELTER_B],
                                                "needs": ["housing.emergency_shelter"], "urgency": "today"}))
    assert "Send the 2 referrals" in form and form.count('name="org" value="org-0001"') == 1  # one consent per org
    assert "42 CFR Part 2" in form and 'value="today" checked' in form
    base = {"csrf_token": csrf, "listing": [SHELTER_A, SHELTER_B], "needs": ["housing.emergency_shelter"],
            "urgency": "today", "participant_ref": "HFD-2291", "note": "Arrives by bus", "org": [ORG],
            f"share-{ORG}": ["participant_ref", "needs", "urgency"]}
    refused = cm.post("/referrals", data=base)
    assert refused.status_code == 422 and "Record the participant's consent" in text(refused)
    named = cm.post("/referrals", data={**base, f"consent-{ORG}": "yes", "participant_ref": "Jane Doe"})
    assert named.status_code == 422 and "no name, no date of birth" in text(named)
    sent = cm.post("/referrals", data={**base, f"consent-{ORG}": "yes"})
    assert sent.status_code == 302
    listed = text(cm.get(sent.headers["Location"]))
    assert "The 2 referrals were sent" in listed and listed.count('class="referral"') == 2
    ids = re.findall(r'id="referral-([0-9a-f]+)"', listed)

    provider, pcsrf, provider_name = sign_in(site, "provider", (ORG,))
    menu = text(provider.get("/provider"))
    assert re.search(r'Referrals inbox <span class="count" data-role="unseen">2<', menu)
    inbox = text(provider.get("/provider/referrals"))
    assert inbox.count('class="referral"') == 2 and "HFD-2291" in inbox and "Arrives by bus" not in inbox
    assert "Not shared" in inbox  # the note was not consented
    assert "Accept and hold a bed for 24 hours" in inbox
    assert 'data-role="unseen"' not in text(provider.get("/provider"))  # the inbox has been seen
    target = ids[0]
    no_reason = provider.post(f"/referrals/{target}/status", data={"csrf_token": pcsrf, "status": "declined",
                                                                    "back": "inbox"})
    assert no_reason.status_code == 422 and "Choose a reason to decline." in text(no_reason)
    accepted = provider.post(f"/referrals/{target}/status", data={"csrf_token": pcsrf, "status": "accepted",
                                                                   "back": "inbox"})
    assert accepted.status_code == 302 and "/provider/referrals?done=accepted" in accepted.headers["Location"]
    after = text(provider.get(accepted.headers["Location"]))
    assert "A bed is held for this person until" in after and "held for a referral" in after
    # The referrer sees the change counted in the menu and every step on the detail page.
    assert re.search(r'Referrals <span class="count" data-role="unseen">\d', text(cm.get("/match")))
    enrolled = provider.post(f"/referrals/{target}/status", data={"csrf_token": pcsrf, "status": "enrolled",
                                                                   "back": "detail"})
    assert enrolled.status_code == 302
    detail = text(cm.get(f"/referrals/{target}"))
    for step in ("Sent", "Viewed by the provider", "Accepted by the provider", "Person enrolled"):
        assert f'<th scope="row">{step}</th>' in detail, step
    assert "The held bed became the person's placement." in detail and provider_name in detail
    other = text(cm.get(f"/referrals/{ids[1]}"))
    assert "Withdrawn" in other and "Placed at another program" in other and "(Automatic)" in other
    closed = cm.post(f"/referrals/{target}/status", data={"csrf_token": csrf, "status": "closed"})
    assert closed.status_code == 302
    # Spanish: the same detail in the other language.
    cm.get("/lang/es")
    es = text(cm.get(f"/referrals/{target}"))
    assert '<html lang="es">' in es and "Cada cambio" in es and "Persona inscrita" in es


def test_a_stale_accept_in_the_inbox_says_what_happened(site):
    cm, csrf, _ = sign_in(site, "case_manager")
    provider, pcsrf, _ = sign_in(site, "provider", ("org-0002",))
    made = cm.post("/referrals", data={"csrf_token": csrf, "listing": ["seed-00004"], "needs": ["shelter"],
                                       "participant_ref": "NH-4410", "org": ["org-0002"], "consent-org-0002": "yes",
                                       "share-org-0002": ["needs"]})
    assert made.status_code == 302
    rid = re.findall(r'id="referral-([0-9a-f]+)"', text(cm.get(made.headers["Location"])))[0]
    assert cm.post(f"/referrals/{rid}/status", data={"csrf_token": csrf, "status": "withdrawn"}).status_code == 302
    late = provider.post(f"/referrals/{rid}/status", data={"csrf_token": pcsrf, "status": "accepted", "back": "inbox"})
    assert late.status_code == 409 and "This referral is now “Withdrawn”" in text(late)
    assert provider.get(f"/referrals/{rid}").status_code == 200
    stranger, _, _ = sign_in(site, "provider", (ORG,))
    assert stranger.get(f"/referrals/{rid}").status_code == 404


def test_officers_refer_from_nearby_and_admins_set_webhooks(site):
    officer, csrf, _ = sign_in(site, "officer")
    nearby = text(officer.get("/nearby?need=shelter&lat=41.7637&lon=-72.6851"))
    link = re.search(r'href="(/referrals/new\?listing=[^"]+)"', nearby).group(1)
    form = text(officer.get(link.replace("&amp;", "&")))
    assert "Send the referral" in form and 'value="housing.emergency_shelter" checked' in form
    assert 'value="now" checked' in form
    admin, acsrf, _ = sign_in(site, "admin")
    page = admin.post("/admin/webhooks", data={"csrf_token": acsrf, "action": "set", "organization_id": ORG,
                                               "url": "https://provider.example/lead"})
    body = text(page)
    assert page.headers["Cache-Control"] == "no-store" and "shown only this once" in body
    assert re.search(r'<input id="secret" value="whsec_[0-9a-f]+"', body)
    listed = text(admin.get("/admin/webhooks"))
    assert "https://provider.example/lead" in listed and "whsec_" not in listed
    bad = admin.post("/admin/webhooks", data={"csrf_token": acsrf, "action": "set", "organization_id": "org-none",
                                              "url": "https://provider.example/lead"})
    assert bad.status_code == 422
    removed = admin.post("/admin/webhooks", data={"csrf_token": acsrf, "action": "remove", "organization_id": ORG})
    assert "gets no more webhook calls" in text(removed)
    assert csrf_of(text(removed))
