"""Browser tests: Debian's Chromium (never a downloaded browser) driven by Playwright for Python,
against a real server in a thread over a seeded test index on the real engine.

Every page a flow visits is checked for console errors and for axe-core violations of serious or
critical impact, and photographed at 390x844 and 1366x900 into .cache/screenshots/ (git-ignored).
These tests never skip: without the browser they fail and say how to install it.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT, SHARED, seeded_app

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections are refused here and it slows down.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / ".cache" / "screenshots"
SIZES = ((390, 844), (1366, 900))
PASSWORD = "browser test password"
HARTFORD = {"latitude": 41.7637, "longitude": -72.6851}


class SearchClock:
    """The search clock of a test server: the real time until a test sets a local wall-clock time.

    ``set("01:30")`` puts the clock at 01:30 America/New_York on a weeknight (Tuesday 8 December 2026,
    standard time); ``set(None)`` gives the real time back."""

    NIGHT = (2026, 12, 8)

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(timezone.utc)

    def set(self, hhmm: str | None, day: tuple[int, int, int] = NIGHT) -> None:
        if hhmm is None:
            self.at = None
            return
        hour, minute = (int(x) for x in hhmm.split(":"))
        self.at = datetime(*day, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(timezone.utc)


def _serve(app):
    users = {}
    for role, orgs in (("admin", []), ("case_manager", []), ("officer", []), ("provider", ["org-0001"])):
        name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
        app.extensions["lead"].accounts.create(name, role, organizations=orgs, password=PASSWORD)
        users[role] = name
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, users


@pytest.fixture(scope="session")
def live(es, base_settings):
    """A seeded directory served by a real HTTP server on a free port; yields (base_url, app, accounts)."""
    with seeded_app(es, base_settings, "browser", testing=False) as app:
        server, thread, users = _serve(app)
        yield f"http://127.0.0.1:{server.server_port}", app, users
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def ct_live(es, base_settings):
    """The seed plus the Connecticut federal facility lists (../shared/data/facilities/ct) served like
    ``live``, with a search clock a test can set: yields (base_url, app, accounts, clock)."""
    ct_lists = SHARED / "facilities" / "ct"
    assert ct_lists.is_dir(), f"the Connecticut lists are missing: {ct_lists}"
    with seeded_app(es, base_settings, "browser-ct", testing=False, sources=(f"federal:{ct_lists}",)) as app:
        clock = SearchClock()
        app.extensions["lead"].search.clock = clock
        server, thread, users = _serve(app)
        yield f"http://127.0.0.1:{server.server_port}", app, users, clock
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM}: run `make browser` (scripts/browser.sh, which "
                    "runs apt-get install chromium) or `make test`, which does it first.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, temporary user-data-dir.
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def transfer_report():
    """First-load transfer sizes of the main pages, written next to the screenshots at the end."""
    sizes: dict[str, dict] = {}
    yield sizes
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "transfer-sizes.json").write_text(json.dumps(sizes, indent=2, sort_keys=True) + "\n")


class Visit:
    """One person's browser: a context with their location allowed, console errors collected, and
    ``check(name)`` for axe and screenshots of the page it is on."""

    def __init__(self, browser, base: str, lang: str, *, located: bool = True):
        self.base, self.lang = base, lang
        # ``located=False``: the person has not allowed the page to know where they are.
        self.context = browser.new_context(viewport={"width": 390, "height": 844}, geolocation=HARTFORD,
                                           permissions=["geolocation"] if located else [], locale="en-US")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{self.page.url}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))

    def sign_in(self, username: str) -> None:
        page = self.page
        page.goto(f"{self.base}/login")
        if self.lang == "es":
            page.get_by_role("link", name="Español").click()
            page.wait_for_selector('html[lang="es"]')
        page.get_by_label("Usuario" if self.lang == "es" else "Username").fill(username)
        page.get_by_label("Contraseña" if self.lang == "es" else "Password").fill(PASSWORD)
        page.locator("form button.primary").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.url

    def check(self, name: str) -> None:
        """No serious or critical axe violations and no console errors; screenshots at both sizes."""
        from axe_playwright_python.sync_playwright import Axe

        page = self.page
        assert page.locator("html").get_attribute("lang") == self.lang
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            results = Axe().run(page)
            bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                   for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
            assert not bad, f"{name} [{self.lang} {width}px]: " + "; ".join(bad)
            page.screenshot(path=str(SHOTS / f"{name}-{self.lang}-{width}x{height}.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        assert not self.errors, self.errors

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


@pytest.fixture
def visit(browser, live):
    opened: list[Visit] = []

    def make(lang: str) -> Visit:
        v = Visit(browser, live[0], lang)
        opened.append(v)
        return v
    yield make
    for v in opened:
        v.close()


@pytest.fixture
def ct_visit(browser, ct_live):
    """``visit`` over the seed plus the CT lists (``ct_live``): ``ct_visit(lang, located=True)``."""
    opened: list[Visit] = []

    def make(lang: str, located: bool = True) -> Visit:
        v = Visit(browser, ct_live[0], lang, located=located)
        opened.append(v)
        return v
    yield make
    for v in opened:
        v.close()


@pytest.fixture
def at(ct_live):
    """The CT server's search clock for one test: ``at("01:30")``; the real time again afterwards."""
    clock = ct_live[3]
    yield clock.set
    clock.set(None)
