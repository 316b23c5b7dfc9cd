"""The API contract: a Python client generated from /api/openapi.json with openapi-python-client makes a
match, a browse and a provider update, reading typed results and a typed 422."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import httpx
import pytest

from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es
GENERATOR = ROOT / ".venv" / "bin" / "openapi-python-client"


@pytest.fixture
def lead_client(app, tmp_path, monkeypatch):
    """The generated package, imported from a fresh folder."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(app.test_client().get("/api/openapi.json").get_json()))
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\nproject_name_override: lead_client\npackage_name_override: lead_client\n")
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(spec), "--config", str(config), "--meta", "none",
                          "--output-path", str(tmp_path / "lead_client"), "--fail-on-warning"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "lead_client" or m.startswith("lead_client.")]:
        del sys.modules[name]
    return importlib.import_module("lead_client")


def authenticated(lead_client, app, token):
    return lead_client.AuthenticatedClient(base_url="http://lead.test", token=token,
                                           httpx_args={"transport": httpx.WSGITransport(app=app)})


def test_every_operation_is_named_and_every_success_and_error_is_declared(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    ids = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            ids.append(op["operationId"])
            for status, response in op["responses"].items():
                if status.startswith("2"):
                    assert response["content"]["application/json"]["schema"], (method, path, status)
                elif status != "default":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    assert len(ids) == len(set(ids))
    problem = spec["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)


def test_a_generated_client_matches_browses_and_updates(lead_client, app, store, accounts):
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    _, case_token = accounts.create("contract-cm", "case_manager")
    _, provider_token = accounts.create("contract-provider", "provider", organizations=["org-0001"])
    from lead_client.api.listings import get_listing
    from lead_client.api.matching import browse, match_participant
    from lead_client.api.provider import put_capacity
    from lead_client.models import Capacity, Listing, MatchRequest, MatchResponse, Problem
    from lead_client.models import BrowseResponse

    cm = authenticated(lead_client, app, case_token)
    matched = match_participant.sync(client=cm, body=MatchRequest.from_dict(
        {"location": {"zip": "06106"}, "needs": ["detox"], "age": 34, "insurance": ["medicaid"]}))
    assert isinstance(matched, MatchResponse) and matched.results
    first = matched.results[0]
    assert first.listing_id and first.reasons and isinstance(first.distance.miles, float)

    browsed = browse.sync(client=cm, need=["shelter"], near="Hartford", page_size=5)
    assert isinstance(browsed, BrowseResponse) and browsed.total >= 1 and len(browsed.results) <= 5
    assert browsed.facets.capacity.unknown >= 0

    invalid = match_participant.sync_detailed(client=cm, body=MatchRequest.from_dict(
        {"location": {"zip": "06106"}, "needs": ["detox"], "age": 150}))
    assert invalid.status_code == 422 and isinstance(invalid.parsed, Problem)
    assert invalid.parsed.errors[0].field == "age"

    from lead_client.api.hsds import get_fully_nested_service_by_id, get_paginated_list_of_services
    from lead_client.models import HsdsService, HsdsServicePage

    services = get_paginated_list_of_services.sync(client=cm, search="shelter", per_page=3, full=True)
    assert isinstance(services, HsdsServicePage) and services.total_items >= 1
    assert services.contents[0].service_at_locations[0].location.location_type == "physical"
    one = get_fully_nested_service_by_id.sync(services.contents[0].id, client=cm)
    assert isinstance(one, HsdsService) and one.attributes and one.organization.name

    provider = authenticated(lead_client, app, provider_token)
    read = get_listing.sync_detailed("seed-00001", client=provider)
    assert isinstance(read.parsed, Listing)
    etag = read.headers["ETag"]
    updated = put_capacity.sync_detailed("seed-00001", client=provider, if_match=etag,
                                         body=Capacity.from_dict({"available": 2, "maximum": 93}))
    assert updated.status_code == 200 and isinstance(updated.parsed, Listing)
    assert updated.parsed.capacity.available == 2 and updated.parsed.capacity.text.startswith("2 beds open")
    stale = put_capacity.sync_detailed("seed-00001", client=provider, if_match=etag,
                                       body=Capacity.from_dict({"available": 1, "maximum": 93}))
    assert stale.status_code == 412 and isinstance(stale.parsed, Problem)
    assert stale.parsed.current_etag == updated.headers["ETag"].strip('"').split(":")[0]
