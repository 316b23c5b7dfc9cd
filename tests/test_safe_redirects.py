"""Every `next` the pages follow (the language switch, sign-in) goes to a path on this site and nowhere else,
whatever tricks the value plays: tabs and newlines that browsers strip, backslashes they read as slashes,
encoded slashes, schemes, CR/LF that would split the header (never a 500)."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

from api.app import create_app
from api.pages.common import safe_next
from directory.store import Store

pytestmark = pytest.mark.es
SITE = "https://lead.example/lang/es"
PASSWORD = "a long enough password"

# Raw query-string values (sent as typed, so %-escapes reach the app decoded once, as a browser would send them).
BYPASSES = [
    "/%09/evil.example/phish", "/%0A/evil.example", "/%0D/evil.example", "%09//evil.example", "/%0d%0aSet-Cookie:%20x=1",
    "//evil.example", "///evil.example", "////evil.example", "/%2F/evil.example", "/%2f%2fevil.example",
    "/%252F/evil.example", "/%5Cevil.example", "/%5C/evil.example", "%5C%5Cevil.example", "/\\evil.example",
    "\\/evil.example", "/%09%5C/evil.example", "https://evil.example", "HTTPS://evil.example/x", "http:evil.example",
    "http:/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "%20javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "%20//evil.example", "/%00/evil.example", "/%7F/evil.example",
    "evil.example", "//evil.example@lead.example", "/%E3%80%80/evil.example",
]


def browser_target(location: str) -> str:
    """Where a browser goes for this Location: it drops tabs and newlines, reads backslashes as slashes and
    resolves the rest against the page's address (the netloc is what matters)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin(SITE, cleaned)).netloc


def assert_stays_home(location: str) -> None:
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert not re.search(r"[\x00-\x20\x7f\\]", location), location
    assert browser_target(location) == "lead.example", location


@pytest.fixture(scope="module")
def site(es, base_settings):
    settings = base_settings.with_(index_prefix=f"{base_settings.index_prefix}-redirects")
    store = Store(es, settings)
    store.ensure_indices()
    app = create_app(settings, es=es)
    app.config["TESTING"] = True
    app.extensions["lead"].accounts.create("redirect-user", "officer", password=PASSWORD)
    yield app
    store.drop_everything()


@pytest.mark.parametrize("raw", BYPASSES)
def test_the_language_switch_never_leaves_the_site(site, raw):
    resp = site.test_client().get(f"/lang/es?next={raw}")
    assert resp.status_code == 302, (raw, resp.status_code)
    assert_stays_home(resp.headers["Location"])


def test_signing_in_never_sends_the_person_off_the_site(site):
    for raw in BYPASSES:
        c = site.test_client()
        page = c.get(f"/login?next={raw}")
        assert page.status_code == 200, raw
        html = page.get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        kept = re.search(r'name="next" value="([^"]*)"', html)
        if kept:  # the form carries back only what is safe
            assert_stays_home(unescape(kept.group(1)))
        # A forged form with the raw value (CSRF aside) is refused the same way.
        resp = c.post("/login", data={"csrf_token": csrf, "username": "redirect-user", "password": PASSWORD,
                                      "next": unquote(raw)})
        assert resp.status_code == 302, (raw, resp.status_code)
        assert_stays_home(resp.headers["Location"])


def test_paths_on_the_site_are_kept_with_their_query():
    assert safe_next("/nearby?need=detox&lat=41.76", "/") == "/nearby?need=detox&lat=41.76"
    assert safe_next("/referrals/ab12", "/") == "/referrals/ab12"
    assert safe_next("/provider/listings/seed-00001/edit", "/") == "/provider/listings/seed-00001/edit"
    # Non-ASCII is sent percent-encoded, exactly as checked.
    assert safe_next("/búsqueda", "/") == "/" + quote("búsqueda")
    for bad in ("", None, "nearby", "//x", "/\\x", "/\tx", "https://x", "/" + "a" * 3000):
        assert safe_next(bad, "/home") == "/home"
