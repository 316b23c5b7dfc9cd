"""The LEAD program's own loop in Chromium at phone size, in English and in Spanish: an officer diverts a
person from 'Nearby now', a case manager of the program claims it from the on-call inbox and reaches the
person, the officer sees each step, the supervisor sees an escalated one; the case manager gives a provider
without an account a single-use link, which shows only the consented fields and answers once; consent
withdrawn shows on the provider's side. Every page: axe, console errors, no English on a Spanish page."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from api.usecases import diversions as cases
from directory.accounts import User
from tests.browser.conftest import PASSWORD, Visit
from tests.browser.spanish import english_lines, visible_text

pytestmark = [pytest.mark.es, pytest.mark.browser]
# A shelter of org-0002: not the live provider's organisation (org-0001), whose inbox, badges and beds the other
# browser tests count on.
LISTING, ORG = "seed-00005", "org-0002"
OTHER = {"en": "es", "es": "en"}


def account(app, role: str, program: str | None = None) -> str:
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    app.extensions["lead"].accounts.create(name, role, program=program, password=PASSWORD)
    return name


def no_english(visit: Visit, names: list[str]) -> None:
    if visit.lang == "es":
        bad = english_lines(visible_text(visit.page), names)
        assert not bad, f"English on a Spanish page {visit.page.url}: {bad}"


@pytest.mark.parametrize("lang", ("en", "es"))
def test_divert_claim_contact_and_the_officer_sees_each_step(visit, live, lang):
    base, app, _users = live
    officer_name, cm_name, admin_name = (account(app, "officer", "hartford"), account(app, "case_manager", "hartford"),
                                         account(app, "admin"))
    names = [officer_name, cm_name, admin_name, "Hartford", "New Haven", "Park St & Broad St", "Sam Rivera", "HPD-26-1187"]
    ref = f"HPD-{uuid.uuid4().hex[:6].upper()}"
    names.append(ref)

    officer = visit(lang)
    officer.sign_in(officer_name)
    page = officer.page
    page.goto(f"{base}/nearby")
    page.locator("p.divert a").click()
    page.wait_for_selector("form#diversion")
    officer.check("diversion-new")
    no_english(officer, names)
    page.check("input[name=type][value=arrest_diversion]")
    page.fill("#participant_ref", ref)
    page.fill("#town", "Hartford")
    page.fill("#place", "Park St & Broad St")
    page.check("input[name=needs][value=detox]")
    page.fill("#name", "Sam Rivera")  # without the consent box: refused, naming the field
    page.locator("form#diversion button.primary").click()
    page.wait_for_selector("#field-name .field-error")
    assert page.locator("#name").get_attribute("aria-invalid") == "true"
    officer.errors.clear()  # the browser logs the page's 422 status as a failed load
    page.check("#consent_to_contact")
    page.locator("form#diversion button.primary").click()
    page.wait_for_url(re.compile(r"/diversions\?done="))
    card = page.locator("article.diversion").first
    assert card.get_attribute("data-status") == "waiting"
    assert "Sam Rivera" not in card.inner_text()  # the officer's list never shows the identity back
    officer.check("diversions-mine")
    no_english(officer, names)

    cm = visit(OTHER[lang])
    cm.sign_in(cm_name)
    cpage = cm.page
    cpage.goto(f"{base}/diversions")
    mine = cpage.locator(f"article.diversion:has-text('{ref}')")
    assert "Sam Rivera" in mine.inner_text()
    cm.check("diversions-inbox")
    no_english(cm, names)
    mine.locator("button[name=status][value=acknowledged]").click()
    cpage.wait_for_url(re.compile(r"done="))
    cpage.locator(f"article.diversion:has-text('{ref}') button[name=status][value=contacted]").click()
    cpage.wait_for_url(re.compile(r"done="))
    assert cpage.locator(f"article.diversion:has-text('{ref}')").get_attribute("data-status") == "contacted"
    cm.check("diversions-inbox-contacted")

    page.reload()
    card = page.locator(f"article.diversion:has-text('{ref}')")
    assert card.get_attribute("data-status") == "contacted"
    done_steps = card.locator("ol.steps li.done").evaluate_all("els => els.map(e => e.dataset.step)")
    assert done_steps == ["acknowledged", "contacted"]

    # One nobody claims escalates: the supervisor (an administrator) sees it, with no participant data.
    key = uuid.uuid4().hex
    rt = app.extensions["lead"]
    with app.test_request_context():
        cases.record(rt, User(officer_name, "officer", program="hartford"), {
            "client_key": key, "type": "social_contact", "participant_ref": ref + "-2", "town": "Hartford",
            "consent_to_contact": False})
    cases.escalate_due(rt, datetime.now(timezone.utc) + timedelta(minutes=rt.settings.diversion_escalate_minutes + 1))
    admin = visit(lang)
    admin.sign_in(admin_name)
    apage = admin.page
    apage.goto(f"{base}/diversions/supervisor")
    assert apage.locator("tbody tr").count() >= 1 and ref not in apage.locator("main").inner_text()
    admin.check("diversions-supervisor")
    no_english(admin, names)


@pytest.mark.parametrize("lang", ("en", "es"))
def test_a_provider_without_an_account_answers_once_and_sees_consent_withdrawn(browser, visit, live, lang):
    base, app, _users = live
    cm_name = account(app, "case_manager", "hartford")
    _, token = app.extensions["lead"].accounts.create(f"cm-api-{uuid.uuid4().hex[:6]}", "case_manager",
                                                       program="hartford")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def send(share):
        resp = api.post("/api/v1/referrals", json={"listing_ids": [LISTING], "participant_ref": "HFD-7002",
                                                   "needs": ["shelter"], "note": "Arrives by bus", "urgency": "today",
                                                   "consents": [{"organization_id": ORG, "share": share}]})
        assert resp.status_code == 201, resp.json
        return resp.json["referrals"][0]["id"]

    first = send(["needs"])
    cm = visit(lang)
    cm.sign_in(cm_name)
    page = cm.page
    # The case manager's program sees the referral: it was sent by an account of the same program.
    page.goto(f"{base}/referrals/{first}")
    page.locator("form[action$='/answer-link'] button").click()
    page.wait_for_selector("[data-role=answer-link]")
    cm.check("answer-link")
    link = page.locator("[data-role=answer-link]").input_value()
    assert "/answer?t=" in link

    stranger = visit(lang)
    spage = stranger.page
    if lang == "es":  # a person without an account chooses the language with the switch, like anyone
        spage.goto(f"{base}/login")
        spage.get_by_role("link", name="Español").click()
        spage.wait_for_selector('html[lang="es"]')
    spage.goto(link)
    text = spage.locator("main").inner_text()
    assert "HFD-7002" not in text and "Arrives by bus" not in text  # only the needs were consented
    stranger.check("answer")
    no_english(stranger, ["HFD-7002", "Arrives by bus"])
    # Declined with a reason (accepting holds a bed: tests/test_consent_and_answer_links.py; no bed is held here,
    # so the other browser tests find the directory's beds as the seed has them).
    spage.select_option("#reason", "no_capacity")
    spage.locator("form.decline button").click()
    spage.wait_for_load_state()
    assert api.get(f"/api/v1/referrals/{first}").json["status"] == "declined"
    stranger.check("answer-done")

    # Consent withdrawn: the provider's own page says so and shows none of it.
    second = send(["participant_ref", "needs", "note"])
    page.goto(f"{base}/referrals/{second}")
    page.locator(f"form[action$='/consent/referral/{second}'] button").click()
    page.wait_for_url(re.compile(rf"/referrals/{second}$"))
    provider_name = f"provider-{uuid.uuid4().hex[:6]}"
    app.extensions["lead"].accounts.create(provider_name, "provider", organizations=[ORG], password=PASSWORD)
    provider = visit(lang)
    provider.sign_in(provider_name)
    provider.page.goto(f"{base}/referrals/{second}")
    main = provider.page.locator("main").inner_text()
    assert "HFD-7002" not in main and "Arrives by bus" not in main
    assert provider.page.locator("[data-role=consent]").count() == 1
    provider.check("referral-consent-withdrawn")
    record = app.extensions["lead"].store.get(LISTING)[0]["record"]
    address = record.get("address") or (record.get("location") or {}).get("address") or {}
    proper = [record["organization"]["name"], (record.get("location") or {}).get("name"), record["service"]["name"],
              *(address.get(k) for k in ("address_1", "address_2", "city"))]
    no_english(provider, ["HFD-7002", provider_name, cm_name, *(n for n in proper if n)])


@pytest.mark.parametrize("lang", ("en", "es"))
def test_the_program_report_page_with_its_charts_and_exports(visit, live, lang):
    base, app, _users = live
    rt = app.extensions["lead"]
    officer = User(f"officer-{uuid.uuid4().hex[:6]}", "officer", program="hartford")
    for n in range(3):
        cases.record(rt, officer, {"client_key": uuid.uuid4().hex, "type": "social_contact",
                                   "participant_ref": f"HPD-R{n}{uuid.uuid4().hex[:4]}", "town": "Hartford",
                                   "consent_to_contact": False})
    admin_name = account(app, "admin")
    admin = visit(lang)
    admin.sign_in(admin_name)
    page = admin.page
    today = datetime.now(timezone.utc).date()
    page.goto(f"{base}/reports?from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
              "&program=hartford")
    assert page.locator("[data-role=diversions]").inner_text() == "<11"  # three of them: a small cell
    assert page.locator("svg.chart").count() >= 1
    admin.check("report")
    no_english(admin, ["Hartford", "New Haven", admin_name, "CSV", "JSON"])
    csv_href = page.locator("[data-role=csv]").get_attribute("href")
    got = page.request.get(f"{base}{csv_href}")
    assert got.status == 200 and got.headers["content-type"].startswith("text/csv")
    assert "HPD-R" not in got.text()
