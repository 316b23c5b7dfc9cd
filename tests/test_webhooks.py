"""Outgoing webhooks against a tiny HTTP server started here: each referral event is POSTed, signed with the
organisation's secret, retried with backoff after a failure, logged, and visible to administrators."""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.app import create_app
from directory.store import Store
from directory.webhooks import SIGNATURE_HEADER, verify
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es
LISTING, ORG = "seed-00023", "org-0012"


class Receiver:
    """A local endpoint that answers with the next status in ``answers`` (then 200), keeping what came."""

    def __init__(self, answers: list[int]):
        self.answers, self.received = list(answers), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((self.headers, body, time.monotonic()))  # case-insensitive
                status = outer.answers.pop(0) if outer.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/lead-hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def site(es, settings):
    store = Store(es, settings)
    store.ensure_indices()
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    # The receiver below listens on loopback, which webhooks may reach only when the operator allows it.
    app = create_app(settings.with_(webhook_retry_seconds=0.3, webhook_max_attempts=3,
                                    webhook_allowed_networks="127.0.0.1/32"), es=es)
    yield app
    app.extensions["lead"].webhooks.wait_idle(30)
    store.drop_everything()


def bearer(app, role, organizations=()):
    _, token = app.extensions["lead"].accounts.create(f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}", role,
                                                      organizations=list(organizations))
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def wait_for(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_events_are_signed_retried_with_backoff_and_logged(site):
    receiver = Receiver([500])
    try:
        admin, cm, provider = bearer(site, "admin"), bearer(site, "case_manager"), bearer(site, "provider", (ORG,))
        made = admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": receiver.url})
        assert made.status_code == 200
        secret = made.get_json()["secret"]
        assert secret.startswith("whsec_") and made.get_json()["fingerprint"]
        assert secret not in json.dumps(admin.get("/api/v1/webhooks").get_json())  # shown once, never again
        sent = cm.post("/api/v1/referrals", json={"listing_ids": [LISTING], "participant_ref": "HOOK-2231",
                                                  "needs": ["outpatient"], "note": "hook-note-marker",
                                                  "consents": [{"organization_id": ORG}]})
        assert sent.status_code == 201
        rid = sent.get_json()["referrals"][0]["id"]
        # The first attempt gets a 500; the retry, after the backoff, a 200.
        delivered = wait_for(lambda: [d for d in admin.get("/api/v1/webhooks/deliveries").get_json()["deliveries"]
                                      if d["status"] == "delivered"])
        assert delivered[0]["attempts"] == 2 and delivered[0]["last_status"] == 200
        assert delivered[0]["event"] == "referral.sent" and delivered[0]["referral_id"] == rid
        (first_headers, first_body, t1), (headers, body, t2) = receiver.received[:2]
        assert t2 - t1 >= 0.25  # waited for the backoff
        assert first_body == body and first_headers["X-LEAD-Delivery"] == headers["X-LEAD-Delivery"]
        assert headers[SIGNATURE_HEADER].startswith("sha256=") and verify(secret, body, headers[SIGNATURE_HEADER])
        assert not verify(secret, body + b" ", headers[SIGNATURE_HEADER])
        payload = json.loads(body)
        assert payload["event"] == "referral.sent" and payload["referral"]["id"] == rid
        assert "HOOK-2231" not in body.decode() and "hook-note-marker" not in body.decode()  # no participant data
        # A status change is an event too: the provider's view and accept each send one, in order.
        assert provider.post(f"/api/v1/referrals/{rid}/status", json={"status": "accepted"}).status_code == 200
        events = wait_for(lambda: [json.loads(b)["event"] for _h, b, _t in receiver.received][2:] if
                          len(receiver.received) >= 3 else None)
        assert events == ["referral.accepted"]
        # A receiver that keeps failing: retried up to the limit, then failed, and logged as such.
        receiver.answers = [503, 503, 503]
        provider.post(f"/api/v1/referrals/{rid}/status", json={"status": "no_show"})
        failed = wait_for(lambda: [d for d in admin.get("/api/v1/webhooks/deliveries?status=failed").get_json()
                                   ["deliveries"]])
        assert failed[0]["attempts"] == 3 and failed[0]["last_status"] == 503 and failed[0]["last_error"] == "HTTP 503"
        # Other roles see none of this; removing the webhook stops the events.
        assert cm.get("/api/v1/webhooks/deliveries").status_code == 403
        assert admin.delete(f"/api/v1/organizations/{ORG}/webhook").status_code == 200
        assert admin.delete(f"/api/v1/organizations/{ORG}/webhook").status_code == 404
        assert admin.put("/api/v1/organizations/org-none/webhook", json={"url": receiver.url}).status_code == 404
        assert admin.put(f"/api/v1/organizations/{ORG}/webhook", json={"url": "ftp://x"}).status_code == 422
    finally:
        site.extensions["lead"].webhooks.wait_idle(30)
        receiver.close()
