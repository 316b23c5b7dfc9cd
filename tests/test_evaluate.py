"""The evaluation's own eligibility oracle and metrics (the oracle is written apart from the query)."""
import pytest

from bench.evaluate import ndcg
from directory.eligibility import definitely_ineligible


def test_oracle_three_valued():
    rec = {"service": {"status": "active", "minimum_age": 18}, "eligibility": {"moud_accepted": ["buprenorphine"],
                                                                               "insurance": None}}
    assert definitely_ineligible(rec, {"moud": "methadone", "insurance": ["medicaid"], "age": 30}) == ["moud"]
    assert definitely_ineligible(rec, {"age": 16}) == ["age"]
    assert definitely_ineligible({"service": {}, "eligibility": {"service_area_towns": ["New Haven"]}},
                                 {"_town": "HARTFORD"}) == ["service_area"]
    assert definitely_ineligible({"service": {}, "eligibility": {"veterans_only": True}}, {}) == ["veterans"]


def test_ndcg():
    assert ndcg(["a", "b"], {"a": 2, "b": 1}) == 1.0
    assert ndcg(["b", "a"], {"a": 2, "b": 1}) < 1.0
    assert ndcg(["x"], {}) == 1.0


@pytest.mark.es
def test_every_scenario_on_the_seed_returns_nothing_ineligible_or_forbidden(store, client):
    """The invariant half of `make eval`, on every run: 0 ineligible, 0 never-list listings."""
    import json

    from ingest import pipeline
    from ingest.geocode import Geocoder
    from bench.evaluate import SCENARIOS, run
    from matching.profile import resolve_needs
    from tests.conftest import ROOT

    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    scenarios = json.loads(SCENARIOS.read_text(encoding="utf-8"))
    assert len(scenarios) >= 40
    tops = {c.split(".")[0] for sc in scenarios for c in resolve_needs(sc["profile"]["needs"])}
    assert tops == {"housing", "healthcare", "substance_use", "mental_health", "employment", "basic_needs",
                    "legal_aid"}
    result = run(client, store, scenarios)
    assert result["ineligible_returned"] == 0, [r["ineligible"] for r in result["rows"] if r["ineligible"]]
    assert result["never_violations"] == 0, [r["never_shown"] for r in result["rows"] if r["never_shown"]]


@pytest.mark.es
def test_the_real_data_evaluation_has_no_hard_rule_violations(store, client, shared):
    """The invariant half of `make eval-ct`: on the CT lists plus the seed, no scenario (dev or held-out)
    is shown a program its source row says the participant cannot attend."""
    import json

    from bench.evaluate_ct import SCENARIOS, run
    from ingest import pipeline
    from ingest.geocode import Geocoder
    from tests.conftest import ROOT

    pipeline.run([f"seed:{ROOT / 'seed_data'}", f"federal:{shared / 'facilities/ct'}"], store, Geocoder(),
                 samples=True)
    scenarios = json.loads(SCENARIOS.read_text(encoding="utf-8"))
    assert len(scenarios) >= 40 and {s["split"] for s in scenarios} == {"dev", "dev2", "heldout"}
    result = run(client, store, scenarios)
    assert result["all"]["hard_rule_violations"] == 0, [r["violations"] for r in result["rows"] if r["violations"]]
    assert not [r["unmapped"] for r in result["rows"] if r["unmapped"]]  # every labelled row is in the directory
