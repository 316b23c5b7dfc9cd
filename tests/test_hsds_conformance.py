"""HSDS 3.0 conformance, in the normal suite: every operation and query parameter of the official HSDS 3.0
OpenAPI (../shared/data/hsds3-schema/openapi.json) is answered, and every response of every /hsds endpoint,
with every parameter, on the seed and on imported HSDS 1.x and 3.0 feeds, validates against the official
compiled schemas with formats checked (uri, date, date-time, email, uuid)."""
from __future__ import annotations

import json

import jsonschema
import pytest

from api.app import create_app
from directory import hsds_terms
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import FIXTURES, ROOT, SHARED
from tests.test_hsds_api import PAGE, validator

pytestmark = pytest.mark.es
SPEC = json.loads((SHARED / "hsds3-schema/openapi.json").read_text())
SERVICE = validator("compiled/service.json")
ORGANIZATION = validator("compiled/organization.json")
SERVICE_AT_LOCATION = validator("compiled/service.json", ("properties", "service_at_locations", "items"))
TAXONOMY = validator("taxonomy.json")
TERM = validator("taxonomy_term.json")
# ``minimal``: "just services with just 'id' and 'modified_date'" (the spec's words), in HSDS's own types.
MINIMAL = jsonschema.Draft202012Validator(
    {"type": "object", "required": ["id"], "additionalProperties": False,
     "properties": {"id": {"type": "string", "format": "uuid"}, "last_modified": {"type": "string", "format": "date-time"}}},
    format_checker=jsonschema.FormatChecker())
SAL_MINIMAL = jsonschema.Draft202012Validator(
    {"type": "object", "required": ["id"], "additionalProperties": False,
     "properties": {"id": {"type": "string", "format": "uuid"}}}, format_checker=jsonschema.FormatChecker())
META = jsonschema.Draft202012Validator(
    SPEC["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
    format_checker=jsonschema.FormatChecker())
NEED = hsds_terms.term_id(hsds_terms.NEEDS, "substance_use")
NEEDS_TAXONOMY = hsds_terms.TAXONOMY_BY_NAME[hsds_terms.NEEDS].id
ELIGIBILITY_TAXONOMY = hsds_terms.TAXONOMY_BY_NAME[hsds_terms.ELIGIBILITY].id
# The item schema of each list, and of each one-object answer.
ITEMS = {"/services": SERVICE, "/organizations": ORGANIZATION, "/service_at_locations": SERVICE_AT_LOCATION,
         "/taxonomies": TAXONOMY, "/taxonomy_terms": TERM}


def operations() -> list[tuple[str, str, list[dict]]]:
    """(path, operation id, query parameters) of every operation the HSDS 3.0 OpenAPI defines."""
    out = []
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            if method != "get":
                continue
            params = [SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                      for p in op.get("parameters", [])]
            out.append((path, op["operationId"], [p for p in params if p["in"] == "query"]))
    return out


def test_the_format_checker_really_checks_uri_date_and_date_time():
    checker = jsonschema.FormatChecker()
    for fmt, bad in (("uri", "not a uri"), ("date", "2026-13-40"), ("date-time", "yesterday"), ("uuid", "x-1")):
        assert fmt in checker.checkers, fmt  # the format-nongpl extra is installed
        assert not checker.conforms(bad, fmt), fmt


@pytest.fixture(scope="module")
def feeds(es, base_settings):
    """The seed, an HSDS 1.x feed and an HSDS 3.0 API dump, imported into one public directory."""
    import uuid

    from directory.store import Store
    settings = base_settings.with_(index_prefix=f"{base_settings.index_prefix}-conf{uuid.uuid4().hex[:4]}",
                                   public_directory=True, public_rate_limit="100000 per minute")
    store = Store(es, settings)
    store.ensure_indices()
    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}", f"hsds1-csv:{FIXTURES / 'hsds1_legal_aid'}",
                              f"hsds3-json:{FIXTURES / 'hsds3_api_folder'}",
                              f"ohana-jsonl:{FIXTURES / 'ohana_org_lines'}"], store, Geocoder(), samples=True)
    app = create_app(settings, es=es)
    app.config["TESTING"] = True
    yield app.test_client(), list(store.listings.records())
    store.drop_everything()


def sample_values(records: list[dict]) -> dict[str, list[str]]:
    from directory import hsds
    some = next(r for r in records if r["id"] == "hsds1-csv:sal-1")
    return {
        "search": ["legal", "detox"], "page": ["1", "2"], "per_page": ["3"], "format": ["json", "ndjson"],
        "taxonomy_term_id": [NEED], "taxonomy_id": [NEEDS_TAXONOMY, ELIGIBILITY_TAXONOMY],
        "organization_id": [hsds.ids(some)["organization_id"]], "modified_after": ["2020-01-01", "2020-01-01T00:00:00Z"],
        "minimal": ["true"], "full": ["true", "false"], "full_service": ["true"], "postcode": ["06103"],
        "proximity": ["5000"], "top_only": ["true"], "parent_id": [NEED],
    }


def check(v: jsonschema.Draft202012Validator, obj: dict, where: str) -> None:
    errors = sorted(v.iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, (where, [(list(e.path), e.message) for e in errors[:5]])


def check_answer(path: str, params: dict, resp) -> int:  # noqa: ANN001
    """Validate one response; returns how many objects were checked."""
    where = f"{path}?{params}"
    assert resp.status_code == 200, (where, resp.status_code, resp.get_data(as_text=True)[:300])
    item = ITEMS.get(path)
    if params.get("minimal") == "true":
        item = MINIMAL if path == "/services" else SAL_MINIMAL
    elif path == "/service_at_locations" and params.get("full") != "true":
        item = SAL_MINIMAL.__class__(  # a basic service_at_location: its ids only
            {"type": "object", "required": ["id", "service_id", "location_id"]}, format_checker=jsonschema.FormatChecker())
    if params.get("format") == "ndjson":
        assert resp.mimetype == "application/x-ndjson", where
        lines = [json.loads(line) for line in resp.get_data(as_text=True).splitlines() if line]
        for obj in lines:
            check(item, obj, where)
        return len(lines)
    body = resp.get_json()
    check(PAGE, body, where)
    for obj in body["contents"]:
        check(item, obj, where)
    return len(body["contents"]) + 1


def test_every_operation_and_parameter_of_the_hsds_openapi_is_answered_and_validates(feeds):
    client, records = feeds
    values = sample_values(records)
    checked, calls, answered = 0, 0, set()
    for path, operation, params in operations():
        if "{id}" in path:
            continue  # items: below, for every object a list gave
        for p in params:
            for value in values[p["name"]]:
                query = {p["name"]: value}
                if p["name"] == "proximity":
                    query["postcode"] = "06103"
                resp = client.get(f"/hsds{path}", query_string=query)
                assert resp.status_code != 422, (operation, p["name"], resp.get_json())
                checked += check_answer(path, query, resp)
                calls += 1
                answered.add((operation, p["name"]))
    wanted = {(op, p["name"]) for path, op, params in operations() if "{id}" not in path for p in params}
    assert answered == wanted
    assert calls >= 40 and checked > 200


def test_every_object_the_lists_give_validates_as_an_item_too(feeds):
    client, records = feeds
    check(META, client.get("/hsds/").get_json(), "/")
    profile = client.get(client.get("/hsds/").get_json()["profile"].replace("http://localhost", ""))
    assert profile.status_code == 200 and profile.get_json()["name"] == "lead-directory"
    services = [json.loads(line) for line in client.get("/hsds/services", query_string={"format": "ndjson"})
                .get_data(as_text=True).splitlines()]
    assert len(services) == len(records)
    for basic in services:
        check(SERVICE, client.get(f"/hsds/services/{basic['id']}").get_json(), basic["id"])
    orgs = [json.loads(line) for line in client.get("/hsds/organizations", query_string={"format": "ndjson"})
            .get_data(as_text=True).splitlines()]
    for org in orgs:
        for query in ({}, {"full_service": "true"}):
            check(ORGANIZATION, client.get(f"/hsds/organizations/{org['id']}", query_string=query).get_json(), org["id"])
    sals = client.get("/hsds/service_at_locations", query_string={"format": "ndjson"}).get_data(as_text=True)
    for sal in map(json.loads, sals.splitlines()):
        check(SERVICE_AT_LOCATION, client.get(f"/hsds/service_at_locations/{sal['id']}").get_json(), sal["id"])
    for taxonomy in client.get("/hsds/taxonomies").get_json()["contents"]:
        check(TAXONOMY, client.get(f"/hsds/taxonomies/{taxonomy['id']}").get_json(), taxonomy["id"])
    for term in client.get("/hsds/taxonomy_terms", query_string={"per_page": 200}).get_json()["contents"]:
        check(TERM, client.get(f"/hsds/taxonomy_terms/{term['id']}").get_json(), term["id"])


def test_the_kept_details_are_published_in_hsds_fields(feeds):
    from directory import hsds
    client, records = feeds
    clinic = next(r for r in records if r["id"] == "hsds1-csv:sal-1")
    got = client.get(f"/hsds/services/{hsds.ids(clinic)['service_id']}").get_json()
    assert got["wait_time"] == "About two weeks for a first appointment"
    assert [a["name"] for a in got["service_areas"]] == ["Hartford County"]
    assert [f["source"] for f in got["funding"]] == ["State legal services grant", "Private donations"]
    assert got["contacts"][0]["name"] == "Ana Rivera" and got["contacts"][0]["phones"][0]["extension"] == 12
    assert {p["type"] for p in got["phones"]} == {"voice", "textphone"}
    assert got["phones"][0]["languages"][0]["code"] in ("en", "es")
    (sal,) = got["service_at_locations"]
    holiday = [s for s in sal["schedules"] if s.get("notes") == "holiday"]
    assert {(s["valid_from"], s.get("opens_at")) for s in holiday} == {("2026-12-25", None), ("2026-12-24", "09:00:00")}
    assert {s["opens_at"] for s in sal["schedules"] if "byday" in s} == {"09:00:00"}  # '9am', normalised
    assert sal["location"]["accessibility"][0]["description"] == "Wheelchair accessible"
    codes = {a["taxonomy_term"]["code"]: a.get("value") for a in got["attributes"]}
    assert codes["payment_accepted"] == "Free of charge" and codes["need_read_from"] == "legal_aid: 'legal'"


def test_postcode_proximity_taxonomy_and_dates_filter_as_the_spec_says(feeds):
    client, records = feeds
    at_06103 = {r["id"] for r in records if (r.get("address") or {}).get("postal_code") == "06103"}
    got = client.get("/hsds/service_at_locations", query_string={"postcode": "06103", "per_page": 200}).get_json()
    assert got["total_items"] >= len([r for r in records if r["id"] in at_06103
                                      and not (r.get("eligibility") or {}).get("service_area_towns")])
    near = client.get("/hsds/service_at_locations", query_string={"postcode": "06103", "proximity": "300"}).get_json()
    far = client.get("/hsds/service_at_locations", query_string={"postcode": "06103", "proximity": "40000"}).get_json()
    assert 0 < near["total_items"] < far["total_items"]
    bad = client.get("/hsds/service_at_locations", query_string={"proximity": "300"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "proximity"
    assert client.get("/hsds/service_at_locations", query_string={"postcode": "99999"}).status_code == 422
    every = client.get("/hsds/services", query_string={"per_page": 1}).get_json()["total_items"]
    needs = client.get("/hsds/services", query_string={"taxonomy_id": NEEDS_TAXONOMY, "per_page": 1}).get_json()
    assert needs["total_items"] == every - sum(1 for r in records if not r["needs"])  # the uncategorised have none
    unknown = client.get("/hsds/services", query_string={"taxonomy_id": "00000000-0000-4000-8000-000000000000"})
    assert unknown.get_json()["total_items"] == 0
    future = client.get("/hsds/services", query_string={"modified_after": "2100-01-01"}).get_json()
    assert future["total_items"] == 0
    assert client.get("/hsds/services", query_string={"modified_after": "last week"}).status_code == 422
    both = client.get("/hsds/services", query_string={"minimal": "true", "full": "true"})
    assert both.status_code == 422 and both.get_json()["errors"][0]["field"] == "minimal"
