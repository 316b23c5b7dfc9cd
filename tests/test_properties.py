"""Property-based tests (hypothesis): hours parsing, eligibility, and query building against the engine."""
import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import hours, model
from directory.eligibility import DIMENSIONS
from directory.listing_edits import set_path
from matching.freshness import Moment
from tests.eligibility_meaning import ineligible as by_meaning
from matching.profile import Profile
from matching.query import eligibility_filters, text_query

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
clock = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")
clause = st.tuples(st.sampled_from(DAYS), st.sampled_from(DAYS), clock, clock).map(
    lambda t: f"{t[0]}-{t[1]} {t[2]}-{t[3]}")
QUICK = settings(max_examples=200, deadline=None, database=None)


@QUICK
@given(st.lists(clause, min_size=1, max_size=4))
def test_parsed_hours_are_sorted_disjoint_and_inside_the_week(clauses):
    intervals = hours.parse_hours("; ".join(clauses))
    assert all(0 <= a < b <= hours.WEEK for a, b in intervals)
    assert all(b < c for (_, b), (c, _) in zip(intervals, intervals[1:]))  # merged: no touching or overlap
    assert hours.describe(intervals)
    monday = datetime(2026, 11, 23, tzinfo=hours.ZoneInfo("America/New_York"))  # a week with no clock change
    for start, end in intervals:  # open at every opening minute, closed at a closing minute that opens nothing
        assert hours.is_open(intervals, monday + timedelta(minutes=start))
        if end < hours.WEEK and all(end != s for s, _ in intervals):
            assert not hours.is_open(intervals, monday + timedelta(minutes=end))


@QUICK
@given(st.text(max_size=60))
def test_any_text_is_hours_or_a_clear_hours_error(text):
    try:
        hours.parse_hours(text)
    except hours.HoursError:
        pass


def listing_value(dim, rnd):
    """A random stated value, or None (not stated)."""
    if rnd.random() < 0.3:
        return None
    if dim.kind.name == "range":
        lo = rnd.choice([None, 0, 12, 18, 21, 55])
        hi = rnd.choice([None, 17, 25, 64, 120])
        return (lo, hi) if lo is None or hi is None or lo <= hi else (hi, lo)
    if dim.kind.name in ("requires", "only_for"):
        return rnd.random() < 0.5
    if dim.kind.name == "area":
        return rnd.sample(["Hartford", "New Haven", "Bridgeport"], rnd.randint(0, 2))
    return rnd.sample(list(dim.vocabulary.codes), rnd.randint(0, len(dim.vocabulary.codes)))


def random_record(i, rnd):
    record = {"id": f"r{i}", "organization": {"id": f"o{i}", "name": f"Org {i}"},
              "service": {"id": f"s{i}", "name": f"Program {i}"},
              "location": {"id": f"l{i}", "latitude": 41.76, "longitude": -72.68, "geocode_quality": "provided"},
              "address": {"city": "Hartford", "state_province": "CT"}, "needs": ["substance_use.outpatient"],
              "sources": [{"source": "prop", "source_id": str(i)}]}
    for dim in DIMENSIONS:
        value = listing_value(dim, rnd)
        if value is None:
            continue
        if dim.kind.name == "range":
            for path, part in zip(dim.listing_paths, value):
                if part is not None:
                    set_path(record, path, part)
        else:
            set_path(record, dim.listing_paths[0], value)
    return model.load_record(record)


def fact_strategy(dim):
    if dim.kind.name == "range":
        return st.integers(0, 90)
    if dim.kind.name == "member":
        return st.sampled_from(dim.vocabulary.codes)
    if dim.kind.name in ("overlap", "excludes"):
        return st.lists(st.sampled_from(dim.vocabulary.codes), max_size=3, unique=True)
    return st.booleans()


# The facts a person is asked (derived ones, named with a leading underscore, are computed from them).
FACTS = st.fixed_dictionaries({}, optional={
    d.profile_field: fact_strategy(d) for d in DIMENSIONS if d.profile_field and not d.profile_field.startswith("_")
}).map(lambda f: {k: v for k, v in f.items() if v != []})
TOWN = st.sampled_from([None, "HARTFORD", "NEW HAVEN", "BRIDGEPORT"])


@pytest.fixture(scope="module")
def random_directory(es, base_settings):
    from directory.store import Store

    store = Store(es, base_settings.with_(index_prefix=f"{base_settings.index_prefix}-props"))
    rnd = random.Random(11)
    records = [random_record(i, rnd) for i in range(120)]
    store.listings.rebuild(records)
    yield store, records
    store.drop_everything()


@pytest.mark.es
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(facts=FACTS, town=TOWN)
def test_the_engine_excludes_exactly_what_the_oracle_calls_ineligible(random_directory, facts, town):
    """The engine's filters exclude exactly what the rules mean (``tests.eligibility_meaning``, written by
    hand apart from the table) on every random listing and participant."""
    store, records = random_directory
    from directory.places import Located

    point = Located(41.76, -72.68, "town", town=town) if town else None
    profile = Profile(needs=["substance_use.outpatient"], point=point, facts=facts, include_full=True)
    moment = Moment(datetime.now(timezone.utc), 12)
    body = {"size": 500, "_source": ["id"], "query": {"bool": {"filter": eligibility_filters(profile, moment)}}}
    found = {h["_source"]["id"] for h in store.search(body)["hits"]["hits"]}
    oracle = {r["id"] for r in records if not by_meaning(r, profile.eligibility_facts)}
    assert found == oracle


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=300))
def test_any_typed_text_makes_a_plain_json_query(text):
    body = text_query(text)
    assert json.loads(json.dumps(body)) == body  # no objects the engine client could not send


@pytest.mark.es
@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(q=st.one_of(st.text(max_size=200), st.sampled_from([
    "status:inactive OR *", "organization.id:* AND NOT x", "/.*/", "name:/[a-z]+/", "*:*", "a\u0000b", "\\",
    "((((", "\"unclosed", "detox~10", "{!lucene}", "<script>", "x" * 200])))
def test_typed_text_never_errors_and_never_widens_a_providers_view(fuzz_clients, q):
    provider, everyone = fuzz_clients
    resp = provider.get("/api/v1/services", query_string={"q": q, "page_size": 50})
    assert resp.status_code in (200, 422), (q, resp.status_code)
    if resp.status_code == 200:
        assert {r["organization"]["id"] for r in resp.get_json()["results"]} <= {"org-0001"}
    assert everyone.get("/api/v1/services", query_string={"q": q}).status_code in (200, 422)


@pytest.fixture(scope="module")
def fuzz_clients(es, base_settings):
    from tests.conftest import seeded_app

    with seeded_app(es, base_settings, "qprops", testing=False) as app:
        accounts = app.extensions["lead"].accounts
        clients = []
        for role, orgs in (("provider", ["org-0001"]), ("case_manager", [])):
            _, token = accounts.create(f"props-{role.replace('_', '-')}", role, organizations=orgs)
            c = app.test_client()
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            clients.append(c)
        yield tuple(clients)


@pytest.mark.es
def test_invalid_utf8_in_a_query_is_a_client_error(fuzz_clients):
    provider, _ = fuzz_clients
    resp = provider.get("/api/v1/services?q=%FF%FE%00")
    assert 400 <= resp.status_code < 500 or resp.status_code == 200
    assert resp.status_code != 500
