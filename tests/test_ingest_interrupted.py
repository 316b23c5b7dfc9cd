"""An ingest that is killed, or started twice, never leaves the directory half-built or swapped twice."""
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from directory.indices.locks import LeaseLock, Locked
from ingest import pipeline
from ingest.geocode import Geocoder
from ingest.synthetic import Generator, statewide_places, write_csv
from tests.conftest import ROOT

pytestmark = pytest.mark.es
SEED = f"seed:{ROOT / 'seed_data'}"


def physical(store):
    return sorted(store.es.indices.get(index=f"{store.listings.alias}-*", expand_wildcards="all").body)


def indexed(store, index: str) -> int:
    try:
        stats = store.es.indices.stats(index=index, metric="indexing")
    except Exception:  # noqa: BLE001 - the index may vanish or not exist yet between polls
        return 0
    return ((stats["_all"].get("primaries") or {}).get("indexing") or {}).get("index_total", 0)


def test_a_second_ingest_is_refused_while_one_runs(store):
    pipeline.run([SEED], store, Geocoder())
    live = store.listings.live_index()
    with LeaseLock(store.es, store.catalogue.name("locks"), "rebuild"):
        with pytest.raises(Locked, match="another rebuild is running"):
            pipeline.run([SEED], store, Geocoder())
    assert store.listings.live_index() == live and physical(store) == [live]
    pipeline.run([SEED], store, Geocoder())  # released: the next one runs


def test_the_cli_says_so_in_one_line(app, store):
    store.ensure_indices()
    with LeaseLock(store.es, store.catalogue.name("locks"), "rebuild"):
        result = app.test_cli_runner().invoke(args=["ingest", "run", SEED])
    assert result.exit_code == 1 and "another rebuild is running" in result.output
    assert "Traceback" not in result.output


def test_a_lock_whose_holder_died_is_taken_over_and_its_half_built_index_removed(store):
    pipeline.run([SEED], store, Geocoder())
    live = store.listings.live_index()
    # What a killed ingest leaves: its half-built index and a lock nobody renews any more.
    half_built = f"{store.listings.alias}-20200101000000000000"
    store.es.indices.create(index=half_built, mappings={"properties": {"id": {"type": "keyword"}}})
    past = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    store.es.index(index=store.catalogue.name("locks"), id="rebuild", refresh=True,
                   document={"holder": "dead-host:1", "acquired_at": past, "expires_at": past})
    pipeline.run([SEED], store, Geocoder())
    assert physical(store) == [store.listings.live_index()] and store.listings.live_index() != live


def test_an_ingest_killed_mid_bulk_leaves_the_live_directory_serving(store, settings, tmp_path):
    pipeline.run([SEED], store, Geocoder())
    live, count = store.listings.live_index(), store.listings.count()
    gen = Generator(seed=3, places=statewide_places())
    rows = [row for _, row in zip(range(30000), gen.rows(10 ** 9))]
    big = tmp_path / "big.csv"
    big.write_text(write_csv(iter(rows)), encoding="utf-8")
    env = {**os.environ, "LEAD_INDEX_PREFIX": settings.index_prefix, "LEAD_ES_URL": settings.es_url}
    # The synthetic rows are sample data: --samples lets them into a directory from a provider sheet.
    proc = subprocess.Popen([str(ROOT / ".venv/bin/lead"), "ingest", "run", "--samples", f"provider:{big}"],
                            env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the new index is being filled
            building = [i for i in physical(store) if i != live]
            # Documents are indexed but not yet searchable (refresh is off while a rebuild bulk-loads).
            if building and indexed(store, building[0]) > 0:
                break
            assert proc.poll() is None, "the ingest finished before it could be killed"
            time.sleep(0.2)
        else:
            pytest.fail("the ingest never started filling its new index")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert store.listings.live_index() == live and store.listings.count() == count  # still serving the complete directory
    assert len(physical(store)) == 2  # and the half-built index is still there...
    store.es.delete(index=store.catalogue.name("locks"), id="rebuild", refresh=True)  # (as if its lease had expired)
    pipeline.run([SEED], store, Geocoder())
    assert physical(store) == [store.listings.live_index()]  # ...until the next run removes it and completes
