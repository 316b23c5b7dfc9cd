"""``make bench``: ingest throughput and API latency on directories of realistic size.

1. Synthetic statewide directories (10k and 100k listings, the seed generator's distributions over
   every Connecticut ZIP area) and the national federal facility lists (about 70k real sites),
   each loaded through the real ingest pipeline: listings per second, end to end.
2. For each directory, the API under gunicorn: match and nearby latency at 1 and 4 concurrent
   clients (p50/p95/p99), the engine's own ``took`` for the same requests, and their ratio.

Prints a table and writes ``bench/results/bench-<timestamp>.json``. Options: ``--sizes 10000,100000``,
``--requests 300``, ``--no-federal``. Indices use the prefix ``bench-*`` and are deleted afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import urllib3

from directory import taxonomy
from directory.es import make_client
from directory.settings import Settings
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from directory.places import data_rows
from ingest.synthetic import Generator, statewide_places, write_csv

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PORT = int(os.environ.get("LEAD_BENCH_PORT", "8765"))
LEAF_NEEDS = [n.code for n in taxonomy.NEEDS if not any(o.parent == n.code for o in taxonomy.NEEDS)]
NEARBY = ["detox", "shelter", "crisis", "harm_reduction", "naloxone", "food", "methadone", "treatment"]


def synthetic_csv(n: int, folder: Path) -> Path:
    gen = Generator(seed=n, places=statewide_places())
    rows = []
    for row in gen.rows(10 ** 9):
        rows.append(row)
        if len(rows) >= n:
            break
    path = folder / f"synthetic-{n}.csv"
    path.write_text(write_csv(iter(rows)), encoding="utf-8")
    return path


def ingest(settings: Settings, sources: list[str]) -> dict:
    es = make_client(settings.with_(es_timeout=120.0))
    store = Store(es, settings)
    store.ensure_indices()
    t0 = time.perf_counter()
    report, _ = pipeline.run(sources, store, Geocoder())
    seconds = time.perf_counter() - t0
    return {"read": report.read, "indexed": report.indexed, "rejected": len(report.rejected),
            "merged": report.merged, "seconds": round(seconds, 2),
            "listings_per_s": round(report.indexed / seconds, 1), "geocoded": dict(report.geocoded),
            "phases": {k: round(v, 2) for k, v in report.phases.items()}}


def bench_token(settings: Settings) -> str:
    from directory.accounts import Accounts

    accounts = Accounts(make_client(settings), settings)
    if accounts.get("bench-runner") is None:
        accounts.create("bench-runner", "case_manager", actor="bench")
    return accounts.reset_token("bench-runner", actor="bench")


def start_server(settings: Settings) -> subprocess.Popen:
    env = {**os.environ, "LEAD_INDEX_PREFIX": settings.index_prefix, "LEAD_ES_URL": settings.es_url}
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "4",
         "--log-level", "warning", "api.app:create_app()"], cwd=ROOT, env=env)
    http = urllib3.PoolManager()
    for _ in range(100):
        try:
            if http.request("GET", f"http://127.0.0.1:{PORT}/readyz", timeout=1).status == 200:
                return proc
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the API did not become ready")


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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def load(kind: str, bodies: list, clients: int, token: str) -> dict:
    """Send every request once, spread over ``clients`` threads with keep-alive connections."""
    lat: list[float] = []
    took: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(bodies)

    def worker() -> None:
        nonlocal errors
        http = urllib3.PoolManager(maxsize=1)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            t0 = time.perf_counter()
            auth = {"Authorization": f"Bearer {token}"}
            if kind == "match":
                resp = http.request("POST", f"http://127.0.0.1:{PORT}/api/v1/match", body=json.dumps(body),
                                    headers={"Content-Type": "application/json", **auth}, timeout=10)
            else:
                resp = http.request("GET", f"http://127.0.0.1:{PORT}/api/v1/nearby", fields=body, headers=auth,
                                    timeout=10)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                if resp.status != 200:
                    errors += 1
                    continue
                lat.append(elapsed)
                took.append(json.loads(resp.data)["took_ms"])

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    p50, took50 = percentile(lat, 50), percentile(took, 50)
    return {"kind": kind, "clients": clients, "requests": len(lat), "errors": errors,
            "p50_ms": round(p50, 1), "p95_ms": round(percentile(lat, 95), 1), "p99_ms": round(percentile(lat, 99), 1),
            "engine_took_p50_ms": round(took50, 1), "engine_took_p99_ms": round(percentile(took, 99), 1),
            "api_over_engine_p50": round(p50 / took50, 2) if took50 else None,
            "throughput_rps": round(len(lat) / wall, 1)}


def latency(settings: Settings, n_requests: int) -> list[dict]:
    rng = random.Random(42)
    points = [(float(r["Y"]), float(r["X"])) for r in data_rows("ct_zcta_centroids.csv")]
    match_bodies = profiles(rng, n_requests, points)
    nearby_bodies = [{"lat": str(la), "lon": str(lo), "need": rng.choice(NEARBY)}
                     for la, lo in (rng.choice(points) for _ in range(n_requests))]
    token = bench_token(settings)
    proc = start_server(settings)
    try:
        load("match", match_bodies[:30], 2, token)  # warm-up: caches, JIT, connections
        load("nearby", nearby_bodies[:30], 2, token)
        return [load(kind, bodies, clients, token) for kind, bodies in (("match", match_bodies),
                                                                        ("nearby", nearby_bodies))
                for clients in (1, 4)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--no-federal", action="store_true")
    args = ap.parse_args()
    base = Settings.from_env()
    es = make_client(base)
    results: dict = {"when": datetime.now(timezone.utc).isoformat(), "machine": {"cpus": os.cpu_count()},
                     "directories": []}
    sizes = [int(n) for n in args.sizes.split(",")]
    plans: list[tuple[str, list[str] | int]] = [(f"synthetic-{n // 1000}k", n) for n in sizes]
    if not args.no_federal:
        plans.append(("federal-national", [f"federal:{SHARED / 'facilities'}"]))
    with tempfile.TemporaryDirectory() as tmp:
        for name, plan in plans:
            settings = base.with_(index_prefix=f"bench-{name}")
            Store(es, settings).drop_everything()
            if isinstance(plan, int):
                t0 = time.perf_counter()
                sources = [f"provider:{synthetic_csv(plan, Path(tmp))}"]
                print(f"[{name}] generated in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            else:
                sources = plan
            print(f"[{name}] ingesting ...", file=sys.stderr)
            entry = {"name": name, "ingest": ingest(settings, sources)}
            print(f"[{name}] {entry['ingest']}", file=sys.stderr)
            entry["latency"] = latency(settings, args.requests)
            results["directories"].append(entry)
            Store(es, settings).drop_everything()
    print_table(results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {path}")
    return 0


def print_table(results: dict) -> None:
    print(f"\n{'directory':<18} {'listings':>9} {'ingest s':>9} {'listings/s':>11}")
    for d in results["directories"]:
        i = d["ingest"]
        print(f"{d['name']:<18} {i['indexed']:>9} {i['seconds']:>9} {i['listings_per_s']:>11}")
    print(f"\n{'directory':<18} {'request':<7} {'clients':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'ES took p50':>11} {'API/ES p50':>10} {'req/s':>6} {'errors':>6}")
    for d in results["directories"]:
        for r in d["latency"]:
            print(f"{d['name']:<18} {r['kind']:<7} {r['clients']:>7} {r['p50_ms']:>7} {r['p95_ms']:>7} "
                  f"{r['p99_ms']:>7} {r['engine_took_p50_ms']:>11} {str(r['api_over_engine_p50']):>10} "
                  f"{r['throughput_rps']:>6} {r['errors']:>6}")


if __name__ == "__main__":
    sys.exit(main())
