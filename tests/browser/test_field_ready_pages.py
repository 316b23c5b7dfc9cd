"""Issue 17 on the pages, in Chromium over the seed plus the real Connecticut lists, with the search clock at
01:30 and at 14:00 on a weeknight, in English and Spanish, on a phone and at a desk:
- forms do what the person chose (Enter / the phone's Go key in the place box never picks a need; "Use my
  location" with the location allowed and refused);
- the participant's copy (printed and texted): hours as people say them, what to bring, times with their
  zone, no staff notes, five programs on one printed page;
- consent that is chosen: nothing ticked for the person, the summary says what goes to whom;
- results first at a desk: the list before the map, the map on demand, markers that do not cover each other.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.es, pytest.mark.browser]
HARTFORD_CORNER, FAIR_HAVEN = "Park St & Main St, Hartford", "Fair Haven, New Haven"
CLOCKS = ("01:30", "14:00")
W = {  # the words a test clicks on or reads, per language
    "en": {"shelter": "Shelter", "crisis": "Crisis", "locate": "Use my location", "located": "Using your location",
           "off": "Location is off", "choose": "Now choose what is needed", "zone": "Eastern Time",
           "why": "Why it matches", "check": "Check first", "nothing_to": "Nothing goes to", "will_see": "will see:",
           "not_shared": "Not shared:", "only_that": "only that a referral was sent", "map": "Map",
           "ref": "Participant reference", "needs": "Needs", "hours": "Hours: ", "printed": "Printed "},
    "es": {"shelter": "Refugio", "crisis": "Crisis", "locate": "Usar mi ubicación", "located": "Usando su ubicación",
           "off": "La ubicación está desactivada", "choose": "Ahora elija lo que se necesita", "zone": "hora del Este",
           "why": "Por qué coincide", "check": "Confirme antes", "nothing_to": "No se envía nada a",
           "will_see": "verá:", "not_shared": "No se comparte:", "only_that": "solo que se envió una derivación",
           "map": "Mapa", "ref": "Referencia del participante", "needs": "Necesidades", "hours": "Horario: ",
           "printed": "Impreso el "},
}
# Hours as people say them ("Mon-Fri 9 am-5 pm", "Every night 7 pm-7 am"), never the stored "Mon 09:00-17:00".
HUMAN_HOURS = {"en": re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Every day|Every night)[^\n]* \d{1,2}(:\d\d)? (am|pm)"
                                r"|Open 24/7|noon|midnight"),
               "es": re.compile(r"(lun|mar|mié|jue|vie|sáb|dom|Todos los días|Todas las noches)[^\n]* \d{1,2}(:\d\d)? "
                                r"(a\. m\.|p\. m\.)|Abierto 24/7|mediodía|medianoche")}
CLOCK_24H = re.compile(r"\b\d\d:\d\d-\d\d:\d\d\b")


def _query(url: str) -> dict:
    return parse_qs(urlparse(url).query)


# ----- 5. forms that do what the person chose ----------------------------------------------------------
@pytest.mark.parametrize("lang", ("en", "es"))
@pytest.mark.parametrize("hhmm", CLOCKS)
def test_enter_in_the_place_box_never_picks_a_need_and_keeps_the_one_chosen(ct_visit, ct_live, at, lang, hhmm):
    at(hhmm)
    v = ct_visit(lang)
    v.sign_in(ct_live[2]["officer"])
    page = v.page
    page.fill("#near", HARTFORD_CORNER)
    page.press("#near", "Enter")  # the phone keyboard's Go key submits the same way
    page.wait_for_selector("#where-status:not(:empty)")
    q = _query(page.url)
    assert "need" not in q and q["near"] == [HARTFORD_CORNER], page.url
    assert page.locator("#results").count() == 0
    assert W[lang]["choose"] in page.inner_text("#where-status")
    assert page.input_value("#near") == HARTFORD_CORNER  # the place is kept for the next tap
    v.check(f"ct-nearby-place-set-{hhmm.replace(':', '')}")
    page.get_by_role("button", name=W[lang]["shelter"], exact=True).click()
    page.wait_for_selector("#results .result")
    assert _query(page.url)["need"] == ["shelter"]
    # A new place and Enter: the same need there, not Detox (the first button).
    page.fill("#near", FAIR_HAVEN)
    page.press("#near", "Enter")
    page.wait_for_selector("#results .result")
    q = _query(page.url)
    assert q["need"] == ["shelter"] and q["near"] == [FAIR_HAVEN], page.url
    assert "Fair Haven" in page.inner_text("#results-title")
    # Enter in an empty box asks for a place, and goes nowhere.
    page.fill("#near", "")
    before = page.url
    page.press("#near", "Enter")
    page.wait_for_timeout(200)
    assert page.url == before and page.inner_text("#where-status").strip()


@pytest.mark.parametrize("lang", ("en", "es"))
def test_enter_in_the_case_managers_form_searches_and_never_switches_the_language(ct_visit, ct_live, at, lang):
    at("01:30")
    v = ct_visit(lang)
    v.sign_in(ct_live[2]["case_manager"])
    page = v.page
    page.check("input[name=needs][value='substance_use.withdrawal_management']")
    page.fill("#near", HARTFORD_CORNER)
    page.press("#near", "Enter")
    page.wait_for_selector("#results .result")
    assert page.locator("html").get_attribute("lang") == lang  # the header's language button was not pressed
    page.locator("details.facts-box summary").click()
    page.fill("#f-age", "34")
    page.press("#f-age", "Enter")
    page.wait_for_selector("#results .result")
    assert page.locator("html").get_attribute("lang") == lang and page.input_value("#f-age") == "34"


@pytest.mark.parametrize("lang", ("en", "es"))
@pytest.mark.parametrize("hhmm", CLOCKS)
def test_use_my_location_allowed_and_refused(ct_visit, ct_live, at, lang, hhmm):
    at(hhmm)
    allowed = ct_visit(lang)
    allowed.sign_in(ct_live[2]["officer"])
    page = allowed.page
    page.get_by_role("button", name=W[lang]["locate"]).click()
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert W[lang]["located"] in page.inner_text("#where-status")
    assert abs(float(page.input_value("#lat")) - 41.7637) < 0.001 and abs(float(page.input_value("#lon")) + 72.6851) < 0.001
    page.get_by_role("button", name=W[lang]["crisis"], exact=True).click()
    page.wait_for_selector("#results .result")
    q = _query(page.url)
    assert q["need"] == ["crisis"] and "lat" in q and "lon" in q and "near" not in q
    allowed.check(f"ct-nearby-located-{hhmm.replace(':', '')}")

    refused = ct_visit(lang, located=False)
    refused.sign_in(ct_live[2]["officer"])
    page = refused.page
    page.get_by_role("button", name=W[lang]["locate"]).click()
    page.wait_for_function(f"document.getElementById('where-status').textContent.includes({W[lang]['off']!r})")
    assert page.evaluate("document.activeElement.id") == "near"  # straight to typing a place
    # A need tapped with no place and no location goes nowhere and says why.
    before = page.url
    page.get_by_role("button", name=W[lang]["shelter"], exact=True).click()
    page.wait_for_timeout(300)
    assert page.url == before and page.locator("#results").count() == 0


# ----- 10. the participant's copy ----------------------------------------------------------------------
def _match(page, needs: list[str], near: str) -> None:
    for need in needs:
        page.check(f"input[name=needs][value='{need}']")
    page.fill("#near", near)
    page.locator("form#profile button.primary").click()
    page.wait_for_selector("#results .result")


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("lang", ("en", "es"))
@pytest.mark.parametrize("hhmm", CLOCKS)
def test_the_participants_copy_says_hours_as_people_do_and_five_programs_print_on_one_page(
        ct_visit, ct_live, at, lang, hhmm):
    at(hhmm)
    v = ct_visit(lang)
    v.sign_in(ct_live[2]["case_manager"])
    page = v.page
    _match(page, ["substance_use.withdrawal_management", "housing.emergency_shelter"], HARTFORD_CORNER)
    cards = page.locator(".result-list > li")
    assert cards.count() >= 6
    staff = {t.strip() for t in page.locator(".result .why li").all_inner_texts()}
    sample_note = {"en": "Sample data, not a real program", "es": "Datos de ejemplo, no es un programa real"}[lang]
    # Five picked: the rest are left out of the print and the text.
    for i in range(5, cards.count()):
        cards.nth(i).locator(".pick-box").uncheck()
    text = page.input_value("#summary-text")
    assert text.startswith({"en": "Times are Eastern Time", "es": "Las horas son hora del Este"}[lang])
    assert re.findall(r"^(\d+)\. ", text, re.M) == ["1", "2", "3", "4", "5"]
    assert HUMAN_HOURS[lang].search(text) and not CLOCK_24H.search(text), text
    page.emulate_media(media="print")
    copy = page.locator(".print-copy")
    lists = page.locator(".result-list").all()  # one per need when several were asked
    assert copy.is_visible() and lists and not any(ol.is_visible() for ol in lists)
    assert not page.locator("svg.map").is_visible()
    printed = copy.inner_text()
    assert printed.count(W[lang]["hours"]) + printed.count({"en": "Hours not stated", "es": "Horario no indicado"}[lang]) == 5
    assert W[lang]["printed"] in printed and W[lang]["zone"] in printed
    assert HUMAN_HOURS[lang].search(printed) and not CLOCK_24H.search(printed), printed
    lines = {x.strip() for x in (printed + "\n" + text).splitlines()}
    for note in staff - {sample_note}:  # the case manager's reasons and cautions stay on the screen
        assert note not in lines, note
    assert W[lang]["why"] not in printed and W[lang]["check"] not in printed
    bring = {"en": "Bring: ", "es": "Llevar: "}[lang]
    if any(bring in page.locator(".result").nth(i).get_attribute("data-summary") for i in range(5)):
        assert bring in printed  # what to bring, when a program says
    pdf = page.pdf(format="Letter")
    assert _pdf_pages(pdf) == 1, f"five programs took {_pdf_pages(pdf)} printed pages"
    page.emulate_media(media="screen")
    for i in range(5, cards.count()):  # all ten (or so): still short
        cards.nth(i).locator(".pick-box").check()
    page.emulate_media(media="print")
    assert _pdf_pages(page.pdf(format="Letter")) <= 2
    page.emulate_media(media="screen")
    v.check(f"ct-match-copy-{hhmm.replace(':', '')}")


# ----- 11. consent that is chosen ----------------------------------------------------------------------
@pytest.mark.parametrize("lang", ("en", "es"))
def test_consent_starts_unticked_and_the_summary_says_what_goes_to_whom(ct_visit, ct_live, at, lang):
    base, app, users, _clock = ct_live
    at("14:00")
    v = ct_visit(lang)
    v.sign_in(users["case_manager"])
    page = v.page
    _match(page, ["housing.emergency_shelter"], "06120")
    # Two programs of two organisations.
    chosen, orgs = [], []
    for card in page.locator(".result-list > li").all():
        listing = card.locator(".refer-box").get_attribute("value")
        org = app.extensions["lead"].search.listing(listing)[2]
        if org not in orgs:
            chosen.append(listing)
            orgs.append(org)
            card.locator(".refer-box").check()
        if len(chosen) == 2:
            break
    assert len(chosen) == 2
    page.locator("form#refer button.primary").click()
    page.wait_for_selector("form#referral")
    assert page.locator("#field-consents input[type=checkbox]:checked").count() == 0  # nothing ticked for them
    summary = page.locator("#consent-summary")
    for org in orgs:
        assert W[lang]["nothing_to"] in summary.locator(f"li[data-org='{org}']").inner_text()
    v.check("ct-referral-consent")
    first, second = orgs
    page.check(f"input[name='consent-{first}']")
    page.check(f"input[name='share-{first}'][value='participant_ref']")
    page.check(f"input[name='share-{first}'][value='needs']")
    said = summary.locator(f"li[data-org='{first}']").inner_text()
    assert W[lang]["will_see"] in said and W[lang]["ref"] in said and W[lang]["needs"] in said
    assert W[lang]["not_shared"] in said
    assert W[lang]["nothing_to"] in summary.locator(f"li[data-org='{second}']").inner_text()
    page.fill("#participant_ref", f"HFD-{lang.upper()}-17")
    # Sending without the second organisation's consent: refused, and the ticks come back as they were.
    page.locator("form#referral button.primary").click()
    page.wait_for_selector("#consent-error")
    v.errors.clear()  # the browser logs the page's 422 status as a failed load
    ticked = sorted(b.get_attribute("name") + "=" + b.get_attribute("value")
                    for b in page.locator("#field-consents input[type=checkbox]:checked").all())
    assert ticked == sorted([f"consent-{first}=yes", f"share-{first}=participant_ref", f"share-{first}=needs"])
    page.check(f"input[name='consent-{second}']")  # consent to the referral, with nothing about the person
    assert W[lang]["only_that"] in summary.locator(f"li[data-org='{second}']").inner_text()
    page.locator("form#referral button.primary").click()
    page.wait_for_url(re.compile(r"/referrals\?sent="))
    sent = app.extensions["lead"].referrals.search(app.extensions["lead"].accounts.get(users["case_manager"]),
                                                  group_id=_query(page.url)["sent"][0])
    shares = {r["organization_id"]: sorted(r["consent"]["share"]) for r in sent}
    assert shares == {first: ["needs", "participant_ref"], second: []}


# ----- 12. results first at a desk -----------------------------------------------------------------------
@pytest.mark.parametrize("lang", ("en", "es"))
@pytest.mark.parametrize("hhmm", CLOCKS)
def test_at_a_desk_the_list_comes_first_and_the_map_opens_on_demand(ct_visit, ct_live, at, lang, hhmm):
    at(hhmm)
    v = ct_visit(lang)
    v.sign_in(ct_live[2]["case_manager"])
    page = v.page
    page.set_viewport_size({"width": 1366, "height": 900})
    _match(page, ["healthcare"], HARTFORD_CORNER)
    # The first thing to act on (what can be done now, when nothing that meets the need is open; else the
    # first result) starts near the top of the screen.
    first = page.locator("section.now-first, .result").first.bounding_box()
    assert first["y"] < 300, f"the first result starts at y={first['y']:.0f} of a 900 px screen"
    box = page.locator("details#map")
    assert box.get_attribute("open") is None and not page.locator("svg.map").is_visible()
    assert page.evaluate("document.querySelector('.result-list').compareDocumentPosition("
                         "document.getElementById('map')) & Node.DOCUMENT_POSITION_FOLLOWING")
    page.get_by_role("link", name=W[lang]["map"], exact=True).click()
    page.wait_for_selector("svg.map", state="visible")
    # Every number once, and no marker covering another (programs at one site share one: "2,3").
    labels = page.locator("svg.map .pin .num").all_text_contents()
    cards = page.locator(".result-list > li").count()
    assert sorted(int(n) for label in labels for n in label.split(",")) == list(range(1, cards + 1))
    rects = [page.locator("svg.map .pin rect").nth(i).bounding_box() for i in range(len(labels))]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
                     or a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5)
            assert apart, f"two markers overlap: {a} {b}"
    page.set_viewport_size({"width": 390, "height": 844})
    v.check(f"ct-match-map-{hhmm.replace(':', '')}")
