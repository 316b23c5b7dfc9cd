"""The engine sends back only the fields a result is shaped from (``query.RESULT_FIELDS`` for match and
browse, ``query.NEARBY_FIELDS`` for nearby): fetching less is most of a search's cost on the engine's side,
so every listing of the seed and the Connecticut lists must shape exactly as it would from its whole
document. A field the shaping reads and the list leaves out makes this fail (it did: match results never
showed the documents to bring, because ``required_documents`` was not fetched)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from elasticsearch import helpers

from directory import taxonomy
from directory.places import Located
from ingest import pipeline
from ingest.geocode import Geocoder
from matching import query
from matching.explain import explain, nearby_result
from matching.freshness import Moment
from matching.profile import Profile
from tests.conftest import ROOT, SHARED

pytestmark = pytest.mark.es

HARTFORD = Located(41.7637, -72.6851, label="Hartford", town="HARTFORD")
PROFILES = [
    Profile(needs=["substance_use.withdrawal_management"], point=HARTFORD, languages=["es"],
            facts={"age": 34, "gender": "male", "insurance": ["medicaid"], "moud": "methadone"}),
    Profile(needs=["housing.emergency_shelter", taxonomy.CO_OCCURRING], point=HARTFORD,
            facts={"age": 16, "veteran": True, "pregnant": True, "has_id": False}),
    Profile(needs=["mental_health"], point=None, facts={}),
]
MOMENTS = [Moment(datetime(2026, 12, 6, 6, 30, tzinfo=timezone.utc), 12.0),  # 01:30 in Hartford
           Moment(datetime(2026, 12, 6, 19, 0, tzinfo=timezone.utc), 12.0)]  # 14:00


def only(doc: dict, paths: list[str]) -> dict:
    """``doc`` as the engine's ``_source`` includes would send it: just these dotted paths."""
    out: dict = {}
    for path in paths:
        src, dst, parts = doc, out, path.split(".")
        for part in parts[:-1]:
            if not isinstance(src, dict) or part not in src:
                break
            src = src[part]
            dst = dst.setdefault(part, {})
        else:
            if isinstance(src, dict) and parts[-1] in src:
                dst[parts[-1]] = src[parts[-1]]
    return out


@pytest.fixture
def documents(store):
    pipeline.run([f"seed:{ROOT / 'seed_data'}", f"federal:{SHARED / 'facilities' / 'ct'}"], store, Geocoder(),
                 samples=True)
    docs = [h["_source"] for h in helpers.scan(store.es, index=store.listings.alias)]
    assert len(docs) > 900  # the seed and every Connecticut list
    return docs


def test_every_result_shapes_the_same_from_the_fields_fetched(documents):
    for doc in documents:
        fetched, near = only(doc, query.RESULT_FIELDS), only(doc, query.NEARBY_FIELDS)
        for moment in MOMENTS:
            for lang in ("en", "es"):
                for p in PROFILES:
                    assert explain(fetched, p, moment, 1.0, lang) == explain(doc, p, moment, 1.0, lang), doc["id"]
                assert nearby_result(near, HARTFORD, moment, lang) == nearby_result(doc, HARTFORD, moment, lang), \
                    doc["id"]


def test_the_documents_to_bring_are_in_match_and_nearby_results(documents):
    doc = next(d for d in documents if d.get("required_documents"))
    p = PROFILES[0]
    assert explain(only(doc, query.RESULT_FIELDS), p, MOMENTS[0], 1.0)["required_documents"]
    assert nearby_result(only(doc, query.NEARBY_FIELDS), HARTFORD, MOMENTS[0])["required_documents"]
