"""Issue 17 in Chromium, English and Spanish, phone and desktop, over the seed plus the real Connecticut
lists with the search clock at 01:30 and 14:00 on a Tuesday: officer lists that begin with something
callable or open now and never show a card without a way to reach it, samples labelled at the top of
their card, sections per need, language as a requirement, a minor's caution, two questions for pregnant
and parenting, ``at``, and the admin's data-quality page. Every page is checked by axe and photographed
(``Visit.check``)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import Visit

pytestmark = [pytest.mark.es, pytest.mark.browser]
LANGS = ("en", "es")
PLACES = {"parkmain": "Park St & Main St, Hartford", "fairhaven": "Fair Haven"}
NEEDS = ("detox", "shelter", "crisis", "naloxone")
SAMPLE = {"en": "Sample listing: not a real program", "es": "Programa de ejemplo: no es real"}
OPEN = {"en": ("Open now", "Open 24/7"), "es": ("Abierto ahora", "Abierto 24/7")}


@pytest.fixture
def ct_visit(browser, ct_live):
    opened: list[Visit] = []

    def make(lang: str, role: str) -> Visit:
        v = Visit(browser, ct_live[0], lang)
        opened.append(v)
        v.sign_in(ct_live[2][role])
        return v
    yield make
    ct_live[3].set(None)
    for v in opened:
        v.close()


def first_thing(page) -> tuple[str, object]:
    """What the results begin with: the 'what can be done now' block or the first card."""
    section = page.locator("#results")
    first = section.locator("section.now, article.result").first
    kind = "now" if first.evaluate("e => e.matches('section.now')") else "card"
    return kind, first


def assert_every_card_can_be_acted_on(page, where: str) -> None:
    cards = page.locator("#results article.result")
    assert cards.count() >= 1, where
    for i in range(cards.count()):
        card = cards.nth(i)
        name = card.locator("h3").inner_text()
        assert card.locator("a.call[href^='tel:']").count() == 1, f"{where}: no way to call {name!r}"
        if card.locator(".no-phone").count():  # no number at all: says so and offers 2-1-1
            assert card.locator("a.call[href='tel:211']").count() == 1, f"{where}: {name!r}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("place", sorted(PLACES))
def test_at_0130_every_officer_list_begins_with_something_callable_or_open_now(ct_visit, ct_live, lang, place):
    ct_live[3].set("01:30")
    v = ct_visit(lang, "officer")
    page = v.page
    for need in NEEDS:
        page.goto(f"{ct_live[0]}/nearby?" + urlencode({"need": need, "near": PLACES[place]}))
        where = f"{need} near {PLACES[place]} ({lang})"
        kind, first = first_thing(page)
        if kind == "now":  # nothing real is open: the 24/7 lines, with a call button, come first
            assert first.locator(".lines a.call[href^='tel:']").count() >= 1, where
        else:
            assert first.locator(".sample-banner").count() == 0, f"{where}: a sample heads the list"
            badge = first.locator(".badges .badge").first.inner_text()
            assert badge in OPEN[lang], f"{where}: the first card is not open now ({badge!r})"
        assert_every_card_can_be_acted_on(page, where)
        v.check(f"ready-0130-{place}-{need}")


@pytest.mark.parametrize("lang", LANGS)
def test_at_1400_the_lists_still_begin_with_something_callable_or_open(ct_visit, ct_live, lang):
    ct_live[3].set("14:00")
    v = ct_visit(lang, "officer")
    page = v.page
    for need in NEEDS:
        page.goto(f"{ct_live[0]}/nearby?" + urlencode({"need": need, "near": PLACES["parkmain"]}))
        kind, first = first_thing(page)
        if kind == "card":
            assert first.locator(".sample-banner").count() == 0
            assert first.locator(".badges .badge").first.inner_text() in OPEN[lang] or \
                first.locator("a.call").count() == 1
        assert_every_card_can_be_acted_on(page, f"{need} at 14:00 ({lang})")
    v.check("ready-1400-parkmain-naloxone")


@pytest.mark.parametrize("lang", LANGS)
def test_detox_lists_withdrawal_management_and_a_sample_says_so_at_the_top(ct_visit, ct_live, lang):
    ct_live[3].set("01:30")
    v = ct_visit(lang, "officer")
    page = v.page
    page.goto(f"{ct_live[0]}/nearby?" + urlencode({"need": "detox", "near": PLACES["parkmain"]}))
    names = page.locator("#results article.result h3").all_inner_texts()
    assert not [n for n in names if re.search(r"(?i)opioid treatment program|methadone|metadona", n)], names
    samples = page.locator("#results article.result.is-sample")
    assert samples.count() >= 1
    banner = samples.first.locator(":scope > *").first  # the first thing on the card
    assert banner.inner_text() == SAMPLE[lang]
    real = page.locator("#results ol.result-list article.result:not(.is-sample)")
    # Real listings come first; one above a nearer sample says why.
    order = page.locator("#results ol.result-list article.result").evaluate_all(
        "cards => cards.map(c => c.classList.contains('is-sample'))")
    assert order == sorted(order)
    assert real.first.locator(".order-why").count() == 1
    v.check("detox-night-officer")


@pytest.mark.parametrize("lang", LANGS)
def test_the_officer_can_require_a_language_and_ask_about_another_time(ct_visit, ct_live, lang):
    ct_live[3].set("01:30")
    v = ct_visit(lang, "officer")
    page = v.page
    page.goto(f"{ct_live[0]}/nearby")
    page.fill("#near", PLACES["fairhaven"])
    page.locator("details.nearby-options summary").click()
    page.select_option("#language", "es")
    page.fill("#at", "2026-12-08T14:00")
    page.get_by_role("button", name={"en": "Methadone", "es": "Metadona"}[lang], exact=True).click()
    page.wait_for_selector("#results")
    assert "language=es" in page.url and "at=2026-12-08T14" in page.url
    assert page.locator("#results .hint").first.inner_text().endswith(("14:00",))
    langs = page.locator("#results article.result dd").all_inner_texts()
    cards = page.locator("#results article.result")
    for i in range(cards.count()):
        facts = cards.nth(i).locator("dl.facts").inner_text()
        assert re.search(r"Spanish|español|Español", facts), facts
    assert langs
    v.check("nearby-language-at")


def run_match(page, base: str, needs: list[str], near: str, *, age: str | None = None, must_speak: bool = False,
              pregnant: str | None = None):
    page.goto(f"{base}/match")
    for code in needs:
        page.check(f"input[name=needs][value='{code}']")
    page.fill("#near", near)
    page.locator("details.facts-box summary").click()
    if age:
        page.fill("#f-age", age)
    if must_speak:
        page.check("input[name=languages][value=es]")
        page.check("input[name=must_speak]")
    if pregnant:
        page.check(f"fieldset#field-pregnant input[value={pregnant}]")
    page.locator("form#profile button.primary").click()
    page.wait_for_selector("#results")


@pytest.mark.parametrize("lang", LANGS)
def test_two_needs_give_one_section_each_and_one_ranked_list_on_request(ct_visit, ct_live, lang):
    ct_live[3].set("14:00")
    v = ct_visit(lang, "case_manager")
    page = v.page
    run_match(page, ct_live[0], ["substance_use.outpatient", "housing"], "Frog Hollow")
    titles = page.locator("#results h3.section-title").all_inner_texts()
    assert titles == ({"en": ["Housing", "Outpatient treatment"], "es": ["Vivienda", "Tratamiento ambulatorio"]}[lang])
    housing, outpatient = page.locator("#results section.need-section").all()
    assert housing.locator("article.result").count() >= 1 and outpatient.locator("article.result").count() >= 1
    # Real programs first in each section; the text for the participant is grouped the same way.
    summary = page.input_value("#summary-text")
    assert summary.index(titles[0].upper()) < summary.index(titles[1].upper())
    v.check("match-sections")
    page.locator("button[name=layout][value=list]").click()
    page.wait_for_selector("#results")
    assert page.locator("#results h3.section-title").count() == 0 and page.locator("#results article.result").count() >= 2
    v.check("match-one-list")


@pytest.mark.parametrize("lang", LANGS)
def test_must_speak_spanish_and_a_minor_and_pregnant_are_asked_precisely(ct_visit, ct_live, lang):
    ct_live[3].set("01:30")
    v = ct_visit(lang, "case_manager")
    page = v.page
    page.goto(f"{ct_live[0]}/match")
    page.locator("details.facts-box summary").click()
    assert page.locator("fieldset#field-pregnant").count() == 1 and page.locator("fieldset#field-parenting").count() == 1
    assert page.locator("fieldset#field-pregnant_or_parenting").count() == 0
    run_match(page, ct_live[0], ["mental_health.outpatient"], "Fair Haven", must_speak=True)
    cards = page.locator("#results article.result")
    assert cards.count() >= 1
    for i in range(cards.count()):
        assert re.search(r"Spanish|Español|español", cards.nth(i).locator("dl.facts").inner_text())
    v.check("match-must-speak")
    run_match(page, ct_live[0], ["mental_health.outpatient"], "Frog Hollow", age="16")
    cautions = " ".join(page.locator("#results ul.cautions").all_inner_texts())
    assert {"en": "ask whether they take people under 18", "es": "pregunte si atienden a menores de 18"}[lang] in cautions
    v.check("match-minor")
    run_match(page, ct_live[0], ["substance_use.residential"], "Frog Hollow", pregnant="yes")
    assert page.locator("#results").count() == 1
    v.check("match-pregnant")


@pytest.mark.parametrize("lang", LANGS)
def test_the_case_manager_sees_what_can_be_done_now_with_at_and_no_card_without_a_number(ct_visit, ct_live, lang):
    ct_live[3].set("01:30")
    v = ct_visit(lang, "case_manager")
    page = v.page
    run_match(page, ct_live[0], ["substance_use.withdrawal_management"], "Park St & Main St, Hartford")
    kind, first = first_thing(page)
    assert kind == "now" and first.locator("a.call[href='tel:+18005634086']").count() == 1
    assert_every_card_can_be_acted_on(page, f"case manager detox ({lang})")
    v.check("match-night-detox")
    page.locator("details.facts-box summary").click()
    page.fill("#f-at", "2026-12-08T14:00")
    page.locator("form#profile button.primary").click()
    page.wait_for_selector("#results")
    assert "14:00" in page.locator("#results p.hint").first.inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_the_admin_data_quality_page(ct_visit, ct_live, lang):
    v = ct_visit(lang, "admin")
    page = v.page
    page.goto(f"{ct_live[0]}/admin/data-quality")
    rows = page.locator("table tbody tr")
    sources = rows.locator("th").all_inner_texts()
    assert {"samhsa-su", "samhsa-mh", "hospitals", "seed"} <= set(sources)
    su = rows.nth(sources.index("samhsa-su")).locator("td").all_inner_texts()
    assert int(su[0]) >= 150 and int(su[1]) + int(su[2]) <= int(su[0]) and int(su[2]) > 0
    assert page.locator("ul.plain-list li a").count() >= 10  # listings with no number, to fix
    v.check("admin-data-quality")
