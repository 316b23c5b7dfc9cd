"""An ingest runs with Python's cycle collector paused (each full collection would walk every record held
for the dedupe again) and always gives it back, whether the run succeeds or is refused."""
from __future__ import annotations

import gc

import pytest

from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es


def test_the_collector_is_paused_during_an_ingest_and_restored_after(store):
    seen = []
    assert gc.isenabled()
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder(), on_read=lambda n: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()


def test_the_collector_is_restored_after_a_refused_ingest(store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("id,organization_name,service_name,needs\n", encoding="utf-8")
    with pytest.raises(pipeline.SourceError):
        pipeline.run([f"provider:{empty}"], store, Geocoder())
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(store):
    gc.disable()
    try:
        pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
        assert not gc.isenabled()
    finally:
        gc.enable()
