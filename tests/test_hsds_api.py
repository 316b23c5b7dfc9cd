"""The HSDS 3.0 read API under /hsds/: responses validate against the official compiled schemas, say the
same as directory.hsds, search and page as the HSDS OpenAPI says, and are public only when configured."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.app import create_app
from directory import hsds, hsds_terms
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import FIXTURES, ROOT, SHARED

pytestmark = pytest.mark.es
SCHEMAS = SHARED / "hsds3-schema"


def validator(name: str, pointer: tuple[str, ...] = ()) -> jsonschema.Draft202012Validator:
    """A validator for an official schema (or a part of one), with the per-object schemas as its references."""
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT202012))
                 for p in SCHEMAS.glob("*.json")]
    schema = json.loads((SCHEMAS / name).read_text())
    for key in pointer:
        schema = schema[key]
    return jsonschema.Draft202012Validator(schema, registry=Registry().with_resources(resources),
                                           format_checker=jsonschema.FormatChecker())


SERVICE = validator("compiled/service.json")
ORGANIZATION = validator("compiled/organization.json")
SERVICE_AT_LOCATION = validator("compiled/service.json", ("properties", "service_at_locations", "items"))
TAXONOMY = validator("taxonomy.json")
TERM = validator("taxonomy_term.json")
PAGE = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "openapi.json").read_text())["components"]["schemas"]["Page"])


def valid(v: jsonschema.Draft202012Validator, obj: dict) -> dict:
    errors = sorted(v.iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, [(list(e.path), e.message) for e in errors[:5]]
    return obj


@pytest.fixture
def loaded(store):
    pipeline.run([f"seed:{ROOT / 'seed_data'}", f"hsds3-csv:{FIXTURES / 'no_sal_table'}"], store, Geocoder(),
                 samples=True)
    return store


@pytest.fixture
def public_app(es, settings, store):
    app = create_app(settings.with_(public_directory=True), es=es)
    app.config["TESTING"] = True
    return app


def hsds_routes(app) -> list[str]:
    return sorted(re.sub(r"<(?:string:)?\w+>", "x", r.rule) for r in app.url_map.iter_rules()
                  if r.rule.startswith("/hsds"))


# ----- access ---------------------------------------------------------------------------------------
def test_with_the_directory_not_public_every_hsds_read_needs_a_reader_token(app, anonymous, client_as, loaded):
    routes = hsds_routes(app)
    assert len(routes) == 12  # the spec's 11 and our profile
    for path in routes:
        assert anonymous.get(path).status_code == 401, path
        assert client_as("provider", ("org-0001",)).get(path).status_code == 403, path
        assert client_as("officer").get(path).status_code in (200, 404), path
        assert "Access-Control-Allow-Origin" not in anonymous.get(path).headers
    assert client_as("officer").get("/hsds/services").headers["Cache-Control"] == "no-store"


def test_with_the_directory_public_hsds_reads_need_no_token_and_nothing_else_opens(public_app, loaded):
    anonymous = public_app.test_client()
    for path in hsds_routes(public_app):
        resp = anonymous.get(path)
        assert resp.status_code in (200, 404), path
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    resp = anonymous.get("/hsds/services")
    assert resp.headers["Cache-Control"] == "public, max-age=60" and resp.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    again = anonymous.get("/hsds/services", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    assert anonymous.post("/hsds/services", json={}).status_code == 405
    for private in ("/api/v1/services/seed-00001/capacity/history", "/api/v1/audit", "/api/v1/users",
                    "/api/v1/services", "/api/v1/me"):
        assert anonymous.get(private).status_code == 401, private


def test_public_reads_are_rate_limited_per_client_across_every_endpoint(es, settings, loaded):
    # A day's window (windows are calendar-aligned): none ends in the middle of the test.
    app = create_app(settings.with_(public_directory=True, public_rate_limit="3 per day"), es=es)
    c = app.test_client()
    # One budget for the client, whichever endpoints it spends it on: going round to another one does not help.
    answers = [c.get(path) for path in ("/hsds/taxonomies", "/hsds/services", "/hsds/taxonomy_terms")]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all("Retry-After" not in r.headers for r in answers)  # only a 429 (or a 503) says when to come back
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
    preflight = c.options("/hsds/services", headers={"Origin": "https://portal.example",
                                                      "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204  # a preflight costs nothing
    limited = c.get("/hsds/organizations")
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Access-Control-Allow-Origin"] == "*"  # a browser page can read why
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert other.get("/hsds/taxonomies").status_code == 200


def test_a_cors_preflight_is_answered_with_what_a_browser_may_send(public_app, loaded):
    c = public_app.test_client()
    resp = c.options("/hsds/services?page=1", headers={"Origin": "https://211.example",
                                                       "Access-Control-Request-Method": "GET",
                                                       "Access-Control-Request-Headers": "accept-language"})
    assert resp.status_code == 204 and resp.get_data() == b""
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert "Accept-Language" in resp.headers["Access-Control-Allow-Headers"]
    assert int(resp.headers["Access-Control-Max-Age"]) > 0
    got = c.get("/hsds/services", headers={"Origin": "https://211.example"})
    assert "ETag" in got.headers["Access-Control-Expose-Headers"] and "Retry-After" not in got.headers


# ----- the objects -----------------------------------------------------------------------------------
def test_a_service_is_fully_nested_and_validates(client, loaded):
    record = next(r for r in loaded.listings.records() if r["id"] == "seed-00001")
    service_id = hsds.ids(record)["service_id"]
    got = valid(SERVICE, client.get(f"/hsds/services/{service_id}").get_json())
    assert got == hsds.service_full(record)  # the schema dropped nothing
    assert got["organization"]["name"] == record["organization"]["name"]
    (sal,) = got["service_at_locations"]
    assert sal["location"]["addresses"][0]["address_1"] == record["address"]["address_1"]
    assert sal["schedules"] and got["phones"] and got["languages"]
    codes = {a["taxonomy_term"]["code"] for a in got["attributes"]}
    assert set(record["needs"]) <= codes and "listing_id" in codes
    assert client.get("/hsds/services/00000000-0000-4000-8000-000000000000").status_code == 404


def test_capacity_is_hsds_3_1_service_capacity(client, loaded):
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    loaded.edit("seed-00002", {"capacity": {"available": 4, "maximum": 20, "unit": "beds", "updated_at": now,
                                            "updated_by": "p"}}, actor="p")
    record = next(r for r in loaded.listings.records() if r["id"] == "seed-00002")
    got = valid(SERVICE, client.get(f"/hsds/services/{hsds.ids(record)['service_id']}").get_json())
    (capacity,) = got["capacities"]
    assert (capacity["available"], capacity["maximum"], capacity["unit"]["name"], capacity["updated"]) == \
        (4, 20, "beds", now)


def test_a_service_with_no_site_has_no_service_at_locations(client, loaded):
    record = next(r for r in loaded.listings.records() if r["id"] == "hsds3-csv:svc-line")
    got = valid(SERVICE, client.get(f"/hsds/services/{hsds.ids(record)['service_id']}").get_json())
    assert got["service_at_locations"] == [] and got["schedules"][0]["byday"] == "MO,TU,WE,TH,FR,SA,SU"


def test_services_search_filter_and_page_as_the_spec_says(client, loaded):
    first = valid(PAGE, client.get("/hsds/services?per_page=5").get_json())
    assert first["size"] == 5 and first["first_page"] and not first["last_page"]
    assert first["total_items"] == loaded.listings.count() and first["total_pages"] == -(-loaded.listings.count() // 5)
    for item in first["contents"]:
        valid(SERVICE, item)
    last = client.get(f"/hsds/services?per_page=5&page={first['total_pages']}").get_json()
    assert last["last_page"] and not last["first_page"]
    full = client.get("/hsds/services?per_page=2&full=true").get_json()["contents"]
    assert all("service_at_locations" in s and "attributes" in s for s in full)
    detox = client.get("/hsds/services?search=detox&per_page=50").get_json()
    assert detox["total_items"] >= 1
    parent = hsds_terms.term_id(hsds_terms.NEEDS, "substance_use")
    leaf = hsds_terms.term_id(hsds_terms.NEEDS, "substance_use.withdrawal_management")
    by_parent = client.get(f"/hsds/services?taxonomy_term_id={parent}").get_json()["total_items"]
    by_leaf = client.get(f"/hsds/services?taxonomy_term_id={leaf}").get_json()["total_items"]
    assert by_parent > by_leaf > 0
    assert client.get("/hsds/services?taxonomy_term_id=not-a-term").get_json()["empty"] is True
    assert client.get("/hsds/services?colour=red").status_code == 422


def test_organizations_and_service_at_locations_validate(client, loaded):
    page = valid(PAGE, client.get("/hsds/organizations?per_page=3").get_json())
    assert page["size"] == 3
    for org in page["contents"]:
        valid(ORGANIZATION, org)
    org_id = page["contents"][0]["id"]
    one = valid(ORGANIZATION, client.get(f"/hsds/organizations/{org_id}?full_service=true").get_json())
    assert one["services"] and all("service_at_locations" in s for s in one["services"])
    services = client.get(f"/hsds/services?organization_id={org_id}").get_json()
    assert services["total_items"] == len(one["services"])
    named = client.get("/hsds/organizations?search=Riverside").get_json()
    assert [o["name"] for o in named["contents"]] == ["Riverside Health"]
    sals = valid(PAGE, client.get("/hsds/service_at_locations?per_page=4&full=true").get_json())
    for sal in sals["contents"]:
        valid(SERVICE_AT_LOCATION, sal)
    assert sals["total_items"] == loaded.listings.count() - 2  # the two services with no site have none
    one_sal = valid(SERVICE_AT_LOCATION, client.get(f"/hsds/service_at_locations/{sals['contents'][0]['id']}").get_json())
    assert one_sal["location"]["location_type"] == "physical"


def test_taxonomies_and_terms_validate_and_describe_our_extensions(client, loaded):
    taxonomies = client.get("/hsds/taxonomies").get_json()["contents"]
    assert [t["name"] for t in taxonomies] == ["lead-needs", "lead-eligibility", "lead-directory"]
    for t in taxonomies:
        valid(TAXONOMY, t)
        assert client.get(f"/hsds/taxonomies/{t['id']}").get_json() == t
    eligibility = next(t for t in taxonomies if t["name"] == "lead-eligibility")
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={eligibility['id']}&per_page=200").get_json()["contents"]
    assert {t["code"] for t in terms} >= {"genders", "insurance", "moud_accepted", "veterans_only"}
    for term in client.get("/hsds/taxonomy_terms?per_page=200").get_json()["contents"]:
        valid(TERM, term)
    parent = hsds_terms.term_id(hsds_terms.NEEDS, "substance_use")
    children = client.get(f"/hsds/taxonomy_terms?parent_id={parent}").get_json()["contents"]
    assert "substance_use.withdrawal_management" in {t["code"] for t in children}
    meta = client.get("/hsds/").get_json()
    assert meta["version"] == "3.0" and meta["openapi_url"].endswith("/api/openapi.json")
