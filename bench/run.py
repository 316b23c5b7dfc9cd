"""``make bench``: ingest throughput and search latency from 10k to 1M listings, against three baselines.

On a node of its own (port 9258, heap 2g; never the shared node), for each directory:

1. Synthetic directories from the seed generator's distributions: 10k and 100k statewide (every
   Connecticut ZIP area), and 1M national (the same distributions over the population-weighted ZIP
   centroids of the whole country); plus the national federal facility lists. Each is loaded through
   the real ingest pipeline (listings/s end to end, with its phases).
2. Bulk baseline (10k, 100k): the same prepared documents, read back from the index, bulk-loaded
   straight into a new index the way the store does it. Ratio: pipeline rate / bulk rate.
3. The API under gunicorn: match and nearby at 1 and 4 concurrent clients (p50/p95/p99).
4. The engine round trip of the very same request bodies sent with the Python client (wall time of
   ``es.search``, at 1 and 4 clients). Ratio: API p50 / engine p50.
5. Brute force (10k, 100k): the same bodies evaluated in Python over every listing in memory
   (``bench/brute.py``), checked to return the engine's listings. Ratio: brute p50 / engine p50.

Targets: API p50 <= 1.5x the engine round trip; indexed search >= 100x brute force at 100k; ingest
>= 0.6x the bulk rate. Where one is missed, a profile says where the time goes (pyinstrument for
the API and the ingest; the engine's own search profile for the query). Prints tables and writes
``bench/results/bench-<timestamp>.json``; indices are deleted and the node stopped afterwards.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson
import urllib3
from elasticsearch import helpers

from bench import brute
from bench.engine import ROOT, node_pid, start_gunicorn, start_node, stop, stop_node, tree_cpu_seconds
from directory import documents, eligibility, taxonomy
from directory.accounts import Accounts
from directory.es import make_client
from directory.places import data_rows
from directory.settings import Settings
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from ingest.records import Candidate
from ingest.synthetic import Generator, national_places, statewide_places, write_csv

SHARED = ROOT.parent / "shared" / "data"
NATIONAL_CENTROIDS = SHARED / "geocoding" / "zcta_popweighted_centroids_us.csv"
PORT = int(os.environ.get("LEAD_BENCH_PORT", "8765"))
LEAF_NEEDS = [n.code for n in taxonomy.NEEDS if not any(o.parent == n.code for o in taxonomy.NEEDS)]
NEARBY = ["detox", "shelter", "crisis", "harm_reduction", "naloxone", "food", "methadone", "treatment"]
STATEWIDE_MAX = 100_000  # larger synthetic directories are national
TARGETS = {"api_over_engine_p50": 1.5, "brute_over_indexed_100k": 100.0, "ingest_over_bulk": 0.6,
           "ingest_1m_seconds": 300.0, "ingest_1m_rss_mib": 2048.0, "match_p99_4_clients_1m_ms": 100.0}


# ----- directories --------------------------------------------------------------------------------
def synthetic_csv(n: int, folder: Path) -> Path:
    if n <= STATEWIDE_MAX:
        gen = Generator(seed=n, places=statewide_places())
    else:
        places, centroids, weights = national_places(str(NATIONAL_CENTROIDS))
        gen = Generator(seed=n, places=places, centroids=centroids, weights=weights, addresses_per_zip=True)
    path = folder / f"synthetic-{n}.csv"
    with path.open("w", encoding="utf-8") as fh:
        rows = itertools.islice(gen.rows(10 ** 9), n)
        while chunk := list(itertools.islice(rows, 50_000)):
            text = write_csv(iter(chunk))
            fh.write(text if fh.tell() == 0 else text.split("\n", 1)[1])
    return path


def cpu_now(es_port: int) -> tuple[float, float]:
    """CPU seconds used so far by this process and its finished children (the validation workers), and by
    the engine node: the two sides of an ingest or a bulk load on the same cores."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, tree_cpu_seconds(node_pid(es_port))


def cpu_share(before: tuple[float, float], after: tuple[float, float], seconds: float) -> dict:
    """CPU seconds of each side over a wall time, and the share of the machine's cores they took."""
    py, node = after[0] - before[0], after[1] - before[1]
    cores = os.cpu_count() or 1
    return {"python_cpu_s": round(py, 1), "engine_cpu_s": round(node, 1),
            "machine_busy": round((py + node) / (seconds * cores), 2)}


def ingest(settings: Settings, sources: list[str], es_port: int) -> dict:
    es = make_client(settings, batch=True)
    store = Store(es, settings)
    store.ensure_indices()
    cpu0 = cpu_now(es_port)
    t0 = time.perf_counter()
    report, _ = pipeline.run(sources, store, Geocoder(), samples=True)  # synthetic listings are sample data
    seconds = time.perf_counter() - t0
    cpu = cpu_share(cpu0, cpu_now(es_port), seconds)
    # Peak resident memory so far of this process and of the largest validation worker (kilobytes on Linux):
    # the bench ingests its directories in rising order, so the figure after each is that ingest's peak.
    rss_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    rss_children_mib = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0)
    return {"read": report.read, "indexed": report.indexed, "rejected": len(report.rejected),
            "merged": report.merged, "seconds": round(seconds, 2),
            "listings_per_s": round(report.indexed / seconds, 1), "geocoded": dict(report.geocoded),
            "phases": {k: round(v, 2) for k, v in report.phases.items()},
            "peak_rss_mib": rss_mib, "peak_rss_worker_mib": rss_children_mib, "cpu": cpu}


def live_documents(es, store: Store) -> list[dict]:
    """The prepared documents, exactly as indexed."""
    return [h["_source"] for h in helpers.scan(es, index=store.listings.alias, size=2000)]


def bulk_baseline(es, store: Store, settings: Settings, docs: list[dict], es_port: int) -> dict:
    """Bulk the prepared documents straight into a new index, as a rebuild does (same mapping,
    settings, chunking and threads), with no reading, validation, geocoding, dedupe or building."""
    name = f"{settings.index_prefix}-rawbulk"
    es.indices.delete(index=name, ignore_unavailable=True)
    store.listings.create_physical(name, number_of_replicas=0, refresh_interval="-1")
    cpu0 = cpu_now(es_port)
    t0 = time.perf_counter()
    n = 0
    for _ok, _item in helpers.parallel_bulk(es, ({"_index": name, "_id": d["id"], "_source": d} for d in docs),
                                           thread_count=2, chunk_size=1000, queue_size=2, raise_on_error=True):
        n += 1
    es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
    es.indices.refresh(index=name)
    seconds = time.perf_counter() - t0
    cpu = cpu_share(cpu0, cpu_now(es_port), seconds)
    es.indices.delete(index=name)
    return {"documents": n, "seconds": round(seconds, 2), "listings_per_s": round(n / seconds, 1), "cpu": cpu}


def ingest_bound(csv_path: Path, n: int = 5000) -> dict:
    """Python's own CPU per record for each step of an ingest, measured in this process on ``n`` records of
    the same synthetic file (no workers, no engine; the cycle collector paused as in the pipeline): reading
    and classifying the row, validating it (``model.load_record``), building its search document, and
    serialising it for ``_bulk``. With the engine's CPU for the bulk of the same documents
    (``bulk_baseline``), this bounds the pipeline on this machine: Python's seconds plus the engine's, over
    the cores, is the least wall time any overlap of the two can reach, so ``bulk seconds / that`` is the
    highest ingest / bulk ratio possible."""
    part = csv_path.parent / f"bound-{n}.csv"
    with csv_path.open(encoding="utf-8") as src, part.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, n + 1))
    with pipeline.cyclic_gc_paused():
        t0 = time.process_time()
        cands = [c for c in pipeline.READERS["provider"](str(part)) if isinstance(c, Candidate)]
        pipeline.geocode(cands, Geocoder())
        t1 = time.process_time()
        records = [r for r, _ in pipeline.validate_chunk([c.raw for c in cands]) if r]
        t2 = time.process_time()
        docs = [documents.stored_document(r, None, "2026-01-01T00:00:00+00:00") for r in records]
        t3 = time.process_time()
        for d in docs:
            orjson.dumps(d)
        t4 = time.process_time()
    part.unlink()
    per = {"read_ms": (t1 - t0), "validate_ms": (t2 - t1), "document_ms": (t3 - t2), "serialise_ms": (t4 - t3)}
    return {k: round(v * 1000 / len(cands), 3) for k, v in per.items()} | {"records": len(cands)}


def bound_lines(entry: dict) -> list[str]:
    """The ingest / bulk ceiling of this machine from the measured costs (``ingest_bound``)."""
    b, bulk, ing = entry.get("ingest_bound"), entry.get("bulk"), entry["ingest"]
    if not b or not bulk or not bulk.get("cpu"):
        return []
    n, cores = ing["indexed"], os.cpu_count() or 1
    per_record = sum(v for k, v in b.items() if k.endswith("_ms"))
    python_s = per_record * n / 1000
    engine_s = bulk["cpu"]["engine_cpu_s"]
    floor = (python_s + engine_s) / cores
    return [f"Python's own CPU per record: read {b['read_ms']} ms, validate {b['validate_ms']} ms, document "
            f"{b['document_ms']} ms, serialise {b['serialise_ms']} ms = {per_record:.3f} ms, {python_s:.0f} s for "
            f"{n} records (the pipeline measured {ing['cpu']['python_cpu_s']} s with its worker processes)",
            f"the engine's CPU to index the same documents (bulk baseline): {engine_s} s; on {cores} cores no overlap "
            f"finishes under ({python_s:.0f} + {engine_s}) / {cores} = {floor:.0f} s, so ingest / bulk cannot exceed "
            f"{bulk['seconds']} / {floor:.0f} = {bulk['seconds'] / floor:.2f} here (target 0.6 needs Python under "
            f"{max(0.0, (bulk['seconds'] / 0.6 * cores - engine_s) / n * 1000):.3f} ms a record)"]


# ----- requests -----------------------------------------------------------------------------------
def profiles(rng: random.Random, n: int, points: list[tuple[float, float]]) -> list[dict]:
    out = []
    for _ in range(n):
        lat, lon = rng.choice(points)
        p = {"location": {"lat": lat, "lon": lon}, "needs": [rng.choice(LEAF_NEEDS)], "limit": 10,
             "urgency": rng.choice(["now", "today", "this_week"])}
        if rng.random() < 0.7:
            p["age"] = rng.randint(18, 70)
        if rng.random() < 0.6:
            p["gender"] = rng.choice(["male", "female"])
        if rng.random() < 0.6:
            p["insurance"] = [rng.choice(["medicaid", "medicare", "private", "uninsured"])]
        if rng.random() < 0.3:
            p["moud"] = rng.choice(["methadone", "buprenorphine"])
        if rng.random() < 0.3:
            p["languages"] = ["es"]
        if rng.random() < 0.3:
            p["max_miles"] = rng.choice([5, 10, 25])
        out.append(p)
    return out


def requests_for(n: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(42)
    points = [(float(r["Y"]), float(r["X"])) for r in data_rows("ct_zcta_centroids.csv")]
    match = profiles(rng, n, points)
    nearby = [{"lat": str(la), "lon": str(lo), "need": rng.choice(NEARBY)}
              for la, lo in (rng.choice(points) for _ in range(n))]
    return match, nearby


def engine_bodies(settings: Settings, store: Store, match: list[dict], nearby: list[dict]) -> dict[str, list[dict]]:
    """The engine request bodies the API builds for these requests (the same schema, profile and
    query functions as api/match.py), for the round-trip and brute-force measurements."""
    from api.inputs import MatchRequestSchema, NearbyQuerySchema  # noqa: PLC0415 - parse as the API does
    from matching import query  # noqa: PLC0415
    from matching.profile import Profile, resolve_needs  # noqa: PLC0415
    from matching.service import NEARBY_GROUPS, SearchService  # noqa: PLC0415

    search = SearchService(store, settings)
    moment = search.moment()
    out: dict[str, list[dict]] = {"match": [], "nearby": []}
    for raw in match:
        b = MatchRequestSchema().load(raw)
        loc = b["location"]
        profile = Profile(
            needs=resolve_needs(b["needs"]), point=search.locate(lat=loc.get("lat"), lon=loc.get("lon")),
            facts={k: b[k] for k in eligibility.PROFILE_FIELDS if k in b}, languages=b.get("languages") or [],
            urgency=b["urgency"], max_miles=b.get("max_miles"), include_full=b["include_full"], limit=b["limit"],
            diversify=b["diversify"], query=b.get("query"))
        out["match"].append(query.match_body(profile, moment))
    for raw in nearby:
        a = NearbyQuerySchema().load(raw)
        point = search.locate(lat=a["lat"], lon=a["lon"])
        out["nearby"].append(query.nearby_body(point, NEARBY_GROUPS[a["need"]], moment, a["radius"], a["limit"]))
    return out


def recorded_requests(settings: Settings, match: list[dict], nearby: list[dict]) -> dict[str, list[list[tuple]]]:
    """Every engine request each API request makes, recorded by running it in process through the app (the
    same schema, profile, query and shaping code as under gunicorn): ``[(kind, body or bodies), ...]`` per
    request, ``kind`` one of search, msearch, referrals. Replaying them (``engine_replay``) is the engine's
    share of that request, so API / replay is the API's own cost: parsing, auth, shaping, serialising, HTTP."""
    from api.app import create_app  # noqa: PLC0415

    app = create_app(settings)
    store = app.extensions["lead"].store
    calls: list[tuple] = []
    real = store.search, store.msearch, store.search_referrals

    def search(body: dict) -> dict:
        calls.append(("search", body))
        return real[0](body)

    def msearch(bodies: list[dict]) -> list[dict]:
        calls.append(("msearch", bodies))
        return real[1](bodies)

    def referrals(body: dict) -> dict | None:
        calls.append(("referrals", body))
        return real[2](body)

    store.search, store.msearch, store.search_referrals = search, msearch, referrals
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bench_token(settings)}"
    out: dict[str, list[list[tuple]]] = {"match": [], "nearby": []}
    for kind, items in (("match", match), ("nearby", nearby)):
        for item in items:
            calls.clear()
            resp = client.post("/api/v1/match", json=item) if kind == "match" else \
                client.get("/api/v1/nearby", query_string=item)
            assert resp.status_code == 200, resp.get_json()
            out[kind].append(list(calls))
    return out


def replay(store: Store, calls: list[tuple]) -> None:
    """Send one API request's engine requests again, in order, through the store's own doors."""
    for kind, body in calls:
        if kind == "search":
            store.search(body)
        elif kind == "msearch":
            store.msearch(body)
        else:
            store.search_referrals(body)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _spread(items: list, clients: int, work) -> tuple[list[float], float, int]:
    """Run ``work(item)`` (returns ms or None on error) over ``clients`` threads; (latencies, wall s, errors)."""
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(items)

    def worker() -> None:
        nonlocal errors
        state: dict = {}
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            ms = work(item, state)
            with lock:
                if ms is None:
                    errors += 1
                else:
                    lat.append(ms)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, time.perf_counter() - t0, errors


def api_latency(kind: str, bodies: list, clients: int, token: str) -> dict:
    """Each request once through the API, spread over ``clients`` keep-alive connections."""
    took: list[float] = []

    def work(body, state) -> float | None:
        http = state.setdefault("http", urllib3.PoolManager(maxsize=1))
        auth = {"Authorization": f"Bearer {token}"}
        t0 = time.perf_counter()
        if kind == "match":
            resp = http.request("POST", f"http://127.0.0.1:{PORT}/api/v1/match", body=json.dumps(body),
                                headers={"Content-Type": "application/json", **auth}, timeout=30)
        else:
            resp = http.request("GET", f"http://127.0.0.1:{PORT}/api/v1/nearby", fields=body, headers=auth, timeout=30)
        ms = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            return None
        took.append(json.loads(resp.data)["took_ms"])
        return ms

    lat, wall, errors = _spread(bodies, clients, work)
    return {"kind": kind, "clients": clients, "requests": len(lat), "errors": errors,
            "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2), "engine_took_p50_ms": round(percentile(took, 50), 1),
            "throughput_rps": round(len(lat) / wall, 1)}


def engine_latency(es, index: str, kind: str, bodies: list[dict], clients: int) -> dict:
    """The same bodies sent straight to the engine with the Python client: wall time of es.search."""
    def work(body, state) -> float | None:
        t0 = time.perf_counter()
        es.search(index=index, body=body)
        return (time.perf_counter() - t0) * 1000

    lat, wall, errors = _spread(bodies, clients, work)
    return {"kind": kind, "clients": clients, "requests": len(lat), "errors": errors,
            "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2), "throughput_rps": round(len(lat) / wall, 1)}


def engine_replay(store: Store, kind: str, requests: list[list[tuple]], clients: int) -> dict:
    """Every engine request of each API request (``recorded_requests``), replayed with the Python client:
    wall time per API request."""
    def work(calls, state) -> float | None:
        t0 = time.perf_counter()
        replay(store, calls)
        return (time.perf_counter() - t0) * 1000

    lat, wall, errors = _spread(requests, clients, work)
    return {"kind": kind, "clients": clients, "requests": len(lat), "errors": errors,
            "round_trips_per_request": round(sum(len(c) for c in requests) / max(1, len(requests)), 2),
            "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2), "throughput_rps": round(len(lat) / wall, 1)}


def brute_force(es, index: str, docs: list[dict], bodies: dict[str, list[dict]], n: int) -> dict:
    """p50 of the brute-force baseline over ``n`` bodies of each kind, and its agreement with the engine."""
    t0 = time.perf_counter()
    prepared = brute.prepare(docs)
    out: dict = {"listings": len(prepared), "prepare_s": round(time.perf_counter() - t0, 1)}
    for kind, items in bodies.items():
        times, agree, totals_equal = [], [], 0
        for body in items[:n]:
            t0 = time.perf_counter()
            total, top = brute.search(prepared, body)
            times.append((time.perf_counter() - t0) * 1000)
            hits = es.search(index=index, body=body)["hits"]
            agree.append(brute.agreement([h["_id"] for h in hits["hits"]], [i for i, _ in top]))
            totals_equal += (hits.get("total") or {}).get("value", total) == total  # (nearby does not count)
        out[kind] = {"queries": len(times), "p50_ms": round(percentile(times, 50), 1),
                     "same_listings": round(sum(agree) / len(agree), 3), "same_totals": f"{totals_equal}/{len(times)}"}
    return out


def bench_token(settings: Settings) -> str:
    accounts = Accounts(make_client(settings, batch=True), settings)
    if accounts.get("bench-runner") is None:
        accounts.create("bench-runner", "case_manager", actor="bench")
    return accounts.reset_token("bench-runner", actor="bench")


def measure_search(settings: Settings, store: Store, n_requests: int) -> tuple[list[dict], list[dict], list[dict], dict]:
    """API and engine latency for the same requests, at 1 and 4 clients: the engine as the main search body
    alone, and as every engine request the API request makes (replayed)."""
    es = make_client(settings, batch=True)
    match, nearby = requests_for(n_requests)
    bodies = engine_bodies(settings, store, match, nearby)
    recorded = recorded_requests(settings, match, nearby)
    token = bench_token(settings)
    proc = start_gunicorn(settings, PORT)
    api, engine, replayed = [], [], []
    try:
        api_latency("match", match[:30], 2, token)  # warm-up: caches, JIT, connections
        api_latency("nearby", nearby[:30], 2, token)
        engine_latency(es, store.listings.alias, "match", bodies["match"][:30], 2)
        for kind, reqs in (("match", match), ("nearby", nearby)):
            for clients in (1, 4):
                a, e, r = paired_latency(kind, reqs, recorded[kind], bodies[kind], clients, token, store, es)
                api.append(a)
                engine.append(e)
                replayed.append(r)
    finally:
        stop(proc)
    return api, engine, replayed, bodies


def paired_latency(kind: str, requests: list, recorded: list[list[tuple]], bodies: list[dict], clients: int,
                   token: str, store: Store, es) -> tuple[dict, dict, dict]:
    """Each request through the API, then at once its engine requests replayed, then its main search body
    alone: three figures taken side by side, so the ratios compare the same moment of a machine whose other
    users come and go (measured one after the other, minutes apart, they drifted by 2-3x here)."""
    lock = threading.Lock()
    api: list[float] = []
    rep: list[float] = []
    main: list[float] = []
    took: list[float] = []

    def work(i: int, state) -> float | None:
        http = state.setdefault("http", urllib3.PoolManager(maxsize=1))
        auth = {"Authorization": f"Bearer {token}"}
        t0 = time.perf_counter()
        if kind == "match":
            resp = http.request("POST", f"http://127.0.0.1:{PORT}/api/v1/match", body=json.dumps(requests[i]),
                                headers={"Content-Type": "application/json", **auth}, timeout=30)
        else:
            resp = http.request("GET", f"http://127.0.0.1:{PORT}/api/v1/nearby", fields=requests[i], headers=auth,
                                timeout=30)
        t1 = time.perf_counter()
        if resp.status != 200:
            return None
        replay(store, recorded[i])
        t2 = time.perf_counter()
        es.search(index=store.listings.alias, body=bodies[i])
        t3 = time.perf_counter()
        with lock:
            api.append((t1 - t0) * 1000)
            rep.append((t2 - t1) * 1000)
            main.append((t3 - t2) * 1000)
            took.append(json.loads(resp.data)["took_ms"])
        return (t1 - t0) * 1000

    _lat, wall, errors = _spread(list(range(len(requests))), clients, work)

    def stats(values: list[float]) -> dict:
        return {"kind": kind, "clients": clients, "requests": len(values), "errors": errors,
                "p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
                "p99_ms": round(percentile(values, 99), 2),
                "throughput_rps": round(len(values) / sum(values) * 1000 * clients, 1) if values else 0.0}

    return ({**stats(api), "engine_took_p50_ms": round(percentile(took, 50), 1)}, stats(main),
            {**stats(rep), "round_trips_per_request": round(sum(len(c) for c in recorded) / max(1, len(recorded)), 2)})


# ----- profiles -----------------------------------------------------------------------------------
def profile_api(settings: Settings, n: int) -> str:
    """Where a match request's time goes inside the app (pyinstrument, in process)."""
    from pyinstrument import Profiler  # noqa: PLC0415
    from pyinstrument.renderers import ConsoleRenderer  # noqa: PLC0415

    from api.app import create_app  # noqa: PLC0415

    app = create_app(settings)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bench_token(settings)}"
    match, _ = requests_for(n)
    for body in match[:20]:
        client.post("/api/v1/match", json=body)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for body in match:
        client.post("/api/v1/match", json=body)
    profiler.stop()
    return profiler.output(ConsoleRenderer(flat=True, flat_time="total", unicode=False, color=False))


def profile_engine(es, index: str, body: dict) -> list[str]:
    """The engine's own profile of one match request: where its time goes, per query component."""
    resp = es.search(index=index, body={**body, "profile": True})
    lines = []

    def walk(node: dict, depth: int) -> None:
        lines.append(f"{'  ' * depth}{node['time_in_nanos'] / 1e6:8.2f} ms  {node['type']}: "
                     f"{node['description'][:90]}")
        for child in sorted(node.get("children", []), key=lambda c: -c["time_in_nanos"])[:4]:
            if depth < 3:
                walk(child, depth + 1)

    for shard in resp["profile"]["shards"]:
        for search in shard["searches"]:
            for q in search["query"]:
                walk(q, 0)
            for c in search.get("collector", []):
                lines.append(f"{c['time_in_nanos'] / 1e6:8.2f} ms  collector {c['name']}")
    return lines


def profile_ingest(settings: Settings, sources: list[str]) -> str:
    from pyinstrument import Profiler  # noqa: PLC0415
    from pyinstrument.renderers import ConsoleRenderer  # noqa: PLC0415

    es = make_client(settings, batch=True)
    store = Store(es, settings)
    store.ensure_indices()
    profiler = Profiler(interval=0.002)
    profiler.start()
    pipeline.run(sources, store, Geocoder(), samples=True)
    profiler.stop()
    store.drop_everything()
    return profiler.output(ConsoleRenderer(flat=True, flat_time="total", unicode=False, color=False))


# ----- the run ------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--no-federal", action="store_true")
    ap.add_argument("--brute-sizes", default="10000,100000")
    ap.add_argument("--brute-queries", type=int, default=30)
    ap.add_argument("--bulk-max", type=int, default=STATEWIDE_MAX, help="bulk baseline up to this size")
    ap.add_argument("--es-port", type=int, default=int(os.environ.get("LEAD_BENCH_ES_PORT", "9258")))
    ap.add_argument("--heap", default=os.environ.get("LEAD_BENCH_HEAP", "2g"))
    ap.add_argument("--keep-node", action="store_true")
    ap.add_argument("--no-profiles", action="store_true")
    args = ap.parse_args()

    url = start_node(args.es_port, args.heap)
    base = Settings.from_env(es_url=url)
    es = make_client(base, batch=True)
    results: dict = {"when": datetime.now(timezone.utc).isoformat(), "machine": {"cpus": os.cpu_count()},
                     "engine_heap": args.heap, "directories": []}
    sizes = [int(n) for n in args.sizes.split(",") if n]
    brute_sizes = {int(n) for n in args.brute_sizes.split(",") if n}
    plans: list[tuple[str, list[str] | int]] = [(f"synthetic-{n // 1000}k", n) for n in sizes]
    if not args.no_federal:
        plans.append(("federal-national", [f"federal:{SHARED / 'facilities'}"]))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    sources_of: dict[str, list[str]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, plan in plans:
                settings = base.with_(index_prefix=f"bench-{name}")
                store = Store(es, settings)
                store.drop_everything()
                if isinstance(plan, int):
                    t0 = time.perf_counter()
                    sources = [f"provider:{synthetic_csv(plan, Path(tmp))}"]
                    log(f"[{name}] generated in {time.perf_counter() - t0:.1f}s")
                else:
                    sources = plan
                sources_of[name] = sources
                log(f"[{name}] ingesting ...")
                entry: dict = {"name": name, "load_average": round(os.getloadavg()[0], 1),
                               "ingest": ingest(settings, sources, args.es_port)}
                log(f"[{name}] {entry['ingest']}")
                docs = None
                if isinstance(plan, int) and (plan <= args.bulk_max or plan in brute_sizes):
                    docs = live_documents(es, store)
                if docs is not None and isinstance(plan, int) and plan <= args.bulk_max:
                    entry["bulk"] = bulk_baseline(es, store, settings, docs, args.es_port)
                    entry["ingest_over_bulk"] = round(entry["ingest"]["listings_per_s"] / entry["bulk"]["listings_per_s"], 2)
                    log(f"[{name}] bulk baseline {entry['bulk']}")
                    entry["ingest_bound"] = ingest_bound(Path(sources[0].split(":", 1)[1]))
                    log(f"[{name}] Python CPU per record {entry['ingest_bound']}")
                entry["api"], entry["engine"], entry["replay"], bodies = measure_search(settings, store, args.requests)
                entry["api_over_engine_p50"] = {
                    f"{a['kind']} x{a['clients']}": round(a["p50_ms"] / e["p50_ms"], 2)
                    for a, e in zip(entry["api"], entry["replay"])}
                entry["api_over_main_body_p50"] = {
                    f"{a['kind']} x{a['clients']}": round(a["p50_ms"] / e["p50_ms"], 2)
                    for a, e in zip(entry["api"], entry["engine"])}
                if docs is not None and isinstance(plan, int) and plan in brute_sizes:
                    entry["brute"] = brute_force(es, store.listings.alias, docs, bodies, args.brute_queries)
                    one = {e["kind"]: e["p50_ms"] for e in entry["engine"] if e["clients"] == 1}
                    entry["brute_over_indexed"] = {k: round(entry["brute"][k]["p50_ms"] / one[k], 1) for k in one}
                    log(f"[{name}] brute force {entry['brute']}")
                if not args.no_profiles and name == "synthetic-100k":
                    entry["engine_profile"] = profile_engine(es, store.listings.alias, bodies["match"][0])
                    if max(entry["api_over_engine_p50"].values()) > TARGETS["api_over_engine_p50"]:
                        entry["api_profile"] = profile_api(settings, 150)
                del docs
                results["directories"].append(entry)
                store.drop_everything()
            ratios = summarise(results)
            if not args.no_profiles and ratios.get("ingest_over_bulk", 1) < TARGETS["ingest_over_bulk"]:
                settings = base.with_(index_prefix="bench-profile")
                small = [d["name"] for d in results["directories"] if d["name"] == "synthetic-10k"]
                if small:
                    results["ingest_profile"] = profile_ingest(settings, sources_of[small[0]])
    finally:
        for name, _ in plans:
            Store(es, base.with_(index_prefix=f"bench-{name}")).drop_everything()
        if not args.keep_node:
            stop_node(args.es_port, args.heap)

    results["ratios"] = ratios
    print_tables(results)
    path = out / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {path}")
    return 0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def summarise(results: dict) -> dict:
    """The three target ratios of this run (at 100k when there; else the largest directory with them)."""
    by_name = {d["name"]: d for d in results["directories"]}
    ref = by_name.get("synthetic-100k") or next(
        (d for d in reversed(results["directories"]) if "brute" in d), results["directories"][-1])
    ratios: dict = {"measured_on": ref["name"]}
    api = ref.get("api_over_engine_p50", {})
    if api:
        ratios["api_over_engine_p50"] = dict(api)
        ratios["api_over_main_body_p50"] = dict(ref.get("api_over_main_body_p50", {}))
    if "brute_over_indexed" in ref:
        ratios["brute_over_indexed"] = ref["brute_over_indexed"]
    if "ingest_over_bulk" in ref:
        ratios["ingest_over_bulk"] = ref["ingest_over_bulk"]
    big = by_name.get("synthetic-1000k")
    if big:
        ratios["at_1m"] = {"ingest_seconds": big["ingest"]["seconds"], "ingest_rss_mib": big["ingest"]["peak_rss_mib"],
                           "match_p99_4_clients_ms": next(a["p99_ms"] for a in big["api"]
                                                          if a["kind"] == "match" and a["clients"] == 4),
                           "api_over_engine_p50": dict(big.get("api_over_engine_p50", {}))}
        if "brute_over_indexed" in big:
            ratios["at_1m"]["brute_over_indexed"] = big["brute_over_indexed"]
    return ratios


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def target_lines(r: dict) -> list[str]:
    """One line per target: the figure, the target, MET or MISSED (``not measured`` when this run lacks it)."""
    lines = []
    target = TARGETS["api_over_engine_p50"]
    for k, v in (r.get("api_over_engine_p50") or {}).items():
        lines.append(f"API p50 / engine round trips of the same request ({k}): {v} (target <= {target}) "
                     f"{_verdict(v <= target)}")
    for k, v in (r.get("api_over_main_body_p50") or {}).items():
        lines.append(f"API p50 / engine round trip of its main search body alone ({k}): {v} (target <= {target}) "
                     f"{_verdict(v <= target)}")
    target = TARGETS["brute_over_indexed_100k"]
    for k, v in (r.get("brute_over_indexed") or {}).items():
        lines.append(f"brute force / indexed ({k}): {v}x (target >= {target:g}x) {_verdict(v >= target)}")
    if "ingest_over_bulk" in r:
        v, target = r["ingest_over_bulk"], TARGETS["ingest_over_bulk"]
        lines.append(f"ingest / bulk of the same documents: {v} (target >= {target}) {_verdict(v >= target)}")
    else:
        lines.append("ingest / bulk of the same documents: not measured")
    big = r.get("at_1m")
    if not big:
        lines.append("1M directory (ingest <= 300 s, peak RSS < 2 GiB, match p99 <= 100 ms at 4 clients, "
                     "API/engine <= 1.5 and brute/indexed >= 100x at 1M): not measured in this run (--sizes)")
        return lines
    v = big["ingest_seconds"]
    lines.append(f"1M ingest end to end: {v} s (target <= {TARGETS['ingest_1m_seconds']:g} s) "
                 f"{_verdict(v <= TARGETS['ingest_1m_seconds'])}")
    v = big["ingest_rss_mib"]
    lines.append(f"1M ingest peak RSS: {v:g} MiB (target < {TARGETS['ingest_1m_rss_mib']:g} MiB) "
                 f"{_verdict(v < TARGETS['ingest_1m_rss_mib'])}")
    v = big["match_p99_4_clients_ms"]
    lines.append(f"1M match p99 at 4 clients: {v} ms (target <= {TARGETS['match_p99_4_clients_1m_ms']:g} ms) "
                 f"{_verdict(v <= TARGETS['match_p99_4_clients_1m_ms'])}")
    for k, v in big["api_over_engine_p50"].items():
        lines.append(f"1M API p50 / engine round trips ({k}): {v} (target <= {TARGETS['api_over_engine_p50']}) "
                     f"{_verdict(v <= TARGETS['api_over_engine_p50'])}")
    for k, v in (big.get("brute_over_indexed") or {}).items():
        lines.append(f"1M brute force / indexed ({k}): {v}x (target >= 100x) {_verdict(v >= 100)}")
    return lines


def print_tables(results: dict) -> None:
    print(f"\nmake bench ({results['machine']['cpus']} CPUs, engine heap {results['engine_heap']})")
    print(f"\n{'directory':<18} {'listings':>9} {'ingest s':>9} {'listings/s':>11} {'bulk /s':>9} {'ratio':>6} "
          f"{'RSS MiB':>8} {'worker':>7}  phases (s)")
    for d in results["directories"]:
        i, b = d["ingest"], d.get("bulk") or {}
        phases = ", ".join(f"{k} {v}" for k, v in i["phases"].items())
        print(f"{d['name']:<18} {i['indexed']:>9} {i['seconds']:>9} {i['listings_per_s']:>11} "
              f"{b.get('listings_per_s', '-'):>9} {d.get('ingest_over_bulk', '-'):>6} {i.get('peak_rss_mib', '-'):>8} "
              f"{i.get('peak_rss_worker_mib', '-'):>7}  {phases}")
    for d in results["directories"]:
        for what, part in (("ingest", d["ingest"]), ("bulk", d.get("bulk") or {})):
            if part.get("cpu"):
                c = part["cpu"]
                print(f"{d['name']:<18} {what} CPU: Python {c['python_cpu_s']} s, engine {c['engine_cpu_s']} s over "
                      f"{part['seconds']} s: the machine's cores {round(c['machine_busy'] * 100)}% busy")
    for d in results["directories"]:
        for line in bound_lines(d):
            print(f"{d['name']:<18} {line}")
    print(f"\n{'directory':<18} {'request':<7} {'clients':>7} {'API p50':>8} {'API p99':>8} {'engine p50':>10} "
          f"{'engine p99':>10} {'API/engine':>10} {'took p50':>8} {'API req/s':>9} {'errors':>6}")
    for d in results["directories"]:
        for a, e in zip(d["api"], d["engine"]):
            print(f"{d['name']:<18} {a['kind']:<7} {a['clients']:>7} {a['p50_ms']:>8} {a['p99_ms']:>8} "
                  f"{e['p50_ms']:>10} {e['p99_ms']:>10} {d['api_over_main_body_p50'][a['kind'] + ' x' + str(a['clients'])]:>10} "
                  f"{a['engine_took_p50_ms']:>8} {a['throughput_rps']:>9} {a['errors']:>6}")
    print(f"\n{'directory':<18} {'request':<7} {'brute p50 ms':>12} {'engine p50 ms':>13} {'brute/engine':>12} "
          f"{'same listings':>13} {'same totals':>11}")
    for d in results["directories"]:
        if "brute" not in d:
            continue
        one = {e["kind"]: e["p50_ms"] for e in d["engine"] if e["clients"] == 1}
        for kind in ("match", "nearby"):
            b = d["brute"][kind]
            print(f"{d['name']:<18} {kind:<7} {b['p50_ms']:>12} {one[kind]:>13} {d['brute_over_indexed'][kind]:>12} "
                  f"{b['same_listings']:>13} {b['same_totals']:>11}")
    print(f"\n{'directory':<18} {'request':<7} {'clients':>7} {'replay p50':>10} {'replay p99':>10} {'round trips':>11} "
          f"{'API/replay':>10}")
    for d in results["directories"]:
        for a, e in zip(d["api"], d.get("replay") or []):
            print(f"{d['name']:<18} {a['kind']:<7} {a['clients']:>7} {e['p50_ms']:>10} {e['p99_ms']:>10} "
                  f"{e['round_trips_per_request']:>11} {round(a['p50_ms'] / e['p50_ms'], 2):>10}")
    r = results["ratios"]
    print(f"\ntargets on {r['measured_on']} (every ratio of issue 21; MET or MISSED):")
    for line in target_lines(r):
        print(f"  {line}")
    for d in results["directories"]:
        if d.get("engine_profile"):
            print(f"\nthe engine's profile of one match on {d['name']}:")
            print("\n".join(d["engine_profile"][:30]))
        if d.get("api_profile"):
            print(f"\nwhere a match request's time goes in the app on {d['name']} (pyinstrument, total time per function):")
            print("\n".join(d["api_profile"].splitlines()[:40]))
    if results.get("ingest_profile"):
        print("\nwhere the ingest's time goes (pyinstrument over the 10k ingest, total time per function):")
        print("\n".join(results["ingest_profile"].splitlines()[:45]))


if __name__ == "__main__":
    sys.exit(main())
