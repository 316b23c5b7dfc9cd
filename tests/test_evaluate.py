"""The evaluation's own eligibility oracle and metrics (the oracle is written apart from the query)."""
from matching.evaluate import definitely_ineligible, ndcg


def test_oracle_three_valued():
    rec = {"service": {"status": "active", "minimum_age": 18}, "eligibility": {"moud_accepted": ["buprenorphine"],
                                                                               "insurance": None}}
    assert definitely_ineligible(rec, {"moud": "methadone", "insurance": ["medicaid"], "age": 30}) == ["moud"]
    assert definitely_ineligible(rec, {"age": 16}) == ["age"]
    assert definitely_ineligible({"service": {}, "eligibility": {"service_area_towns": ["New Haven"]}},
                                 {"_town": "HARTFORD"}) == ["outside service area"]


def test_ndcg():
    assert ndcg(["a", "b"], {"a": 2, "b": 1}) == 1.0
    assert ndcg(["b", "a"], {"a": 2, "b": 1}) < 1.0
    assert ndcg(["x"], {}) == 1.0
