"""Participant data never reaches a log: not the app's loggers, not what the process writes to its
standard output or error, and not a production server's error log (gunicorn keeps a worker's stdout and
stderr there with --capture-output)."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

from tests.conftest import ROOT, seeded_app

pytestmark = pytest.mark.es

# Words a participant profile, a referral or a search carries, each written once and found nowhere else.
MARKERS = {"street": "Zanzibarstrasse", "query": "quokka-profile-marker", "ref": "CASE-QUOKKA-77",
           "note": "likes-ocelots-note", "status_note": "withdrawn-wombat-note"}
PROFILE = {"location": {"text": f"12 {MARKERS['street']} Street, Hartford 06106"}, "needs": ["detox"], "age": 37,
           "moud": "methadone", "offences": ["arson"], "query": MARKERS["query"]}


def _exercise(call) -> None:  # noqa: ANN001 - call(method, path, json=...) -> response with status_code, json()
    """Everything a participant's data passes through: a match, a referral sent with a note, a status change
    with a note, and the provider's and referrer's views of it."""
    assert call("POST", "/api/v1/match", "cm", json=PROFILE).status_code in (200, 422)
    sent = call("POST", "/api/v1/referrals", "cm", json={
        "listing_ids": ["seed-00001"], "participant_ref": MARKERS["ref"], "needs": ["shelter"],
        "note": MARKERS["note"], "urgency": "today", "consents": [{"organization_id": "org-0001",
                                                                "share": ["participant_ref", "needs", "note"]}]})
    assert sent.status_code == 201, sent.json()
    referral = sent.json()["referrals"][0]["id"]
    assert call("GET", f"/api/v1/referrals/{referral}", "provider").status_code == 200
    moved = call("POST", f"/api/v1/referrals/{referral}/status", "cm",
                 json={"status": "withdrawn", "note": MARKERS["status_note"]})
    assert moved.status_code == 200, moved.json()
    assert call("GET", f"/api/v1/referrals/{referral}", "cm").status_code == 200


def _assert_clean(text: str, where: str) -> None:
    leaked = [name for name, marker in MARKERS.items() if marker in text]
    assert not leaked, f"participant data ({', '.join(leaked)}) found in {where}"


def test_nothing_of_a_participant_in_logs_stdout_or_stderr(es, base_settings, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    with seeded_app(es, base_settings, "privacy") as app:
        accounts = app.extensions["lead"].accounts
        tokens = {"cm": accounts.create(f"cm-{uuid.uuid4().hex[:6]}", "case_manager")[1],
                  "provider": accounts.create(f"pr-{uuid.uuid4().hex[:6]}", "provider", organizations=["org-0001"])[1]}
        client = app.test_client()

        class Answer:
            def __init__(self, resp):  # noqa: ANN001 - a Flask test response
                self.status_code, self.json = resp.status_code, resp.get_json

        def call(method, path, who, json=None):  # noqa: ANN001
            return Answer(client.open(path, method=method, json=json,
                                      headers={"Authorization": f"Bearer {tokens[who]}"}))

        _exercise(call)
    out, err = capfd.readouterr()
    assert caplog.records  # the engine client did log its requests: the capture works
    _assert_clean("\n".join(r.getMessage() for r in caplog.records), "the app's logs")
    _assert_clean(out, "standard output")
    _assert_clean(err, "standard error")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_of_a_participant_in_a_production_servers_error_log(es, base_settings, tmp_path):
    with seeded_app(es, base_settings, "privacy-gunicorn") as app:
        accounts = app.extensions["lead"].accounts
        tokens = {"cm": accounts.create(f"cm-{uuid.uuid4().hex[:6]}", "case_manager")[1],
                  "provider": accounts.create(f"pr-{uuid.uuid4().hex[:6]}", "provider", organizations=["org-0001"])[1]}
        port, error_log = _free_port(), tmp_path / "error.log"
        env = {**os.environ, "LEAD_INDEX_PREFIX": app.extensions["lead"].settings.index_prefix,
               "LEAD_ES_URL": base_settings.es_url, "LEAD_ENV": "production", "LEAD_SECRET_KEY": uuid.uuid4().hex * 2}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
             "--log-level", "debug", "--capture-output", "--error-logfile", str(error_log), "api.app:create_app()"],
            cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):
                try:
                    if requests.get(f"{base}/healthz", timeout=5).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.5)
            else:
                pytest.fail(f"gunicorn did not start: {error_log.read_text()}")

            def call(method, path, who, json=None):  # noqa: ANN001
                return requests.request(method, base + path, json=json, timeout=10,
                                        headers={"Authorization": f"Bearer {tokens[who]}"})

            _exercise(call)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    log = error_log.read_text()
    assert "Booting worker" in log  # gunicorn did write its error log
    _assert_clean(log, "gunicorn's error log")
