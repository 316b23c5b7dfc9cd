"""Throttles and lock-outs behind the HTTPS proxy production runs behind, and with several workers:

- with ``LEAD_TRUSTED_PROXIES`` set, each client is known by the address the proxy saw (not the proxy's),
  so one client's failures lock nobody else out and one client's flood throttles nobody else; without it,
  ``X-Forwarded-For`` is ignored (a client cannot pick a new address per attempt);
- a browser that has signed in to an account before keeps its own count for it, so even someone behind
  the same address (a shared office network) cannot lock the account's owner out on that device;
- the counts live in the engine, so two app instances (two workers) share them: a limit of N is N in all.
"""
from __future__ import annotations

import re

import pytest

from api.app import create_app

pytestmark = pytest.mark.es
PASSWORD = "a long enough password"
PROXY = "127.0.0.1"
ATTACKER, VICTIM = "203.0.113.9", "198.51.100.7"


def login(c, username, password, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = c.get("/login", headers=headers).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return c.post("/login", data={"csrf_token": csrf, "username": username, "password": password}, headers=headers)


def behind_proxy(app):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = PROXY
    return c


@pytest.fixture
def proxied(es, settings, store):
    # Windows are calendar-aligned (directory/indices/counters.py): a day's window, so a run of logins never
    # straddles a window's end (with "per minute" one did, and its ninth login was let through).
    app = create_app(settings.with_(trusted_proxies=1, login_rate_limit="8 per day"), es=es)
    app.extensions["lead"].accounts.create("victim", "case_manager", password=PASSWORD)
    return app


def test_behind_the_proxy_one_client_cannot_lock_out_another(proxied):
    attacker = behind_proxy(proxied)
    assert [login(attacker, "victim", f"guess {i}", ATTACKER).status_code for i in range(6)] == [401] * 5 + [429]
    victim = behind_proxy(proxied)
    assert login(victim, "victim", PASSWORD, VICTIM).status_code == 302
    # The attacker's own claim of another address is not believed: the proxy appends the one it saw.
    spoofing = behind_proxy(proxied)
    assert login(spoofing, "victim", PASSWORD, f"{VICTIM}, {ATTACKER}").status_code == 429


def test_behind_the_proxy_one_clients_flood_throttles_only_itself(proxied):
    flood = behind_proxy(proxied)
    statuses = [login(flood, f"nobody-{i}", "x" * 12, ATTACKER).status_code for i in range(9)]
    assert statuses[-1] == 429 and statuses.count(401) == 8
    assert login(behind_proxy(proxied), "victim", PASSWORD, VICTIM).status_code == 302


def test_without_trusted_proxies_the_forwarded_address_is_ignored(es, settings, store):
    app = create_app(settings.with_(login_rate_limit="8 per day"), es=es)
    app.extensions["lead"].accounts.create("victim", "case_manager", password=PASSWORD)
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ATTACKER
    statuses = [login(c, "victim", f"guess {i}", f"10.0.0.{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]  # a new X-Forwarded-For per attempt changed nothing


def test_a_device_that_signed_in_before_keeps_its_own_count(es, settings, store):
    """No proxy header to tell people apart (one office address): the owner's browser, which signed in to
    the account before, is not locked out by someone else's failures from the same address."""
    app = create_app(settings.with_(login_rate_limit="8 per day"), es=es)
    app.extensions["lead"].accounts.create("victim", "case_manager", password=PASSWORD)
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    assert login(owner, "victim", PASSWORD).status_code == 302
    owner.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                          owner.get("/match").get_data(as_text=True)).group(1)})
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    assert [login(colleague, "victim", f"guess {i}").status_code for i in range(6)] == [401] * 5 + [429]
    assert [login(colleague, f"nobody-{i}", "x" * 12).status_code for i in range(3)][-1] == 429  # throttled
    assert login(owner, "victim", PASSWORD).status_code == 302  # neither locked nor throttled on its device
    # A made-up device cookie is worth nothing.
    forger = app.test_client()
    forger.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    forger.set_cookie("lead_device", "eyJpZCI6ImZvcmdlZCJ9.forged", path="/login")
    assert login(forger, "victim", PASSWORD).status_code == 429


def test_limits_are_shared_by_every_worker(es, settings, store):
    """Two app instances on the same indices (two gunicorn workers): a limit counts the requests of both."""
    shared = settings.with_(public_directory=True, public_rate_limit="6 per day", login_rate_limit="4 per day")
    one, two = create_app(shared, es=es), create_app(shared, es=es)
    one.extensions["lead"].accounts.create("victim", "case_manager", password=PASSWORD)
    clients = [one.test_client(), two.test_client()]
    for c in clients:
        c.environ_base["REMOTE_ADDR"] = ATTACKER
    public = [clients[i % 2].get("/hsds/taxonomies").status_code for i in range(8)]
    assert public == [200] * 6 + [429] * 2, public
    signins = [login(clients[i % 2], f"nobody-{i}", "x" * 12).status_code for i in range(5)]
    assert signins == [401] * 4 + [429], signins
    # A lock-out is one record for every worker too.
    others = [one.test_client(), two.test_client()]
    for c in others:
        c.environ_base["REMOTE_ADDR"] = VICTIM
    assert [login(others[i % 2], "victim", f"guess {i}").status_code for i in range(4)] == [401] * 4


def test_concurrent_hits_from_two_instances_are_each_counted_once(es, settings, store):
    """Sixty hits from twelve threads over two storages (two workers): the counts answered are exactly 1..60."""
    from concurrent.futures import ThreadPoolExecutor

    from directory.indices.counters import EngineCounters

    clock = [1_800_000_000.0]
    storages = [EngineCounters(es=es, index=store.catalogue.name("counters"), ensure=store.ensure_indices,
                               clock=lambda: clock[0]) for _ in range(2)]
    key = "LIMITER/signin/address:203.0.113.9/10/1/minute"
    with ThreadPoolExecutor(12) as pool:
        counts = list(pool.map(lambda i: storages[i % 2].incr(key, 60), range(60)))
    assert sorted(counts) == list(range(1, 61))
    fresh = EngineCounters(es=es, index=store.catalogue.name("counters"), ensure=store.ensure_indices, clock=lambda: clock[0])
    assert fresh.get(key) == 60 and fresh.get_expiry(key) == 1_800_000_060.0  # the window ends on the minute
    clock[0] += 60  # the next minute: a new window
    assert fresh.get(key) == 0 and storages[0].incr(key, 60) == 1
