"""Query building is pure: dict in, dict out, no cluster."""
from datetime import datetime, timezone

from matching import weights as W
from matching.explain import capacity_view, diversify
from matching.profile import Point, Profile, resolve_location, resolve_needs
from matching.query import accepted_insurance, eligibility_filters, match_body

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
HARTFORD = Point(41.7637, -72.6851, "coordinates", town="HARTFORD")


def test_needs_resolve_from_words_and_spanish():
    assert resolve_needs(["desintoxicación", "sober house"]) == ["housing.recovery_residence",
                                                                  "substance_use.withdrawal_management"]


def test_location_from_misspelled_town_and_zip():
    p = resolve_location(near="Harford")
    assert p.resolved_by == "town" and p.town == "HARTFORD"
    z = resolve_location(zip_code="06106")
    assert z.resolved_by == "zip" and z.town == "HARTFORD"
    assert resolve_location(near="12 Main St, New Haven, CT 06510").label == "06510"


def test_insurance_free_serves_everyone_and_uninsured_get_sliding_fee():
    assert accepted_insurance(["medicaid"]) == ["medicaid", "uninsured"]
    assert accepted_insurance(["uninsured"]) == ["sliding_fee", "state_funded", "uninsured"]


def test_unknown_eligibility_never_excludes():
    f = eligibility_filters(Profile(needs=["housing"], moud="methadone"), NOW, 12)
    moud = next(c for c in f if "bool" in c and any("eligibility.moud_known" in str(s) for s in c["bool"].get("should", [])))
    assert {"term": {"eligibility.moud_known": False}} in moud["bool"]["should"]


def test_hard_exclusions():
    f = eligibility_filters(Profile(needs=["housing"], currently_using=True, offences=["arson"], has_id=False,
                                    veteran=False), NOW, 12)
    must_not = next(c["bool"]["must_not"] for c in f if "must_not" in c.get("bool", {}))
    assert {"term": {"eligibility.sobriety_required": True}} in must_not
    assert {"terms": {"eligibility.offence_exclusions": ["arson"]}} in must_not
    assert {"term": {"eligibility.id_required": True}} in must_not
    assert {"term": {"eligibility.veterans_only": True}} in must_not
    full = next(c for c in must_not if "filter" in c.get("bool", {}))
    assert full["bool"]["filter"][1] == {"range": {"capacity.updated_at": {"gte": "2026-11-26T03:00:00+00:00"}}}


def test_service_area_uses_the_participants_town():
    f = eligibility_filters(Profile(needs=["housing"], point=HARTFORD), NOW, 12)
    assert any("eligibility.service_area_towns" in str(c) and "hartford" in str(c) for c in f)


def test_match_body_is_one_function_score_request():
    body = match_body(Profile(needs=["substance_use.withdrawal_management"], point=HARTFORD, urgency="now",
                              languages=["es"]), NOW, 12, 30)
    fs = body["query"]["function_score"]
    weights = sorted(fn["weight"] for fn in fs["functions"])
    assert W.OPEN_NOW_URGENT in weights and W.LANGUAGE_MATCH in weights and W.DISTANCE in weights
    minute = 3 * 1440 + 10 * 60  # Thursday 10:00 EST
    assert {"filter": {"term": {"hours.open": minute}}, "weight": W.OPEN_NOW_URGENT} in fs["functions"]
    assert fs["boost_mode"] == "replace" and body["size"] == 30


def test_stale_capacity_is_unknown():
    cap = {"status": "available", "available": 4, "updated_at": "2026-11-25T15:00:00+00:00"}
    view = capacity_view(cap, NOW, 12)
    assert view["status"] == "unknown" and view["reported_status"] == "available" and not view["fresh"]
    assert capacity_view({**cap, "updated_at": "2026-11-26T10:00:00+00:00"}, NOW, 12)["status"] == "available"


def test_diversify_keeps_at_most_two_of_one_org_in_the_top_five():
    rows = [{"organization": {"id": org}, "n": i} for i, org in enumerate("AAAABCDE")]
    out = diversify(rows, limit=8)
    assert [r["organization"]["id"] for r in out[:5]] == ["A", "A", "B", "C", "D"]
    assert len(out) == 8
