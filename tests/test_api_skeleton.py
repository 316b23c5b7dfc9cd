"""The API skeleton against the real engine: health, readiness, OpenAPI, problem+json errors."""
import socket

import pytest

from api.app import create_app
from directory.es import make_client
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_503_until_the_directory_is_loaded(client, store):
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.mimetype == "application/problem+json"
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["listings"] >= 200


def test_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/services/{listing_id}" in spec["paths"]


def test_listing_and_404_as_problem_json(client, store):
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    resp = client.get("/api/v1/services/seed-00001")
    assert resp.status_code == 200 and resp.headers["ETag"]
    body = resp.get_json()
    assert body["id"] == "seed-00001" and "record" not in body and body["sample"] is True
    missing = client.get("/api/v1/services/nope")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["status"] == 404
    assert client.get("/no/such/path").mimetype == "application/problem+json"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_engine_unavailable_is_503_with_retry_after(settings):
    down = settings.with_(es_url=f"http://127.0.0.1:{_closed_port()}", es_timeout=1.0)
    app = create_app(down, es=make_client(down))
    token = {"Authorization": "Bearer lead.ZGVtby1vZmZpY2Vy.abcd1234.secret"}  # checking it needs the engine
    resp = app.test_client().get("/api/v1/services/seed-00001", headers=token)
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert resp.mimetype == "application/problem+json"
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503


def test_production_refuses_to_start_without_a_secret_key(settings):
    with pytest.raises(RuntimeError, match="LEAD_SECRET_KEY is not set"):
        create_app(settings.with_(env="production", secret_key=""))
    dev = create_app(settings.with_(secret_key=""))  # development: a random key, never a known one
    assert dev.config["SECRET_KEY"] and dev.config["SECRET_KEY"] != create_app(settings.with_(secret_key="")).config["SECRET_KEY"]
