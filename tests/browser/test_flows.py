"""Each role's main flow, end to end in Chromium against the real engine, in English and Spanish."""
from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.es, pytest.mark.browser]
LANGS = ("en", "es")
T = {  # the few words a flow clicks on, per language
    "en": {"detox": "Detox", "find": "Find services", "save": "Save", "saved": "Saved", "print": "Print the list",
           "accounts": "Accounts", "audit": "Audit log", "edit": "Edit hours, phones, eligibility"},
    "es": {"detox": "Desintoxicación", "find": "Buscar servicios", "save": "Guardar", "saved": "Guardado",
           "print": "Imprimir la lista", "accounts": "Cuentas", "audit": "Registro de cambios",
           "edit": "Editar horario, teléfonos y requisitos"},
}


@pytest.mark.parametrize("lang", LANGS)
def test_officer_nearby_now_in_one_tap(visit, live, lang):
    v = visit(lang)
    v.sign_in(live[2]["officer"])
    page = v.page
    assert page.url.endswith("/nearby")
    v.check("nearby")
    # One tap: the phone's location is asked for and the nearest detox comes back.
    page.get_by_role("button", name=T[lang]["detox"], exact=True).click()
    page.wait_for_selector("#results .result")
    assert "lat=" in page.url and "need=detox" in page.url
    first = page.locator(".result").first
    assert first.locator("a[href^='tel:+1']").count() == 1
    assert "maps/dir/" in first.locator("a[target=_blank]").get_attribute("href")
    for button in page.locator("button.need").all():  # big enough for a thumb
        assert button.bounding_box()["height"] >= 44
    v.check("nearby-results")


@pytest.mark.parametrize("lang", LANGS)
def test_case_manager_profile_to_ranked_results_print_and_text(visit, live, lang):
    v = visit(lang)
    v.sign_in(live[2]["case_manager"])
    page = v.page
    assert page.url.endswith("/match")
    v.check("match-form")
    page.check("input[name=needs][value='substance_use.withdrawal_management']")
    page.fill("#near", "Frog Hollow")
    page.locator("details.facts-box summary").click()
    page.fill("#f-age", "34")
    page.select_option("#f-gender", "male")
    page.check("input[name=insurance][value=medicaid]")
    page.select_option("#f-moud", "methadone")
    page.check("input[name=languages][value=es]")
    page.locator("form#profile button.primary").click()
    page.wait_for_selector("#results .result")
    cards = page.locator(".result-list > li")
    assert cards.count() >= 2
    # every result's number is on the map (programs at one site share a marker: "2,3")
    on_map = [n for label in page.locator("svg.map .pin .num").all_text_contents() for n in label.split(",")]
    assert sorted(map(int, on_map)) == list(range(1, cards.count() + 1))
    assert page.input_value("#near") == "Frog Hollow" and page.input_value("#f-age") == "34"  # refining keeps it
    summary = page.input_value("#summary-text")
    assert "\n1. " in summary and "\n2. " in summary
    # The seed's programs are samples: the text says so above each name.
    assert "SAMPLE LISTING, NOT A REAL PROGRAM\n1. " in summary or "PROGRAMA DE EJEMPLO, NO ES REAL\n1. " in summary
    # Leaving the second result out of the list takes it out of the text and the printed copy too.
    cards.nth(1).locator(".pick-box").uncheck()
    assert "\n2. " not in page.input_value("#summary-text")
    page.emulate_media(media="print")
    assert not page.locator("form#profile").is_visible() and not cards.nth(0).is_visible()
    copy = page.locator(".print-copy .print-list > li")
    assert copy.nth(0).is_visible() and not copy.nth(1).is_visible()
    page.emulate_media(media="screen")
    v.check("match-results")


@pytest.mark.parametrize("lang", LANGS)
def test_provider_updates_beds_with_the_stepper_and_edits_a_listing(visit, live, lang):
    v = visit(lang)
    v.sign_in(live[2]["provider"])
    page = v.page
    assert page.url.endswith("/provider")
    v.check("provider")
    listing = page.locator("article.listing").first
    listing_id = listing.get_attribute("id").removeprefix("listing-")
    box = listing.locator("input[name=available]")
    before = int(box.input_value() or 0)
    listing.locator("button.step[data-step='1']").click()
    listing.locator("button.step[data-step='1']").click()
    assert int(box.input_value()) == before + 2
    listing.get_by_role("button", name=T[lang]["save"], exact=True).click()
    page.wait_for_selector(f"#listing-{listing_id} [data-role=message]:not([hidden])")
    assert T[lang]["saved"] in listing.locator("[data-role=message]").inner_text()
    assert page.url.endswith("/provider")  # saved through the JSON API, no page load
    search = live[1].extensions["lead"].search
    assert search.listing(listing_id)[0]["capacity"]["available"] == before + 2  # read by id: at once (search within a refresh interval)
    listing.get_by_role("link", name=re.compile(T[lang]["edit"])).click()
    page.wait_for_selector("form.listing-form")
    v.check("provider-edit")
    added = {"en": "pt", "es": "pl"}[lang]
    page.check(f"form.listing-form input[name=languages][value={added}]")
    page.locator("form.listing-form button.primary").click()
    page.wait_for_url(re.compile(r"/provider\?saved="))
    assert added in search.listing(listing_id)[0]["languages"]


@pytest.mark.parametrize("lang", LANGS)
def test_admin_accounts_suggestions_ingest_and_audit(visit, live, lang):
    base, app, users = live
    v = visit(lang)
    v.sign_in(users["admin"])
    page = v.page
    page.goto(f"{base}/admin/accounts")
    v.check("admin-accounts")
    page.fill("#new-username", f"made-in-{lang}")
    page.select_option("#new-role", "officer")
    page.locator("form.stack button.primary").click()
    page.wait_for_selector("#token")
    assert page.input_value("#token").startswith("lead.")
    for path, name in (("/admin/organizations", "admin-organizations"), ("/admin/ingest", "admin-ingest"),
                       ("/admin/suggestions", "admin-suggestions"), ("/admin/audit?action=account.create",
                                                                     "admin-audit")):
        page.goto(base + path)
        v.check(name)
    assert f"made-in-{lang}" in page.locator("table").inner_text()


def test_provider_suggests_a_correction_to_another_listing(visit, live):
    base = live[0]
    v = visit("en")
    v.sign_in(live[2]["provider"])
    page = v.page
    page.goto(f"{base}/suggest?q=shelter")
    v.check("suggest-search")
    page.locator("ul.plain-list a").first.click()
    page.wait_for_selector("form.listing-form")
    page.fill("#phone_0", "(860) 555-0198")
    page.fill("#note", "The phone number changed")
    page.locator("form.listing-form button.primary").click()
    page.wait_for_selector("h1")
    v.check("suggest-sent")
    assert any(s["note"] == "The phone number changed" for s in live[1].extensions["lead"].suggestions.list())


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_page_and_a_wrong_password(visit, live, lang):
    v = visit(lang)
    page = v.page
    page.goto(f"{live[0]}/lang/{lang}?next=/login")
    v.check("login")
    page.fill("#username", "nobody-here")
    page.fill("#password", "not the password")
    page.locator("form button.primary").click()
    assert page.locator(".error[role=alert]").is_visible()
    v.errors.clear()  # the 401 status of that page is logged by the browser as a failed load


def test_first_load_transfer_sizes(browser, live, transfer_report):
    """HTML + CSS + JS + fonts of each main page on a first visit (empty cache), as transferred (gzip)."""
    base, _app, users = live
    pages = {"nearby": ("officer", "/nearby"),
             "nearby-results": ("officer", "/nearby?need=detox&lat=41.7637&lon=-72.6851"), "match": ("case_manager", "/match"),
             "provider": ("provider", "/provider"), "admin-accounts": ("admin", "/admin/accounts"),
             "login": (None, "/login")}
    for name, (role, path) in pages.items():
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        if role:
            page.goto(f"{base}/login")
            page.fill("#username", users[role])
            page.fill("#password", "browser test password")
            page.locator("form button.primary").click()
            page.wait_for_load_state()
        # A fresh page in the same context: cookies kept, nothing cached from the sign-in (no-store pages
        # and a new page's own requests are measured; the stylesheet is fetched again with caching disabled).
        fresh = context.new_page()
        cdp = context.new_cdp_session(fresh)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        total, by_type = 0, {}
        finished = []
        fresh.on("requestfinished", lambda r: finished.append(r))
        fresh.goto(base + path)
        fresh.wait_for_load_state("networkidle")
        for request in finished:
            kind = request.resource_type
            if kind not in ("document", "stylesheet", "script", "font"):
                continue
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            total += size
            by_type[kind] = by_type.get(kind, 0) + size
        transfer_report[name] = {"path": path, "bytes": total, "by_type": by_type}
        context.close()
    assert transfer_report["nearby"]["bytes"] < 150 * 1024, transfer_report["nearby"]
    assert transfer_report["nearby-results"]["bytes"] < 150 * 1024, transfer_report["nearby-results"]
