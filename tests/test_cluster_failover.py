"""Losing a node of a real 3-node cluster while case managers read and providers post beds.

Runs against `make cluster-up` (scripts/es-cluster.sh; started here if it is not running) through
gunicorn, with LEAD_ES_URL naming all three nodes. The node holding the primary of the live
listings index is SIGKILLed while reader threads match, browse and look nearby, and writer threads
post capacity with If-Match (re-reading on 412, re-checking on 503). Figures printed: the failover
window (the longest stretch of failed reads), reads after it, writes acknowledged / lost / applied
twice, and how long the cluster took to return to green once the node was back.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import urllib3

from bench.engine import start_gunicorn
from directory.accounts import Accounts
from directory.es import make_client
from directory.settings import Settings
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from tests import nodes
from tests.conftest import ROOT

pytestmark = pytest.mark.cluster

CLUSTER = ROOT / "scripts" / "es-cluster.sh"
PORT = int(os.environ.get("LEAD_TEST_CLUSTER_APP_PORT", "8766"))
APP = f"http://127.0.0.1:{PORT}"
BASELINE_S, DOWN_S, AFTER_S = 8.0, 20.0, 5.0
WRITERS, READERS = 2, 3
LISTINGS_PER_WRITER = 4


# The same ports as scripts/es-cluster.sh (which reads the same variables), so two checkouts on one machine can
# each run the test on ports of their own.
HTTP_BASE = int(os.environ.get("LEAD_CLUSTER_HTTP_BASE", "9250"))
TRANSPORT_BASE = int(os.environ.get("LEAD_CLUSTER_TRANSPORT_BASE", "9350"))
# A busy CI machine (two cores, three JVMs, gunicorn and the readers) answers slowly at times: the app under test
# gives the engine this long per request, so a slow answer is a slow read, not a failed one.
APP_ES_TIMEOUT = os.environ.get("LEAD_TEST_CLUSTER_ES_TIMEOUT", "5")


def cluster_nodes() -> list[nodes.Node]:
    """The nodes of scripts/es-cluster.sh, as test nodes (same ports, folders and names)."""
    seeds = ",".join(f"127.0.0.1:{TRANSPORT_BASE + i}" for i in range(3))
    masters = ",".join(f"lead-cluster-{i + 1}" for i in range(3))
    here = ROOT / ".cache" / "cluster"
    return [nodes.Node(name=f"lead-cluster-{i + 1}", port=HTTP_BASE + i, folder=here / f"node-{i + 1}",
                       repo=here / "snapshots", heap=os.environ.get("LEAD_ES_HEAP", "384m"), cluster="lead-cluster",
                       extra_env={"LEAD_ES_TRANSPORT_PORT": str(TRANSPORT_BASE + i), "LEAD_ES_SEED_HOSTS": seeds,
                                  "LEAD_ES_INITIAL_MASTERS": masters})
            for i in range(3)]


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))] if ordered else 0.0


@pytest.fixture(scope="module")
def cluster():
    done = subprocess.run([str(CLUSTER), "up"], capture_output=True, text=True, timeout=400)
    if done.returncode:
        pytest.fail(f"the 3-node cluster did not start (scripts/es-cluster.sh up):\n{done.stderr[-3000:]}\n"
                    f"Check that ports {HTTP_BASE}-{HTTP_BASE + 2} and {TRANSPORT_BASE}-{TRANSPORT_BASE + 2} are free "
                    "(LEAD_CLUSTER_HTTP_BASE and LEAD_CLUSTER_TRANSPORT_BASE move them) and see "
                    ".cache/cluster/node-*/logs.",
                    pytrace=False)
    return cluster_nodes()


@dataclass
class Read:
    at: float
    ok: bool
    status: int
    ms: float
    detail: str = ""


@dataclass
class Writer:
    listings: list[str]
    acknowledged: dict[str, list[int]] = field(default_factory=dict)
    applied_unacknowledged: dict[str, list[int]] = field(default_factory=dict)
    retries_412: int = 0
    retries_503: int = 0
    attempts: int = 0
    slowest_ms: float = 0.0  # the longest a write took from its first attempt to its answer


def primary_holder(es, index: str) -> str:
    shards = es.cat.shards(index=index, format="json", h="prirep,state,node")
    return next(s["node"] for s in shards if s["prirep"] == "p" and s["state"] == "STARTED")


def test_losing_the_primary_node_loses_no_acknowledged_write(cluster):
    urls = ",".join(n.url for n in cluster)
    settings = Settings.from_env(es_url=urls, index_prefix=f"failover-{uuid.uuid4().hex[:6]}")
    es = make_client(settings, batch=True)
    store = Store(es, settings)
    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())
    accounts = Accounts(es, settings)
    reader_token = accounts.create(f"cm-{uuid.uuid4().hex[:6]}", "case_manager")[1]
    admin_token = accounts.create(f"admin-{uuid.uuid4().hex[:6]}", "admin")[1]

    # Every index the project made has a replica on this cluster (LEAD_REPLICAS=auto, 3 data nodes).
    layout = es.indices.get_settings(index=f"{settings.index_prefix}-*", name="index.number_of_replicas")
    assert {name: v["settings"]["index"]["number_of_replicas"] for name, v in layout.items()} == \
        {name: "1" for name in layout}, layout
    assert {"listings", "edits", "audit", "geocache", "capacity-revisions", "users"} <= \
        {name.removeprefix(settings.index_prefix + "-").split("-2")[0] for name in layout}

    # Writers post beds for listings of organisations they are bound to (a provider account each).
    ids = sorted(h["_id"] for h in es.search(index=store.listings.alias, size=500, _source=["organization.id"],
                                             query={"exists": {"field": "capacity.maximum"}})["hits"]["hits"])
    random.Random(5).shuffle(ids)
    writers = []
    for w in range(WRITERS):
        mine = ids[w * LISTINGS_PER_WRITER:(w + 1) * LISTINGS_PER_WRITER]
        orgs = sorted({store.get(i)[0]["organization"]["id"] for i in mine})
        token = accounts.create(f"provider-{w}-{uuid.uuid4().hex[:6]}", "provider", organizations=orgs)[1]
        writers.append((Writer(mine), token))

    app = start_gunicorn(settings, PORT, log_level="error", env={"LEAD_ES_TIMEOUT": APP_ES_TIMEOUT})
    stop = threading.Event()
    reads: list[Read] = []
    lock = threading.Lock()
    origin = time.monotonic()

    def read_loop(seed: int) -> None:
        http = urllib3.PoolManager(maxsize=1)
        rng = random.Random(seed)
        auth = {"Authorization": f"Bearer {reader_token}"}
        while not stop.is_set():
            kind = rng.random()
            t0 = time.monotonic()
            try:
                if kind < 0.4:
                    resp = http.request("POST", f"{APP}/api/v1/match", headers={**auth, "Content-Type": "application/json"},
                                        body=json.dumps({"location": {"zip": rng.choice(["06106", "06511", "06120"])},
                                                         "needs": [rng.choice(["detox", "shelter", "residential treatment"])]}),
                                        timeout=10, retries=False)
                elif kind < 0.7:
                    resp = http.request("GET", f"{APP}/api/v1/services?need=housing&zip=06106", headers=auth,
                                        timeout=10, retries=False)
                else:
                    resp = http.request("GET", f"{APP}/api/v1/nearby?need=detox&zip=06114", headers=auth,
                                        timeout=10, retries=False)
                status, detail = resp.status, ("" if resp.status == 200 else resp.data[:200].decode(errors="replace"))
            except urllib3.exceptions.HTTPError as exc:
                status, detail = 0, type(exc).__name__
            with lock:
                reads.append(Read(t0 - origin, status == 200, status, (time.monotonic() - t0) * 1000, detail))
            if status != 200:
                time.sleep(0.05)

    def write_loop(writer: Writer, token: str, seed: int) -> None:
        http = urllib3.PoolManager(maxsize=1)
        auth = {"Authorization": f"Bearer {token}"}
        value = seed * 10000
        turn = 0
        while not stop.is_set():
            listing = writer.listings[turn % len(writer.listings)]
            turn += 1
            value += 1
            began = time.monotonic()
            while not stop.is_set():
                writer.attempts += 1
                try:
                    got = http.request("GET", f"{APP}/api/v1/services/{listing}", headers=auth, timeout=10, retries=False)
                except urllib3.exceptions.HTTPError:
                    writer.retries_503 += 1
                    time.sleep(0.1)
                    continue
                if got.status != 200:
                    writer.retries_503 += 1
                    time.sleep(0.1)
                    continue
                if (json.loads(got.data).get("capacity") or {}).get("available") == value:
                    # An earlier attempt was applied though its answer was lost: not acknowledged.
                    writer.applied_unacknowledged.setdefault(listing, []).append(value)
                    break
                try:
                    put = http.request("PUT", f"{APP}/api/v1/services/{listing}/capacity",
                                       headers={**auth, "If-Match": got.headers["ETag"], "Content-Type": "application/json"},
                                       body=json.dumps({"available": value, "maximum": 100000}), timeout=10, retries=False)
                    status = put.status
                except urllib3.exceptions.HTTPError:
                    status = 0
                if status == 200:
                    writer.acknowledged.setdefault(listing, []).append(value)
                    writer.slowest_ms = max(writer.slowest_ms, (time.monotonic() - began) * 1000)
                    break
                if status == 412:
                    writer.retries_412 += 1
                else:
                    assert status in (0, 503), f"capacity write answered {status}: {put.data[:300]!r}"
                    writer.retries_503 += 1
                    time.sleep(0.1)
            time.sleep(0.05)

    threads = [threading.Thread(target=read_loop, args=(i,), daemon=True) for i in range(READERS)]
    threads += [threading.Thread(target=write_loop, args=(w, tok, i + 1), daemon=True)
                for i, (w, tok) in enumerate(writers)]
    victim = None
    histories: dict[str, list[int]] = {}
    try:
        for t in threads:
            t.start()
        time.sleep(BASELINE_S)
        live = store.listings.live_index()
        holder = primary_holder(es, live)
        master = es.cat.master(format="json")[0]["node"]
        victim = next(n for n in cluster if n.name == holder)
        killed_at = time.monotonic() - origin
        victim.kill()
        time.sleep(DOWN_S)
        # Bring the node back and time the cluster's return to green.
        back_from = time.monotonic()
        back_at = time.monotonic() - origin
        victim.up()
        health = es.cluster.health(wait_for_status="green", wait_for_nodes=3, timeout="180s")
        green_after = time.monotonic() - back_from
        time.sleep(AFTER_S)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        # The capacity history as the API shows it.
        http = urllib3.PoolManager()
        for writer, _ in writers:
            for listing in writer.listings:
                # Every page of it: writes no longer wait for a refresh, so a listing takes more than one page.
                history, before = [], None
                while True:
                    resp = http.request("GET", f"{APP}/api/v1/services/{listing}/capacity/history",
                                        fields={"size": "200", **({"before": str(before)} if before else {})},
                                        headers={"Authorization": f"Bearer {admin_token}"}, timeout=10)
                    assert resp.status == 200, resp.data[:300]
                    page = json.loads(resp.data)
                    history += [(h.get("new") or {}).get("available") for h in page["history"]]
                    before = page["next_before"]
                    if before is None:
                        break
                histories[listing] = history
    finally:
        stop.set()
        app.terminate()
        app.wait(timeout=30)
        if victim is not None and not victim.pid():
            victim.up()

    # Reads: the longest stretch of failures, and how reads went after it.
    reads.sort(key=lambda r: r.at)
    window, window_end, stretch_start = 0.0, killed_at, None
    for r in reads:
        if not r.ok and stretch_start is None:
            stretch_start = r.at
        elif r.ok and stretch_start is not None:
            if r.at - stretch_start > window:
                window, window_end = r.at - stretch_start, r.at
            stretch_start = None
    after = [r for r in reads if r.at >= max(window_end, killed_at)]
    failed_after = sum(1 for r in after if not r.ok)
    failed_total = sum(1 for r in reads if not r.ok)
    slowest_read = max(r.ms for r in reads)
    before_ms = [r.ms for r in reads if r.at < killed_at]
    during_ms = [r.ms for r in reads if killed_at <= r.at < back_at]
    for r in reads:
        if not r.ok:
            print(f"  failed read at {r.at:.2f}s ({r.ms:.0f} ms): {r.status} {r.detail}")

    # Writes: every acknowledged value is in the capacity history, and no value is there twice.
    acknowledged = lost = duplicated = unacknowledged = 0
    for writer, _ in writers:
        for listing in writer.listings:
            history = histories[listing]
            acked = writer.acknowledged.get(listing, [])
            acknowledged += len(acked)
            unacknowledged += len(writer.applied_unacknowledged.get(listing, []))
            lost += sum(1 for v in acked if v not in history)
            duplicated += sum(1 for v in set(history) if v is not None and history.count(v) > 1)
            # The listing shows the last value written to it.
            written = sorted(acked + writer.applied_unacknowledged.get(listing, []))
            if written:
                assert store.get(listing)[0]["record"]["capacity"]["available"] == written[-1]
    print(f"\n[failover] killed {holder} (primary of the listings index; elected master {master}) at "
          f"{killed_at:.1f}s; {len(reads)} reads, {failed_total} failed; failover window {window * 1000:.0f} ms; "
          f"{len(after)} reads after it, {failed_after} failed; writes acknowledged {acknowledged}, lost {lost}, "
          f"applied twice {duplicated}, applied without acknowledgement {unacknowledged}, "
          f"412 retries {sum(w.retries_412 for w, _ in writers)}, 503 retries {sum(w.retries_503 for w, _ in writers)}; "
          f"read p50 / p99 before the kill {percentile(before_ms, 0.5):.0f} / {percentile(before_ms, 0.99):.0f} ms, "
          f"while the node was down {percentile(during_ms, 0.5):.0f} / {percentile(during_ms, 0.99):.0f} ms "
          f"({len(during_ms)} reads); slowest read {slowest_read:.0f} ms, slowest acknowledged write {max(w.slowest_ms for w, _ in writers):.0f} ms; "
          f"green {green_after:.1f}s after restarting the node")
    assert health["status"] == "green" and not health["timed_out"]
    assert acknowledged > 20, "too few writes to judge"
    assert lost == 0 and duplicated == 0
    assert len(after) > 50 and failed_after == 0
    assert window < 10.0, f"reads failed for {window:.1f}s in a row"
    store.drop_everything()
