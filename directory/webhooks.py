"""Outgoing webhooks: each referral event is POSTed to the provider organisation's URL, if an
administrator set one, signed, retried with exponential backoff, and logged.

- ``<prefix>-webhooks``: one document per organisation: URL and a *salt*. The signing secret is
  ``HMAC(LEAD_SECRET_KEY, organisation + salt)``, shown once when set, never stored: the index holds
  nothing that signs. (Changing ``LEAD_SECRET_KEY`` therefore changes every secret; set them again.)
- ``<prefix>-webhook-deliveries``: the delivery queue and its log, one document per event and
  organisation: the URL it goes to (the webhook's when the event was queued: if the webhook's URL changes
  before it is sent, it is not sent), status (pending, delivered, failed), attempts, the last answer or
  error, when next. Where a webhook may go, and how it is sent, is ``directory.webhook_targets``.

A body is JSON that names the event and the referral (ids, status, listing, times), taken from the
provider's view of it (``directory.disclosure``), and carries no participant data: the receiver reads
the referral through the API with its own token, which shows what the participant consented to share. Header ``X-LEAD-Signature: sha256=<hex HMAC-SHA256 of the
body>`` with the organisation's secret; ``X-LEAD-Delivery`` (the delivery id, the same on retries)
and ``X-LEAD-Event``.

Deliveries are claimed with a compare-and-swap lease before sending, so several processes (gunicorn
workers, ``lead webhooks deliver`` from cron) never send one twice at once. In a process, a small
daemon thread sends what is due and stops when nothing is pending; a new event starts it again.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from datetime import datetime, timedelta, timezone

from elasticsearch import Elasticsearch

from directory import disclosure, webhook_targets
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.webhooks import (DeliveryIndex, WebhookIndex, due_body, finished_before_query, log_body,
                                        next_due_body)
from directory.settings import Settings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-LEAD-Signature"
STATUSES = ("pending", "delivered", "failed")
# What a payload says of the referral (all of it in the provider's view, directory.disclosure.PROVIDER_FIELDS).
PAYLOAD_FIELDS = ("id", "listing_id", "listing_name", "organization_id", "status", "created_at", "updated_at")

def _now() -> datetime:
    return datetime.now(timezone.utc)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for this body: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


class Webhooks:
    """Webhook settings per organisation, the delivery queue, and the sender."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es, self.settings = es, settings
        catalogue = Catalogue(es, settings)
        self.targets, self.queue = WebhookIndex(es, catalogue), DeliveryIndex(es, catalogue)
        self.config_index, self.deliveries_index = self.targets.index, self.queue.index
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()

    # ----- settings -------------------------------------------------------------------------------
    def _secret(self, organization_id: str, salt: str) -> str:
        digest = hmac.new(self.settings.secret_key.encode(), f"webhook:{organization_id}:{salt}".encode(),
                          hashlib.sha256).hexdigest()
        return f"whsec_{digest}"

    def configure(self, organization_id: str, url: str, *, by: str) -> dict:
        """Set (or replace) an organisation's webhook with a new secret; returns it with the secret,
        which is shown this once. Raises ``webhook_targets.TargetRefused`` for a URL webhooks may not use
        (it is checked again at every sending)."""
        webhook_targets.check_when_set(url, self.settings)
        salt = secrets.token_hex(16)
        secret = self._secret(organization_id, salt)
        doc = {"organization_id": organization_id, "url": url, "salt": salt, "set_by": by, "set_at": _now().isoformat(),
               "fingerprint": hashlib.sha256(secret.encode()).hexdigest()[:12]}
        self.targets.put(organization_id, doc)
        return {**self.public(doc), "secret": secret}

    def remove(self, organization_id: str) -> bool:
        return self.targets.delete(organization_id)

    def get(self, organization_id: str) -> dict | None:
        return self.targets.get(organization_id)

    def configured(self) -> list[dict]:
        """Every organisation's webhook (no secrets)."""
        return [self.public(doc) for doc in self.targets.all()]

    @staticmethod
    def public(doc: dict) -> dict:
        return {k: doc.get(k) for k in ("organization_id", "url", "fingerprint", "set_by", "set_at")}

    # ----- the queue ------------------------------------------------------------------------------
    def enqueue(self, referral: dict, event: dict) -> str | None:
        """Queue this referral event for its provider organisation's webhook (if it has one) and make sure
        a sender runs; returns the delivery id."""
        config = self.get(referral["organization_id"])
        if not config:
            return None
        now = _now().isoformat()
        delivery_id = secrets.token_hex(10)
        name = f"referral.{event['status']}"
        # The receiver is the provider: it gets the provider's view (directory.disclosure), and of that only
        # what names the event; participant data it reads through the API, as its consent allows.
        shown = disclosure.disclose(referral, frozenset({disclosure.PROVIDER}), _now())
        seen = next((e for e in shown["events"] if e["n"] == event["n"]), {})
        body = json.dumps({
            "delivery_id": delivery_id, "event": name, "at": event["at"], "actor_side": event["side"],
            "referral": {k: shown.get(k) for k in PAYLOAD_FIELDS},
            "reason": seen.get("reason"), "href": f"/api/v1/referrals/{referral['id']}",
        }, separators=(",", ":"), sort_keys=True)
        self.queue.add({
            "id": delivery_id, "organization_id": referral["organization_id"], "event": name,
            "referral_id": referral["id"], "url": config["url"], "body": body, "status": "pending", "attempts": 0,
            "created_at": now, "next_attempt_at": now, "last_attempt_at": None, "lease_until": None,
            "last_status": None, "last_error": None, "delivered_at": None})
        self.kick()
        return delivery_id

    def enqueue_event(self, target: str, name: str, subject_id: str, payload: dict) -> str | None:
        """Queue an event that is not a referral's (a diversion escalated) for ``target``'s webhook, set like
        an organisation's (``program:<name>`` for a LEAD program's receiver). ``payload`` must carry no
        participant data. The subject's id is kept where a referral's would be. Returns the delivery id."""
        config = self.get(target)
        if not config:
            return None
        now = _now().isoformat()
        delivery_id = secrets.token_hex(10)
        body = json.dumps({"delivery_id": delivery_id, "event": name, "at": now, **payload},
                          separators=(",", ":"), sort_keys=True)
        self.queue.add({
            "id": delivery_id, "organization_id": target, "event": name, "referral_id": subject_id,
            "url": config["url"], "body": body, "status": "pending", "attempts": 0, "created_at": now,
            "next_attempt_at": now, "last_attempt_at": None, "lease_until": None, "last_status": None,
            "last_error": None, "delivered_at": None})
        self.kick()
        return delivery_id

    def deliveries(self, *, organization_id: str | None = None, status: str | None = None,
                   size: int = 100) -> list[dict]:
        """The delivery log, newest first (bodies left out)."""
        hits = self.queue.search(log_body(organization_id=organization_id, status=status, size=size))
        return [h["_source"] for h in hits or []]

    def deliver_due(self, now: datetime | None = None, size: int = 20) -> int:
        """Send every pending delivery that is due and not leased by another sender; returns how many
        were attempted."""
        now = now or _now()
        hits = self.queue.search(due_body(now.isoformat(), size), fresh=True)
        if hits is None:
            return 0
        attempted = 0
        for hit in hits:
            doc = hit["_source"]
            lease = now + timedelta(seconds=self.settings.webhook_timeout + 10)
            try:  # claim it: only one sender wins
                claimed = self.queue.save({**doc, "lease_until": lease.isoformat()},
                                          {"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]})
            except StaleWrite:
                continue
            attempted += 1
            self._attempt(doc, claimed)
        return attempted

    def _attempt(self, doc: dict, seq: dict) -> None:
        config = self.get(doc["organization_id"])
        now = _now()
        doc = {**doc, "attempts": doc["attempts"] + 1, "last_attempt_at": now.isoformat(), "lease_until": None}
        if not config:
            doc.update(status="failed", last_error="the organisation's webhook was removed")
        elif config["url"] != doc["url"]:
            # Sent only where it was queued for: a URL changed since (by mistake, or by someone who should not
            # have) never receives what was queued for the old one. The receiver catches up through the API.
            doc.update(status="failed", last_error="the organisation's webhook URL changed after this event was "
                                                   "queued; not sent")
        else:
            body = doc["body"].encode()
            status, error = webhook_targets.post(doc["url"], body, {
                "Content-Type": "application/json", "User-Agent": "lead-directory-webhooks",
                "X-LEAD-Event": doc["event"], "X-LEAD-Delivery": doc["id"],
                SIGNATURE_HEADER: sign(self._secret(doc["organization_id"], config["salt"]), body)}, self.settings)
            doc.update(last_status=status, last_error=error)
            if doc["last_status"] and 200 <= doc["last_status"] < 300:
                doc.update(status="delivered", delivered_at=now.isoformat())
            elif doc["attempts"] >= self.settings.webhook_max_attempts:
                doc["status"] = "failed"
            else:
                wait = self.settings.webhook_retry_seconds * 2 ** (doc["attempts"] - 1)
                doc["next_attempt_at"] = (now + timedelta(seconds=wait)).isoformat()
        log.info("webhook delivery %s (%s) to %s: attempt %d, %s %s", doc["id"], doc["event"], doc["organization_id"],
                 doc["attempts"], doc["status"], doc["last_status"] or doc["last_error"])
        try:
            self.queue.save(doc, seq)
        except StaleWrite:
            pass  # our lease ran out and another sender took it over: its record stands

    def _next_due(self) -> datetime | None:
        hits = self.queue.search(next_due_body())
        return datetime.fromisoformat(hits[0]["_source"]["next_attempt_at"]) if hits else None

    # ----- the sender thread ----------------------------------------------------------------------
    def kick(self) -> None:
        """Make sure this process has a sender running (it stops by itself when nothing is pending)."""
        with self._lock:
            self._wake.set()
            if self._worker and self._worker.is_alive():
                return
            self._worker = threading.Thread(target=self._run, name="lead-webhooks", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            try:
                self._wake.clear()
                self.deliver_due()
                due = self._next_due()
            except Exception:  # noqa: BLE001 - a background sender must not die noisily; the queue keeps the work
                log.warning("webhook sender stopped on an engine error; pending deliveries wait for the next event "
                            "or `lead webhooks deliver`", exc_info=True)
                return
            with self._lock:
                if due is None and not self._wake.is_set():
                    self._worker = None
                    return
            wait = 0.0 if due is None else max(0.0, (due - _now()).total_seconds())
            self._wake.wait(timeout=min(wait, 5.0))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until this process's sender has stopped (nothing pending); for the CLI and tests."""
        worker = self._worker
        if worker:
            worker.join(timeout)
        return not (self._worker and self._worker.is_alive())

    # ----- retention ------------------------------------------------------------------------------
    def purge(self, before: datetime) -> int:
        """Delete delivered and failed deliveries created before ``before``."""
        # No delete-by-query in this engine build (no reindex module): scan, then bulk deletes.
        ids = self.queue.ids(finished_before_query(before.isoformat()))
        if ids:
            self.queue.delete_many(ids)
        return len(ids or [])
