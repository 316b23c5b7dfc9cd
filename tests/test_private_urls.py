"""A participant reference never travels in a URL, places searched need not, and the access log keeps no
query string: proxies and log files end up with paths only."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from api.access_log import PrivateRequestLines
from tests.conftest import ROOT, seeded_app

pytestmark = pytest.mark.es
LISTING, ORG = "seed-00023", "org-0012"


@pytest.fixture(scope="module")
def site(es, base_settings):
    with seeded_app(es, base_settings, "urls") as app:
        rt = app.extensions["lead"]

        def bearer(role):
            _, token = rt.accounts.create(f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}", role)
            c = app.test_client()
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            return c

        yield app, bearer("case_manager"), bearer("officer")


def test_a_participant_reference_is_refused_in_a_url_and_found_through_a_body(site):
    _, cm, _ = site
    sent = cm.post("/api/v1/referrals", json={"listing_ids": [LISTING], "participant_ref": "CASE-URL-0042",
                                              "needs": ["outpatient"], "consents": [{"organization_id": ORG}]})
    assert sent.status_code == 201
    in_url = cm.get("/api/v1/referrals?participant_ref=CASE-URL-0042")
    assert in_url.status_code == 422 and in_url.mimetype == "application/problem+json"
    assert in_url.get_json()["errors"][0]["field"] == "participant_ref"
    assert "POST /api/v1/referrals/search" in in_url.get_json()["errors"][0]["message"]
    found = cm.post("/api/v1/referrals/search", json={"participant_ref": "CASE-URL-0042"})
    assert found.status_code == 200
    assert [r["participant_ref"] for r in found.get_json()["referrals"]] == ["CASE-URL-0042"]
    assert cm.post("/api/v1/referrals/search", json={"participant_ref": "x" * 41}).status_code == 422
    assert cm.post("/api/v1/referrals/search", json={"status": ["sent"]}).get_json()["referrals"]


def test_places_can_be_searched_with_a_body(site):
    _, _, officer = site
    by_url = officer.get("/api/v1/nearby?need=detox&near=Frog+Hollow").get_json()
    by_body = officer.post("/api/v1/nearby", json={"need": "detox", "near": "Frog Hollow"})
    assert by_body.status_code == 200
    assert [r["listing_id"] for r in by_body.get_json()["results"]] == [r["listing_id"] for r in by_url["results"]]
    assert officer.post("/api/v1/nearby", json={"need": "detox"}).status_code == 422
    browse_url = officer.get("/api/v1/services?near=Fair+Haven&need=shelter").get_json()
    browse_body = officer.post("/api/v1/services/search", json={"near": "Fair Haven", "need": ["shelter"]})
    assert browse_body.status_code == 200
    assert browse_body.get_json()["total"] == browse_url["total"]


def test_the_development_servers_request_log_has_no_query_strings():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", "GET /nearby?need=detox&near=12+Elm+St HTTP/1.1", "200", "-"),
                               None)
    assert PrivateRequestLines().filter(record)
    assert "Elm" not in record.getMessage() and "GET /nearby HTTP/1.1" in record.getMessage()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("log_format", [
    None,  # gunicorn's own default format
    '%(h)s %(r)s %(U)s Q=%(q)s %({raw_uri}e)s %({query_string}e)s "%(f)s" %({referer}i)s %({authorization}i)s',
])
def test_the_production_access_log_keeps_no_query_string_nor_token(es, base_settings, tmp_path, log_format):
    """gunicorn as the README runs it in production, with an access log: what it writes."""
    with seeded_app(es, base_settings, f"log{uuid.uuid4().hex[:4]}") as app:
        _, token = app.extensions["lead"].accounts.create("log-reader", "case_manager")
        port, log = _free_port(), tmp_path / "access.log"
        env = {**os.environ, "LEAD_ENV": "production", "LEAD_SECRET_KEY": "k" * 40,
               "LEAD_INDEX_PREFIX": app.extensions["lead"].settings.index_prefix, "LEAD_PUBLIC_DIRECTORY": "true"}
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                   "--logger-class", "api.access_log.PrivateAccessLogger", "--access-logfile", str(log),
                   *(["--access-logformat", log_format] if log_format else []), "api.app:create_app()"]
        errors = (tmp_path / "gunicorn.err").open("w")
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            _wait_for(port, server)
            for path in ("/api/v1/referrals?participant_ref=CASE-LOG-7731", "/api/v1/nearby?need=detox&near=12+Elm+St",
                         "/hsds/services?search=zanzibar-marker", "/lang/es?next=/nearby%3Fnear%3DElm"):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={
                    "Authorization": f"Bearer {token}", "Referer": "https://elsewhere.example/p?ref=CASE-LOG-7731"})
                try:
                    urllib.request.urlopen(request, timeout=10).read()
                except urllib.error.HTTPError:
                    pass
        finally:
            server.terminate()
            server.wait(10)
            errors.close()
        written = log.read_text()
    assert written.count("\n") >= 4, written
    for secret in ("CASE-LOG-7731", "Elm", "zanzibar", "near=", "?", token.split(".")[-1]):
        assert secret not in written, (secret, written)
    assert "/api/v1/nearby" in written and "/hsds/services" in written


def _wait_for(port: int, server: subprocess.Popen) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.returncode}: see gunicorn.err beside the log")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 30 s")

