"""Webhooks cannot be turned against the directory's own network: the engine, loopback, private and
link-local addresses are refused when the URL is set and again when each delivery is sent (to the address
that was checked, so DNS rebinding cannot move it), a receiver's redirect is not followed, the log does not
tell open ports from closed ones, production takes https only, and a delivery goes only to the URL it was
queued for."""
from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from directory import webhook_targets
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT
from tests.test_webhooks import Receiver, bearer, wait_for

pytestmark = pytest.mark.es
LISTING, ORG = "seed-00023", "org-0012"
PUBLIC = "93.184.215.14"  # a global address: nothing is ever sent to it here (its lookups are faked)


@pytest.fixture(scope="module")
def module_settings(base_settings):
    return base_settings.with_(index_prefix=f"{base_settings.index_prefix}-hooks")


@pytest.fixture(scope="module")
def seeded(es, module_settings):
    store = Store(es, module_settings)
    store.ensure_indices()
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    yield store
    store.drop_everything()


@pytest.fixture
def settings(module_settings, seeded):
    """Every test of the module works on the one seeded directory; each sets the webhook it needs."""
    return module_settings


def make_app(es, settings, **changes):
    app = create_app(settings.with_(webhook_retry_seconds=60, webhook_max_attempts=1, **changes), es=es)
    return app, bearer(app, "admin"), bearer(app, "case_manager")


def refer(cm):
    sent = cm.post("/api/v1/referrals", json={"listing_ids": [LISTING], "participant_ref": "HOOK-7781",
                                              "needs": ["outpatient"], "consents": [{"organization_id": ORG}]})
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()["referrals"][0]["id"]


def deliveries(app, admin, referral_ids):
    """The delivery log's entries for these referrals, newest first."""
    app.extensions["lead"].webhooks.wait_idle(20)
    return [d for d in admin.get(f"/api/v1/webhooks/deliveries?organization_id={ORG}").get_json()["deliveries"]
            if d["referral_id"] in referral_ids]


def force_url(app, url):
    """Put a URL in the webhook settings as if it had passed the check when set (its name resolved to a
    public address then): what each sending must still refuse."""
    rt = app.extensions["lead"]
    rt.webhooks.es.update(index=rt.webhooks.config_index, id=ORG, doc={"url": url}, refresh=True)


def engine_port(settings) -> int:
    return urlsplit(settings.es_nodes[0]).port or 9200


def test_the_engine_loopback_private_and_link_local_are_refused_when_set(es, settings, seeded):
    app, admin, _ = make_app(es, settings)
    proof = f"{settings.index_prefix}-ssrf-proof"
    for url in (f"http://127.0.0.1:{engine_port(settings)}/{proof}/_doc?refresh=true", "http://localhost:8080/x",
                "http://[::1]/x", "http://10.0.0.5/x", "http://192.168.1.1/x", "http://169.254.169.254/latest/meta-data",
                "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x", "http://user:pw@receiver.example/x"):
        resp = admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": url})
        assert resp.status_code == 422, (url, resp.status_code)
        assert resp.get_json()["errors"][0]["field"] == "url"
    assert not es.indices.exists(index=proof)


def test_each_sending_checks_the_address_it_connects_to(es, settings, seeded, monkeypatch):
    """The name resolved to a public address when set; at sending it resolves to the engine, to loopback, or
    to a public and a private address: nothing is sent, and the engine never sees the request."""
    app, admin, cm = make_app(es, settings)
    answers = {"hooks.example": [PUBLIC]}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", fake)
    proof = f"{settings.index_prefix}-ssrf-rebind"
    assert admin.put(f"/api/v1/organizations/{ORG}/webhook",
                     json={"url": f"http://hooks.example:{engine_port(settings)}/{proof}/_doc?refresh=true"}
                     ).status_code == 200
    rids = []
    for now in (["127.0.0.1"], [PUBLIC, "10.1.2.3"], ["169.254.169.254"]):
        answers["hooks.example"] = now
        rids.append(refer(cm))
        app.extensions["lead"].webhooks.wait_idle(20)
    logged = deliveries(app, admin, rids)
    assert len(logged) == 3 and all(d["status"] == "failed" for d in logged)
    assert all(d["last_error"].startswith("not sent:") and d["last_status"] is None for d in logged), logged
    assert not es.indices.exists(index=proof)
    # The engine's own address is refused even inside a network the operator allowed.
    app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.0/8")
    force_url(app, f"http://127.0.0.1:{engine_port(settings)}/{proof}/_doc?refresh=true")
    rid = refer(cm)
    assert "search engine" in deliveries(app, admin, [rid])[0]["last_error"]
    assert not es.indices.exists(index=proof)


def test_a_delivery_goes_to_the_checked_address_under_its_own_name(es, settings, seeded, monkeypatch):
    receiver = Receiver([])
    try:
        app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.1/32")
        lookups = []
        real = socket.getaddrinfo

        def fake(host, port, *args, **kwargs):
            if host == "receiver.lead.test":
                lookups.append(host)
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", fake)
        port = receiver.server.server_port
        assert admin.put(f"/api/v1/organizations/{ORG}/webhook",
                         json={"url": f"http://receiver.lead.test:{port}/hook"}).status_code == 200
        lookups.clear()
        rid = refer(cm)
        assert deliveries(app, admin, [rid])[0]["status"] == "delivered"
        headers, _body, _t = receiver.received[0]
        assert headers["Host"] == f"receiver.lead.test:{port}"
        assert lookups == ["receiver.lead.test"]  # resolved once, by the check, and connected to that address
    finally:
        receiver.close()


def test_a_redirect_is_not_followed(es, settings, seeded):
    elsewhere, redirecting = Receiver([]), Receiver([])
    try:
        app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.1/32")
        _serve_redirect(redirecting, elsewhere.url)
        assert admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": redirecting.url}).status_code == 200
        (logged,) = deliveries(app, admin, [refer(cm)])
        assert logged["status"] == "failed" and logged["last_status"] == 302
        assert "redirect" in logged["last_error"]
        time.sleep(0.3)
        assert len(redirecting.received) == 1 and elsewhere.received == []
    finally:
        elsewhere.close()
        redirecting.close()


def _serve_redirect(receiver: Receiver, to: str) -> None:
    """Make the receiver answer with a Location header (the test receiver sends none by itself)."""
    handler = receiver.server.RequestHandlerClass

    def do_post(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        receiver.received.append((self.headers, body, time.monotonic()))
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    handler.do_POST = do_post


def test_the_log_does_not_tell_open_ports_from_closed_ones(es, settings, seeded):
    """A closed port, a port that accepts and hangs up, and one that accepts and says nothing, all read the
    same in the delivery log."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    hangup, silent = socket.socket(), socket.socket()
    for s in (hangup, silent):
        s.bind(("127.0.0.1", 0))
        s.listen(5)
    stop = threading.Event()

    def hang_up():
        hangup.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = hangup.accept()
                conn.close()
            except OSError:
                continue

    worker = threading.Thread(target=hang_up, daemon=True)
    worker.start()
    try:
        errors = []
        for port in (closed_port, hangup.getsockname()[1], silent.getsockname()[1]):
            app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.1/32", webhook_timeout=1.0)
            assert admin.put(f"/api/v1/organizations/{ORG}/webhook",
                             json={"url": f"http://127.0.0.1:{port}/hook"}).status_code == 200
            logged = deliveries(app, admin, [refer(cm)])
            errors.append((logged[0]["last_status"], logged[0]["last_error"]))
        assert len(set(errors)) == 1, errors
        assert errors[0] == (None, webhook_targets.NO_ANSWER)
    finally:
        stop.set()
        worker.join(2)
        hangup.close()
        silent.close()


def test_production_takes_https_only_and_a_delivery_goes_only_where_it_was_queued_for(es, settings, seeded):
    app, admin, cm = make_app(es, settings, env="production", secret_key="k" * 40,
                              webhook_allowed_networks="127.0.0.1/32")
    resp = admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": "http://receiver.example/hook"})
    assert resp.status_code == 422 and "https" in resp.get_json()["detail"]
    # An http URL that got into the settings some other way is refused at sending too.
    assert admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": "https://receiver.invalid/a"}
                     ).status_code == 200
    force_url(app, "http://127.0.0.1:9/hook")
    logged = deliveries(app, admin, [refer(cm)])[0]
    assert logged["status"] == "failed" and "https" in logged["last_error"]
    # Queued for one URL, the webhook then set to another: the delivery is not sent to the new one.
    receiver = Receiver([])
    try:
        app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.1/32")
        assert admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": "http://127.0.0.1:9/old"}
                         ).status_code == 200
        webhooks = app.extensions["lead"].webhooks
        webhooks.kick = lambda: None  # queue without sending, to change the URL in between
        rid = refer(cm)
        assert admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": receiver.url}).status_code == 200
        webhooks.deliver_due()
        (logged,) = deliveries(app, admin, [rid])
        assert logged["url"] == "http://127.0.0.1:9/old" and logged["status"] == "failed"
        assert "changed" in logged["last_error"] and receiver.received == []
    finally:
        receiver.close()


def test_the_payload_is_still_signed_and_sent(es, settings, seeded):
    receiver = Receiver([])
    try:
        app, admin, cm = make_app(es, settings, webhook_allowed_networks="127.0.0.1/32")
        made = admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": receiver.url}).get_json()
        rid = refer(cm)
        (logged,) = deliveries(app, admin, [rid])
        assert logged["status"] == "delivered" and logged["url"] == receiver.url
        headers, body, _ = wait_for(lambda: receiver.received)[0]
        assert json.loads(body)["referral"]["id"] == rid
        from directory.webhooks import SIGNATURE_HEADER, verify
        assert verify(made["secret"], body, headers[SIGNATURE_HEADER])
    finally:
        receiver.close()


def test_the_rules_themselves(settings):
    import ipaddress

    s = settings.with_(webhook_allowed_networks="10.20.0.0/16")
    ok = [("8.8.8.8", 443)]
    refused = [("127.0.0.1", 80), ("10.0.0.1", 80), ("172.16.0.1", 80), ("192.168.0.1", 80), ("169.254.169.254", 80),
               ("100.64.0.1", 80), ("0.0.0.0", 80), ("224.0.0.1", 80), ("::1", 80), ("fe80::1", 80), ("fc00::1", 80),
               ("::ffff:10.0.0.1", 80)]
    for address, port in ok + [("10.20.3.4", 80)]:
        webhook_targets.check_address(ipaddress.ip_address(address), port, s, engine=set())
    for address, port in refused:
        with pytest.raises(webhook_targets.TargetRefused):
            webhook_targets.check_address(ipaddress.ip_address(address), port, s, engine=set())
    with pytest.raises(webhook_targets.TargetRefused):
        webhook_targets.check_address(ipaddress.ip_address("10.20.3.4"), 9200, s,
                                      engine={(ipaddress.ip_address("10.20.3.4"), 9200)})
    for url in ("ftp://x.example/", "https:///nohost", "https://u:p@x.example/", "javascript:alert(1)"):
        with pytest.raises(webhook_targets.TargetRefused):
            webhook_targets.parse(url, s)
    with pytest.raises(webhook_targets.TargetRefused):
        webhook_targets.parse("http://x.example/", s.with_(env="production"))
    assert webhook_targets.parse("https://x.example/h?a=1", s).path == "/h?a=1"
