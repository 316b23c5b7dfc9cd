"""Query building is pure: dict in, dict out, no cluster."""
from datetime import datetime, timezone

import pytest

from directory.eligibility import accepted_insurance
from directory.places import Located, PlaceError
from matching import weights as W
from matching.freshness import Moment, capacity_view, status_clause
from matching.profile import Profile, resolve_location, resolve_needs
from matching.query import Browse, browse_body, eligibility_filters, match_body, nearby_body

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
MOMENT = Moment(NOW, 12)
HARTFORD = Located(41.7637, -72.6851, "coordinates", town="HARTFORD")


def test_needs_resolve_from_words_and_spanish():
    assert resolve_needs(["desintoxicación", "sober house"]) == ["housing.recovery_residence",
                                                                  "substance_use.withdrawal_management"]


def test_location_from_misspelled_town_zip_neighbourhood_and_corner():
    p = resolve_location(near="Harford")
    assert p.resolved_by == "town" and p.town == "HARTFORD"
    z = resolve_location(zip_code="06106")
    assert z.resolved_by == "zip" and z.town == "HARTFORD"
    assert resolve_location(near="12 Main St, New Haven, CT 06510").label == "06510"
    hood = resolve_location(near="Fair Haven")
    assert hood.resolved_by == "neighbourhood" and hood.town == "NEW HAVEN" and hood.label == "Fair Haven, New Haven"
    assert resolve_location(near="frog hollow, hartford ct").label == "Frog Hollow, Hartford"
    corner = resolve_location(near="Park St & Broad St, Hartford")
    assert (corner.street_a, corner.street_b, corner.town) == ("Park St", "Broad St", "HARTFORD")


@pytest.mark.parametrize("where,message", [
    ({"zip_code": "90210"}, "covers Connecticut"),
    ({"lat": 34.09, "lon": -118.41}, "outside Connecticut"),
    ({"near": "Springfield, Illinois"}, "could not find"),
    ({"near": "Downtown"}, "several towns"),
])
def test_places_outside_connecticut_or_ambiguous_are_refused(where, message):
    with pytest.raises(PlaceError, match=message):
        resolve_location(**where)


def test_insurance_free_serves_everyone_and_uninsured_get_sliding_fee():
    assert accepted_insurance(["medicaid"]) == ["medicaid", "uninsured"]
    assert accepted_insurance(["uninsured"]) == ["sliding_fee", "state_funded", "uninsured"]


def test_unknown_eligibility_never_excludes():
    f = eligibility_filters(Profile(needs=["housing"], facts={"moud": "methadone"}), MOMENT)
    moud = next(c for c in f if "eligibility.moud_accepted_known" in str(c))
    assert {"term": {"eligibility.moud_accepted_known": False}} in moud["bool"]["should"]


def test_hard_exclusions():
    facts = {"currently_using": True, "offences": ["arson"], "has_id": False, "veteran": False}
    f = eligibility_filters(Profile(needs=["housing"], facts=facts), MOMENT)
    must_not = next(c["bool"]["must_not"] for c in f if "must_not" in c.get("bool", {}))
    assert {"term": {"eligibility.sobriety_required": True}} in must_not
    assert {"terms": {"eligibility.offence_exclusions": ["arson"]}} in must_not
    assert {"term": {"eligibility.id_required": True}} in must_not
    assert {"term": {"eligibility.veterans_only": True}} in must_not
    assert status_clause("full", MOMENT) in must_not
    assert status_clause("full", MOMENT)["bool"]["filter"][1] == {
        "range": {"capacity.updated_at": {"gte": "2026-11-26T03:00:00+00:00"}}}


def test_service_area_uses_the_participants_town():
    f = eligibility_filters(Profile(needs=["housing"], point=HARTFORD), MOMENT)
    assert any("eligibility.service_area_towns" in str(c) and "HARTFORD" in str(c) for c in f)


def test_match_body_is_one_function_score_request():
    body = match_body(Profile(needs=["substance_use.withdrawal_management"], point=HARTFORD, urgency="now",
                              languages=["es"], limit=10), MOMENT)
    fs = body["query"]["function_score"]
    assert fs["boost_mode"] == "multiply" and "exp" in fs["functions"][0]  # fit times the distance factor
    assert fs["score_mode"] == "multiply"
    assert fs["functions"][0]["exp"]["location.point"]["scale"] == f"{W.DISTANCE_SCALE_MILES}mi"
    fit = fs["query"]["function_score"]
    weights = sorted(fn["weight"] for fn in fit["functions"])
    assert W.OPEN_NOW_URGENT in weights and W.LANGUAGE_MATCH in weights and W.BASE in weights
    minute = 3 * 1440 + 10 * 60  # Thursday 10:00 EST
    assert {"filter": {"term": {"hours.open": minute}}, "weight": W.OPEN_NOW_URGENT} in fit["functions"]
    assert fit["boost_mode"] == "replace" and body["size"] == 30
    wide = match_body(Profile(needs=["housing"], point=HARTFORD, max_miles=30), MOMENT)
    assert wide["query"]["function_score"]["functions"][0]["exp"]["location.point"]["scale"] == "10.0mi"


def test_browse_facets_count_under_every_filter_but_their_own():
    b = Browse(needs=["substance_use.withdrawal_management"], towns=["HARTFORD"], capacity=["available"],
               point=HARTFORD, radius_miles=10)
    body = browse_body(b, MOMENT)
    need_filter = {"terms": {"needs": ["substance_use.withdrawal_management"]}}
    town_filter = {"terms": {"address.town": ["HARTFORD"]}}
    assert need_filter in body["aggs"]["towns"]["filter"]["bool"]["filter"]
    assert town_filter not in body["aggs"]["towns"]["filter"]["bool"]["filter"]
    assert need_filter not in body["aggs"]["needs"]["filter"]["bool"]["filter"]
    assert set(body["aggs"]["capacity"]["aggs"]["f"]["filters"]["filters"]) == {"available", "waitlist", "full",
                                                                                "unknown"}
    assert body["post_filter"]["bool"]["filter"][:2] == [need_filter, town_filter]
    # Real listings first; then a location sorts by distance unless relevance is asked.
    assert body["sort"][0] == {"sample": "asc"} and "_geo_distance" in body["sort"][1]
    assert browse_body(Browse(point=HARTFORD, sort="relevance"), MOMENT)["sort"][1] == "_score"
    assert browse_body(Browse(q="detox"), MOMENT)["sort"][1] == "_score"


def test_nearby_ranks_ready_then_open_then_hours_not_stated_then_closed_by_distance():
    body = nearby_body(HARTFORD, ["housing.emergency_shelter"], MOMENT, 5, 5)
    assert body["sort"][:2] == [{"sample": "asc"}, "_score"] and "_geo_distance" in body["sort"][2]
    should = [c["constant_score"] for c in body["query"]["bool"]["should"]]
    assert [c["boost"] for c in should] == [W.NEARBY_READY, W.NEARBY_OPEN, W.NEARBY_CALL]
    # ready and open add up above open alone, which is above hours not stated, which is above closed
    assert W.NEARBY_READY + W.NEARBY_OPEN > W.NEARBY_OPEN > W.NEARBY_CALL > 0
    assert should[2]["filter"] == {"term": {"hours.known": False}}
    assert {"term": {"hours.open": MOMENT.minute_of_week}} not in body["query"]["bool"]["filter"]
    # Ready: open, and a bed confirmed or walk-ins taken while no fresh waitlist says there is no room.
    ready = should[0]["filter"]["bool"]
    assert ready["filter"] == [{"term": {"hours.open": MOMENT.minute_of_week}}]
    walk_in = ready["should"][0]["bool"]
    assert walk_in["filter"] == [{"term": {"access.walk_in": True}}]
    assert walk_in["must_not"] == [status_clause("waitlist", MOMENT)]
    with_language = nearby_body(HARTFORD, ["housing.emergency_shelter"], MOMENT, 5, 5, languages=["es"])
    assert {"terms": {"languages": ["es"]}} in with_language["query"]["bool"]["filter"]


def test_stale_capacity_is_unknown_and_phrases_read_naturally():
    cap = {"status": "available", "available": 4, "unit": "beds", "updated_at": "2026-11-25T02:00:00+00:00"}
    view = capacity_view(cap, MOMENT)
    assert view["status"] == "unknown" and view["reported_status"] == "available" and not view["fresh"]
    assert view["text"] == "Last confirmed 37 hours ago: treat as unknown"
    one = capacity_view({**cap, "available": 1, "updated_at": "2026-11-26T14:00:00+00:00"}, MOMENT)
    assert one["status"] == "available" and one["text"] == "1 bed open, confirmed 1 hour ago"
    es = capacity_view({**cap, "available": 3, "updated_at": "2026-11-26T13:00:00+00:00"}, MOMENT, "es")
    assert es["text"] == "3 camas disponibles, confirmado hace 2 horas"


def test_diversify_keeps_at_most_two_of_one_org_in_the_top_five():
    rows = [{"organization": {"id": org}, "n": i} for i, org in enumerate("AAAABCDE")]
    out = W.diversify(rows, limit=8)
    assert [r["organization"]["id"] for r in out[:5]] == ["A", "A", "B", "C", "D"]
    assert len(out) == 8
    # ... unless nobody else comes close: the fourth clinic of the one organisation near by stays
    scored = [{"organization": {"id": org}, "s": s} for org, s in [("A", 5), ("A", 5), ("A", 4.9), ("A", 4.8),
                                                                   ("B", 4.0), ("C", 0.9), ("D", 0.5)]]
    out = W.diversify(scored, limit=7, score=lambda r: r["s"])
    assert [(r["organization"]["id"], r["s"]) for r in out[:5]] == [("A", 5), ("A", 5), ("B", 4.0), ("A", 4.9), ("A", 4.8)]


def test_own_group_general_needs_and_detox_for_someone_on_methadone():
    def fit(profile):
        return match_body(profile, MOMENT)["query"]["function_score"]["query"]["function_score"]["functions"]

    def factors(profile):
        return match_body(profile, MOMENT)["query"]["function_score"]["functions"]

    minor = fit(Profile(needs=["mental_health.outpatient"], point=HARTFORD, facts={"age": 16}))
    assert {"filter": {"range": {"age": {"gte": 0, "lte": W.YOUTH_MAX_AGE, "relation": "within"}}},
            "weight": W.OWN_GROUP} in minor
    veteran = fit(Profile(needs=["substance_use"], point=HARTFORD, facts={"age": 40, "veteran": True}))
    assert {"filter": {"term": {"eligibility.veterans_only": True}}, "weight": W.OWN_GROUP} in veteran
    assert not any(fn["weight"] == W.OWN_GROUP for fn in fit(Profile(needs=["substance_use"], facts={"age": 40})))
    # "Substance use" in general: an outpatient clinic offers it exactly (the needs field holds ancestors).
    assert {"filter": {"term": {"needs": "substance_use"}}, "weight": W.EXACT_NEED} in veteran
    otp = ["substance_use.opioid_treatment_program"]
    dosing = factors(Profile(needs=otp, point=HARTFORD, facts={"moud": "methadone"}))
    assert any(fn.get("weight") == W.DETOX_PROGRAM_FOR_MAINTENANCE for fn in dosing)
    assert not any(fn.get("weight") == W.DETOX_PROGRAM_FOR_MAINTENANCE
                   for fn in factors(Profile(needs=otp, point=HARTFORD)))


def test_a_clinic_named_for_methadone_counts_less_for_other_care_than_a_program_that_also_runs_one():
    factors = match_body(Profile(needs=["substance_use.outpatient"], point=HARTFORD), MOMENT)["query"][
        "function_score"]["functions"]
    weights = [fn.get("weight") for fn in factors]
    assert W.METHADONE_CLINIC_FOR_OTHER_CARE in weights and W.NAMED_METHADONE_CLINIC_FOR_OTHER_CARE in weights
    on_methadone = match_body(Profile(needs=["substance_use.outpatient"], point=HARTFORD, facts={"moud": "methadone"}),
                              MOMENT)["query"]["function_score"]["functions"]
    assert len(on_methadone) == 2  # distance only
