"""Browse and nearby tell the truth: facets, filters, everyday words, places in words, 'nothing open',
who a program serves, errors a person can act on, the public listing and compression."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pytest

from ingest import pipeline
from ingest.geocode import Geocoder

pytestmark = pytest.mark.es

# Thursday 26 November 2026, 10:00 in Connecticut.
THURSDAY_10AM = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
HEADER = ("listing_id,organization_id,organization_name,service_name,needs,hours,latitude,longitude,city,postal_code,"
          "genders,moud_accepted,insurance,min_age,max_age,walk_in,languages,capacity_available,capacity_maximum,"
          "accepting_new_clients,capacity_updated_at\n")
ROWS = [
    "b1,o1,Alpha Recovery,Detox,detox,24/7,41.765,-72.685,Hartford,06106,male;female,methadone;buprenorphine,"
    "medicaid,18,,yes,en;es,3,20,yes,2026-11-26T13:00:00+00:00",
    "b2,o2,Bravo Women,Women's detox,detox,Mo-Fr 08:00-17:00,41.770,-72.690,HARTFORD,06105,female,buprenorphine,"
    "medicare,18,,no,en,0,10,no,2026-11-26T14:00:00+00:00",
    "b3,o3,Charlie House,Detox,detox,24/7,41.760,-72.680,Harford,06106,,,,,,yes,en,,,,",
    "b4,o4,Delta Haven,Detox,detox,24/7,41.300,-72.920,New Haven,06511,male;female,methadone,medicaid,18,,yes,en,"
    "1,5,yes,2026-11-26T14:00:00+00:00",
    "s1,o5,Echo Shelter,Men's shelter,shelter,24/7,41.759,-72.686,Hartford,06106,male,,uninsured,18,,yes,en,,,,",
    "s2,o6,Foxtrot Shelter,Women's shelter,shelter,24/7,41.775,-72.700,Hartford,06105,female,,uninsured,18,,yes,"
    "en;es,,,,",
    "f1,o7,Golf Pantry,Saturday pantry,food,Sa 09:00-12:00,41.761,-72.684,Hartford,06106,,,uninsured,,,yes,en,,,,",
    "f2,o8,Hotel Pantry,Pantry,food,Sa 10:00-11:00,41.762,-72.742,West Hartford,06110,,,uninsured,,,yes,en,,,,",
]


@pytest.fixture
def loaded(store, tmp_path, app):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    report, _ = pipeline.run([f"provider:{path}"], store, Geocoder())
    assert not report.rejected, report.rejected
    app.extensions["lead"].search.clock = lambda: THURSDAY_10AM
    return store


def get(client, url, status=200, **headers):
    resp = client.get(url, headers=headers)
    assert resp.status_code == status, (url, resp.get_json())
    return resp.get_json()


def ids(out):
    return [r["listing_id"] for r in out["results"]]


# ----- facets ---------------------------------------------------------------------------------------------
def test_facets_count_under_every_filter_but_their_own(client, loaded):
    out = get(client, "/api/v1/services?need=detox&near=Hartford&radius=50")
    towns = {f["town"]: f["count"] for f in out["facets"]["towns"]}
    assert towns == {"HARTFORD": 3, "NEW HAVEN": 1}  # detox listings only, one spelling of Hartford
    assert {f["label"] for f in out["facets"]["towns"]} == {"Hartford", "New Haven"}
    assert out["facets"]["capacity"] == {"available": 2, "waitlist": 0, "full": 1, "unknown": 1}
    narrowed = get(client, "/api/v1/services?need=detox&town=Hartford&near=Hartford&radius=50")
    assert sorted(ids(narrowed)) == ["b1", "b2", "b3"]
    # the town facet ignores the town filter; the need facet counts Hartford only
    assert {f["town"]: f["count"] for f in narrowed["facets"]["towns"]} == towns
    needs = {f["code"]: f["count"] for f in narrowed["facets"]["needs"]}
    assert needs["substance_use.withdrawal_management"] == 3 and needs["basic_needs.food"] == 1
    assert needs["housing.emergency_shelter"] == 2


def test_a_location_sorts_by_distance_unless_relevance_is_asked(client, loaded):
    out = get(client, "/api/v1/services?near=06106&radius=50")
    miles = [r["distance"]["miles"] for r in out["results"]]
    assert out["sort"] == "distance" and miles == sorted(miles)
    assert get(client, "/api/v1/services?near=06106&sort=relevance&q=detox")["sort"] == "relevance"


# ----- filters and everyday words ------------------------------------------------------------------------
@pytest.mark.parametrize("query,expected", [
    ("need=detox&town=Harford", {"b1", "b2", "b3"}),
    ("need=detox&town=hartford&town=New%20Haven", {"b1", "b2", "b3", "b4"}),
    ("need=detox&gender=male", {"b1", "b3", "b4"}),  # not stated passes; women-only does not
    ("need=detox&gender=woman", {"b1", "b2", "b3", "b4"}),
    ("need=detox&moud=suboxone", {"b1", "b2", "b3"}),
    ("need=detox&moud=methadone", {"b1", "b3", "b4"}),
    ("need=detox&insurance=husky", {"b1", "b3", "b4"}),
    ("need=detox&language=Spanish", {"b1"}),
    ("need=detox&language=espa%C3%B1ol", {"b1"}),
    ("need=detox&open_now=true", {"b1", "b2", "b3", "b4"}),
    ("need=food&open_now=true", set()),
    ("need=jobs", set()),
    ("need=detx&town=Hartford", {"b1", "b2", "b3"}),
])
def test_filters_take_everyday_words(client, loaded, query, expected):
    assert set(ids(get(client, f"/api/v1/services?{query}&page_size=50"))) == expected


@pytest.mark.parametrize("query,field,suggestion", [
    ("insurance=medicad", "insurance[0]", "medicaid"),
    ("moud=subuxone", "moud", "buprenorphine"),
    ("language=spanis", "language[0]", "es"),
    ("gender=hombres", None, None),  # a Spanish word: accepted
    ("town=Hartfrd", "town[0]", "Hartford"),
    ("need=detx", None, None),  # a misspelling the taxonomy corrects
    ("need=dtx", "need", "substance_use.withdrawal_management"),
])
def test_unknown_values_say_what_is_accepted_and_what_was_meant(client, loaded, query, field, suggestion):
    resp = client.get(f"/api/v1/services?{query}")
    if field is None:
        assert resp.status_code == 200
        return
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    error = next(e for e in resp.get_json()["errors"] if e["field"] == field)
    assert suggestion in error["did_you_mean"], error
    if field not in ("town[0]", "need"):
        assert len(error["accepted"]) >= 3


@pytest.mark.parametrize("query", ["zip=90210", "lat=34.09&lon=-118.41", "near=Beverly%20Hills%2C%20CA%2090210"])
def test_places_outside_connecticut_are_refused(client, loaded, query):
    resp = client.get(f"/api/v1/services?{query}")
    assert resp.status_code == 422 and "covers Connecticut" in resp.get_json()["detail"]
    assert client.post("/api/v1/match", json={"location": {"zip": "90210"}, "needs": ["detox"]}).status_code == 422


# ----- nearby ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where,resolved_by", [("near=06106", "zip"), ("near=Frog%20Hollow", "neighbourhood"),
                                               ("near=Harford", "town"), ("zip=06106", "zip"),
                                               ("lat=41.7637&lon=-72.6851", "coordinates")])
def test_nearby_takes_a_place_in_words_and_says_who_is_served(client, loaded, where, resolved_by):
    out = get(client, f"/api/v1/nearby?{where}&need=shelter")
    assert out["location"]["resolved_by"] == resolved_by
    assert set(ids(out)) == {"s1", "s2"} and out["message"] is None
    serves = {r["listing_id"]: r["serves"] for r in out["results"]}
    assert serves["s1"]["text"] == "Men; ages 18+" and serves["s1"]["genders"] == ["male"]
    assert serves["s2"]["text"] == "Women; ages 18+"
    es = get(client, f"/api/v1/nearby?{where}&need=shelter", **{"Accept-Language": "es"})
    assert {r["serves"]["text"] for r in es["results"]} == {"Hombres; edades 18+", "Mujeres; edades 18+"}


def test_nearby_with_nothing_open_returns_the_nearest_with_their_next_opening(client, loaded):
    out = get(client, "/api/v1/nearby?near=Hartford&need=food&radius=10")
    assert out["open_now_count"] == 0 and "Nothing that meets this need is open now" in out["message"]
    assert out["now"]["first"] and [line["dial"] for line in out["now"]["lines"]] == ["2-1-1"]  # what answers now
    assert ids(out) == ["f1", "f2"]
    first = out["results"][0]
    assert first["open_now"] is False and first["opening_text"] == "Opens Saturday at 9 am"
    assert first["next_opening"].startswith("2026-11-28T09:00")
    es = get(client, "/api/v1/nearby?near=Hartford&need=food&radius=10", **{"Accept-Language": "es"})
    assert es["results"][0]["opening_text"] == "Abre el sábado a las 9 a. m." and "No hay nada abierto" in es["message"]


def test_nearby_puts_open_and_ready_before_open_before_closed(client, loaded):
    out = get(client, "/api/v1/nearby?lat=41.770&lon=-72.690&need=detox&radius=50")
    # b2 is nearest and open but full (confirmed): left out; b1 has fresh beds; b3 takes walk-ins.
    assert "b2" not in ids(out) and set(ids(out)[:2]) == {"b1", "b3"}
    assert out["results"][0]["open_now"]


# ----- the public listing ---------------------------------------------------------------------------------
def test_the_listing_detail_is_the_public_shape(client, loaded):
    resp = client.get("/api/v1/services/b2")
    out = resp.get_json()
    assert "record" not in out and "etag" not in out and resp.headers["ETag"]
    assert out["hours"]["text"] == "Mon 08:00-17:00; Tue 08:00-17:00; Wed 08:00-17:00; Thu 08:00-17:00; Fri 08:00-17:00"
    assert out["hours"]["intervals"][0] == {"start": 480, "end": 1020, "text": "Mon 08:00-17:00"}
    assert out["hours"]["open_now"] is True and out["hours"]["opening_text"] == "Open now"
    assert out["capacity"]["status"] == "full" and out["capacity"]["text"] == "Full, confirmed 1 hour ago"
    assert out["eligibility"]["genders"] == ["female"] and out["eligibility"]["min_age"] == 18
    assert out["eligibility"]["veterans_only"] is None  # not stated
    assert out["serves"]["text"] == "Women; ages 18+" and out["address"]["town"] == "Hartford"
    assert out["needs"] == [{"code": "substance_use.withdrawal_management", "name": "Withdrawal management (detox)"}]


def test_responses_are_compressed_when_the_client_accepts_it(client, loaded):
    resp = client.get("/api/v1/services?page_size=20", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(resp.data))["total"] == len(ROWS)
    assert "Content-Encoding" not in client.get("/api/v1/services?page_size=20").headers


# ----- errors a person can act on -------------------------------------------------------------------------
def test_each_body_mistake_gets_its_own_message(client, loaded):
    body = json.dumps({"location": {"zip": "06106"}, "needs": ["detox"]})
    no_type = client.post("/api/v1/match", data=body)
    assert no_type.status_code == 415 and "Content-Type: application/json" in no_type.get_json()["detail"]
    text = client.post("/api/v1/match", data=body, content_type="text/plain")
    assert text.status_code == 415 and "text/plain" in text.get_json()["detail"]
    broken = client.post("/api/v1/match", data='{"needs": [', content_type="application/json")
    assert broken.status_code == 400 and "not valid JSON" in broken.get_json()["detail"]
    deep = client.post("/api/v1/match", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert deep.status_code == 400 and "nested too deeply" in deep.get_json()["detail"]


def test_an_expired_form_and_a_foreign_form_are_told_apart(app):
    fresh = app.test_client()
    expired = fresh.post("/login", data={"username": "x", "password": "y", "csrf_token": "stale"})
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    fresh.get("/login")  # a session with a form token now exists
    foreign = fresh.post("/login", data={"username": "x", "password": "y", "csrf_token": "forged"})
    assert foreign.status_code == 400 and "did not come from this site" in foreign.get_data(as_text=True)


# ----- hostile input ---------------------------------------------------------------------------------------
def test_hostile_requests_get_problems_not_500s(client, loaded, client_as):
    long_query = client.get("/api/v1/services?q=" + "x" * 4096)
    assert long_query.status_code == 414 and long_query.mimetype == "application/problem+json"
    admin = client_as("admin")
    far_offset = admin.get("/api/v1/audit?since=2026-01-01T00:00:00%2B19:00")
    assert far_offset.status_code == 422 and far_offset.get_json()["errors"][0]["field"] == "since"
    assert admin.get("/api/v1/audit?since=2026-01-01T00:00:00%2B05:30").status_code == 200
    provider = client_as("provider", ("o1",))
    etag = provider.get("/api/v1/services/b1").headers["ETag"]
    for bad in ({"available": 2.5}, {"available": "3"}, {"available": True}, {"available": 2, "maximum": "9"}):
        resp = provider.put("/api/v1/services/b1/capacity", json=bad, headers={"If-Match": etag})
        assert resp.status_code == 422, (bad, resp.get_json())
    assert client.post("/api/v1/match", json={"location": {"zip": "06106"}, "needs": ["detox"], "age": "34"}
                       ).status_code == 422
    many = admin.post("/api/v1/users", json={"username": "listy", "role": "provider", "organizations": ["o1"] * 51})
    assert many.status_code == 422 and many.get_json()["errors"][0]["field"] == "organizations"
    deep = "[" * 1000 + "]" * 1000
    for path in ("/api/v1/match", "/api/v1/users"):
        resp = admin.post(path, data=deep, content_type="application/json")
        assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


def test_a_chunked_body_over_the_limit_is_413(client, loaded):
    import io

    # 1 MB with no Content-Length, as a server hands a chunked body to the app.
    resp = client.open("/api/v1/match", method="POST", input_stream=io.BytesIO(b"[" + b" " * (1 << 20) + b"]"),
                       content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
