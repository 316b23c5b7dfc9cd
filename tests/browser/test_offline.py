"""The officer's page without signal, in Chromium's offline mode at phone size, in English and Spanish: the
service worker keeps 'Nearby now' with its 24/7 lines and the last results, a saved copy says how old it
is ("saved 40 minutes ago, beds may have changed"), a diversion written offline is sent when the signal is
back and recorded exactly once (also when it is sent again), and the page weighs under 150 KB."""
from __future__ import annotations

import json
import re
import time
import uuid
import pytest

from api.usecases import diversions as cases
from directory.accounts import User
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.es, pytest.mark.browser]
RESULTS = "/nearby?need=shelter&near=06120"
CACHE = "lead-officer-v1"
BUDGET = 150 * 1024


def _saved(page, path: str) -> bool:
    return page.evaluate("([name, path]) => caches.open(name).then(c => c.match(path)).then(r => !!r)", [CACHE, path])


def _wait_saved(page, path: str, seconds: float = 10.0) -> None:
    """The service worker keeps a page after answering it: wait until the copy is in its cache."""
    end = time.monotonic() + seconds
    while not _saved(page, path):
        assert time.monotonic() < end, f"{path} was not kept by the service worker"
        time.sleep(0.1)


@pytest.mark.parametrize("lang", ("en", "es"))
def test_nearby_without_signal_and_a_diversion_sent_once_when_it_is_back(visit, live, lang):
    base, app, _users = live
    name = f"officer-{uuid.uuid4().hex[:6]}"
    app.extensions["lead"].accounts.create(name, "officer", program="hartford", password=PASSWORD)
    officer = visit(lang)
    officer.sign_in(name)
    page, context = officer.page, officer.context

    # Page weight: the results page and everything it loads, uncompressed (the wire carries less, gzipped).
    html = page.request.get(f"{base}{RESULTS}").text()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html) + ["/sw.js"]
    weight = len(html.encode()) + sum(len(page.request.get(f"{base}{a}").body()) for a in set(assets))
    assert weight < BUDGET, f"the officer's results page weighs {weight} bytes"

    page.goto(f"{base}/nearby")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=15000)
    for path in ("/nearby", RESULTS, "/diversions/new"):
        page.goto(f"{base}{path}")
        _wait_saved(page, path)
    assert _saved(page, "/nearby?last-results")

    # The saved copy of the results was made 40 minutes ago (its stamp is moved back, as time would).
    page.evaluate("""async ([name, path]) => {
      const cache = await caches.open(name);
      const html = await (await cache.match(path)).text();
      const then = new Date(Date.now() - 40 * 60000).toISOString();
      await cache.put(path, new Response(html.replace(/data-saved-at="[^"]+"/, `data-saved-at="${then}"`),
                                         {headers: {"Content-Type": "text/html; charset=utf-8"}}));
    }""", [CACHE, RESULTS])
    context.set_offline(True)
    page.goto(f"{base}{RESULTS}")
    banner = page.locator("#saved-banner")
    banner.wait_for(state="visible")
    words = "40 minutos" if lang == "es" else "40 minutes ago"
    assert words in banner.inner_text()
    assert ("las camas pueden haber cambiado" if lang == "es" else "beds may have changed") in banner.inner_text()
    assert page.locator("#results .result").count() >= 1
    officer.check("offline-results")
    page.goto(f"{base}/nearby?need=detox&near=06120")  # never fetched: the last results, with their age
    assert page.locator("#saved-banner").is_visible() and page.locator("#results .result").count() >= 1
    page.goto(f"{base}/nearby")
    assert page.locator("#lines .line").count() >= 1  # the 24/7 lines, without signal
    officer.check("offline-nearby")

    ref = f"HPD-OFF{uuid.uuid4().hex[:5].upper()}"
    page.goto(f"{base}/diversions/new")
    page.check("input[name=type][value=social_contact]")
    page.fill("#participant_ref", ref)
    page.fill("#town", "Hartford")
    page.check("input[name=needs][value=shelter]")
    page.locator("form#diversion button.primary").click()
    page.locator("#queue-note").wait_for(state="visible")
    queued = json.loads(page.evaluate("() => localStorage.getItem('lead-diversions-waiting')"))
    assert [q["participant_ref"] for q in queued] == [ref]
    assert page.locator("#queue-status").is_visible()
    officer.check("offline-diversion-kept")
    mine = lambda: [d for d in cases.mine(app.extensions["lead"], User(name, "officer", program="hartford"))  # noqa: E731
                    if d["participant_ref"] == ref]
    assert mine() == []

    context.set_offline(False)
    page.wait_for_function("() => localStorage.getItem('lead-diversions-waiting') === null", timeout=15000)
    page.locator("#queue-sent").wait_for(state="visible")
    assert len(mine()) == 1
    # Sent again (another tab, a retry after a lost answer): still one diversion.
    page.evaluate("items => localStorage.setItem('lead-diversions-waiting', JSON.stringify(items))", queued)
    page.goto(f"{base}/diversions")
    page.wait_for_function("() => localStorage.getItem('lead-diversions-waiting') === null", timeout=15000)
    assert len(mine()) == 1
    assert page.locator(f"article.diversion:has-text('{ref}')").count() == 1
