"""Capacity history is written with the figure it describes, numbered in write order, and paged."""
import pytest

from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es
OWN, OWN_ORG = "seed-00001", "org-0001"


@pytest.fixture
def provider(store, client_as):
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    return client_as("provider", (OWN_ORG,))


def put(client, available, status=200):
    etag = client.get(f"/api/v1/services/{OWN}").headers["ETag"]
    resp = client.put(f"/api/v1/services/{OWN}/capacity", json={"available": available, "maximum": 93},
                      headers={"If-Match": etag})
    assert resp.status_code == status, resp.get_json()


def test_a_crash_between_the_listing_write_and_the_history_copy_loses_no_entry(provider, app, monkeypatch):
    store = app.extensions["lead"].store
    put(provider, 5)
    real = store.history.actions  # the copy to the history index, sent after the listing write
    calls = []

    def crash(*args, **kwargs):  # the process dies right after the listing write
        calls.append(args)
        raise ConnectionError("process killed")

    monkeypatch.setattr(store.history, "actions", crash)
    put(provider, 6, status=500)
    monkeypatch.setattr(store.history, "actions", real)
    doc, _ = store.get(OWN)
    assert doc["capacity"]["available"] == 6 and calls  # the change itself was applied
    history = provider.get(f"/api/v1/services/{OWN}/capacity/history").get_json()["history"]
    assert [(h["revision"], h["new"]["available"]) for h in history[:2]] == [(2, 6), (1, 5)]
    assert history[0]["old"]["available"] == 5


def test_the_history_is_paged_newest_first(provider):
    for n in range(1, 13):
        put(provider, n)
    seen, before = [], None
    while True:
        url = f"/api/v1/services/{OWN}/capacity/history?size=5" + (f"&before={before}" if before else "")
        page = provider.get(url).get_json()
        seen += [h["revision"] for h in page["history"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == list(range(12, 0, -1))
    bad = provider.get(f"/api/v1/services/{OWN}/capacity/history?size=5000")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "size"


def test_revisions_continue_across_a_rebuild(provider, store):
    put(provider, 3)
    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    put(provider, 4)
    history = provider.get(f"/api/v1/services/{OWN}/capacity/history").get_json()["history"]
    assert [(h["revision"], h["new"]["available"]) for h in history] == [(2, 4), (1, 3)]
