"""``make load``: the API under rising concurrency, driven by locust (bench/locustfile.py).

1. Starts its own Elasticsearch node (port 9257, data under .cache/es-load; never the shared node)
   and loads the seed plus the Connecticut federal facility lists (the sources of `make load-ct`).
2. Serves the API with gunicorn as production does (2 workers x 4 threads; ``--worker-class gevent``
   and ``--workers`` / ``--threads`` to compare worker models).
3. Runs locust headless at each concurrency step (default 8, 16, 32, 48, 64, 96, 128 users, 40 s each),
   with the mix of bench/locustfile.py: 70% browse and nearby, 20% match, 10% capacity writes.
4. Prints throughput, p50/p99 and errors per step, where throughput stops rising (saturation), and the
   highest step with p99 <= 300 ms (``--p99-ms``) and no error; writes bench/results/load-<timestamp>.json.
   The node is stopped and its indices dropped at the end.

The load generator runs on the same two cores as the server, so each step also reports the CPU share of
the whole machine taken by locust (from its own rusage: it is this process's child), by the gunicorn
process tree and by the engine node (psutil), and how busy the machine was: a generator that starves the
server shows as a large locust share, other people's work as "all" well above the three together.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

from bench.engine import BIN, ROOT, node_pid, start_gunicorn, start_node, stop, stop_node, tree_cpu_seconds
from directory.accounts import Accounts
from directory.es import make_client
from directory.places import data_rows
from directory.settings import Settings
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder


SHARED = ROOT.parent / "shared" / "data"


def prepare(settings: Settings) -> dict[str, str]:
    """Load the directory and make the accounts the load uses; returns locust's environment."""
    es = make_client(settings, batch=True)
    store = Store(es, settings)
    store.drop_everything()
    store.ensure_indices()
    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}", f"federal:{SHARED / 'facilities' / 'ct'}"], store,
                             Geocoder(cache_get=store.geocache.get_many, cache_put=store.geocache.put_many),
                             samples=True)
    print(f"[load] directory: {report.indexed} listings (seed + CT federal lists)", file=sys.stderr)
    hits = es.search(index=store.listings.alias, size=60, query={"exists": {"field": "capacity.maximum"}},
                     _source=["organization.id"], sort=[{"id": "asc"}])["hits"]["hits"]
    listings = [h["_id"] for h in hits]
    orgs = sorted({h["_source"]["organization"]["id"] for h in hits})
    accounts = Accounts(es, settings, audit=store.audit)
    reader = accounts.create("load-casemanager", "case_manager", actor="load")[1]
    writer = accounts.create("load-provider", "provider", organizations=orgs, actor="load")[1]
    points = [[float(r["Y"]), float(r["X"])] for r in data_rows("ct_zcta_centroids.csv")]
    return {"LOAD_READ_TOKEN": reader, "LOAD_WRITE_TOKEN": writer, "LOAD_WRITE_LISTINGS": ",".join(listings),
            "LOAD_POINTS": json.dumps(points), "listings": str(report.indexed)}


ENGINE_TIMES = {"query": ("search", "query_time_in_millis"), "fetch": ("search", "fetch_time_in_millis"),
                "get": ("get", "time_in_millis"), "index": ("indexing", "index_time_in_millis"),
                "refresh": ("refresh", "total_time_in_millis"), "merge": ("merges", "total_time_in_millis")}
ENGINE_COUNTS = {"queries": ("search", "query_total"), "gets": ("get", "total"), "writes": ("indexing", "index_total")}


def engine_work(es, prefix: str = "load") -> dict[str, dict[str, int]]:
    """The engine's own account of its work so far, per index family (listings, audit, capacity history...):
    milliseconds spent querying, fetching, getting, indexing, refreshing and merging, and how many of each."""
    out: dict[str, dict[str, int]] = {}
    if es is None:
        return out
    stats_of = es.indices.stats(index=f"{prefix}-*", metric="search,get,indexing,refresh,merge")["indices"]
    for name, stats in stats_of.items():
        family = name.removeprefix(f"{prefix}-").rstrip("-0123456789")
        row = out.setdefault(family, dict.fromkeys([*ENGINE_TIMES, *ENGINE_COUNTS], 0))
        total = stats["total"]
        for key, (group, field) in {**ENGINE_TIMES, **ENGINE_COUNTS}.items():
            row[key] += int(total.get(group, {}).get(field, 0))
    return out


def work_between(before: dict, after: dict) -> dict[str, dict[str, int]]:
    out = {}
    for family, row in after.items():
        delta = {k: v - before.get(family, {}).get(k, 0) for k, v in row.items()}
        if any(delta.values()):
            out[family] = delta
    return dict(sorted(out.items(), key=lambda kv: -sum(kv[1][k] for k in ENGINE_TIMES)))


def run_step(users: int, seconds: int, host: str, env: dict[str, str], folder: Path,
             server_pid: int | None = None, es_pid: int | None = None, es=None) -> dict:
    """One locust run at ``users``; with the CPU each side used: the load generator (locust, a child of this
    process: its rusage), the app server and the engine (their process trees), as shares of the machine."""
    prefix = folder / f"step-{users}"
    status_file = folder / f"status-{users}.json"
    cmd = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
           "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
           "--loglevel", "WARNING", "--stop-timeout", "5"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, es_before, wall_before = tree_cpu_seconds(server_pid), tree_cpu_seconds(es_pid), time.monotonic()
    machine_before = psutil.cpu_times()
    work_before = engine_work(es)
    subprocess.run(cmd, env={**os.environ, **env, "LOAD_STATUS_FILE": str(status_file)}, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - wall_before
    machine_after = psutil.cpu_times()
    work = work_between(work_before, engine_work(es))
    capacity = wall * (os.cpu_count() or 1)
    busy = sum(getattr(machine_after, f) - getattr(machine_before, f) for f in ("user", "system", "nice", "irq",
                                                                                "softirq"))
    cpu = {"locust": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
           "server": tree_cpu_seconds(server_pid) - server_before, "engine": tree_cpu_seconds(es_pid) - es_before}
    shares = {f"{k}_cpu_share": round(v / capacity, 3) for k, v in cpu.items()}
    shares["machine_busy_share"] = round(busy / capacity, 3)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    agg = rows["Aggregated"]
    status = json.loads(status_file.read_text()) if status_file.exists() else {}
    by_code: dict[str, int] = {}
    for key, n in status.items():
        code = key.rsplit(" ", 1)[1]
        by_code[code] = by_code.get(code, 0) + n
    server_errors = sum(n for code, n in by_code.items() if code.startswith("5"))
    conflicts = sum(n for key, n in status.items() if key.endswith(" 412"))
    other = sum(n for code, n in by_code.items() if code not in ("200", "412") and not code.startswith("5"))
    per_kind = {name: {"requests": int(r["Request Count"]), "p50_ms": float(r["50%"]), "p99_ms": float(r["99%"])}
                for name, r in rows.items() if name != "Aggregated"}
    return {"users": users, "seconds": seconds, "load_average": round(os.getloadavg()[0], 1), **shares,
            "requests": int(agg["Request Count"]),
            "rps": round(float(agg["Requests/s"]), 1), "p50_ms": float(agg["50%"]), "p99_ms": float(agg["99%"]),
            "failures": int(agg["Failure Count"]), "server_errors": server_errors, "conflicts_412": conflicts,
            "other_errors": other, "status": by_code, "per_kind": per_kind, "engine_work": work}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", default="8,16,32,48,64,96,128")
    ap.add_argument("--seconds", type=int, default=40)
    ap.add_argument("--es-port", type=int, default=int(os.environ.get("LEAD_LOAD_ES_PORT", "9257")))
    ap.add_argument("--heap", default="512m")
    ap.add_argument("--port", type=int, default=int(os.environ.get("LEAD_LOAD_PORT", "8767")))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4, help="threads per worker (gevent: connections per worker)")
    ap.add_argument("--worker-class", default="gthread", choices=("gthread", "gevent"))
    ap.add_argument("--p99-ms", type=float, default=300.0, help="the latency target of the highest step reported")
    ap.add_argument("--keep-node", action="store_true", help="leave the load node running afterwards")
    ap.add_argument("--report", metavar="JSON", help="print the table of an earlier run and exit")
    args = ap.parse_args()
    if args.report:
        return report(args.report)

    start_node(args.es_port, args.heap)
    settings = Settings.from_env(es_url=f"http://127.0.0.1:{args.es_port}", index_prefix="load")
    app = None
    try:
        env = prepare(settings)
        listings = env.pop("listings")
        app = start_gunicorn(settings, args.port, args.workers, args.threads, worker_class=args.worker_class)
        host = f"http://127.0.0.1:{args.port}"
        results = []
        es = make_client(settings, batch=True)  # the engine's own account of each step (index stats)
        with tempfile.TemporaryDirectory() as tmp:
            run_step(4, 10, host, env, Path(tmp))  # warm-up: JIT, caches, connections
            for users in [int(u) for u in args.steps.split(",")]:
                step = run_step(users, args.seconds, host, env, Path(tmp), app.pid, node_pid(args.es_port), es=es)
                results.append(step)
                print(f"[load] {users:>4} users: {step['rps']:>7} req/s, p50 {step['p50_ms']:.0f} ms, "
                      f"p99 {step['p99_ms']:.0f} ms, 5xx {step['server_errors']}, 412 {step['conflicts_412']}, "
                      f"CPU locust {step['locust_cpu_share']:.0%} server {step['server_cpu_share']:.0%} "
                      f"engine {step['engine_cpu_share']:.0%} machine {step['machine_busy_share']:.0%}",
                      file=sys.stderr)
    finally:
        stop(app)
        Store(make_client(settings, batch=True), settings).drop_everything()
        if not args.keep_node:
            stop_node(args.es_port, args.heap)

    summary = summarise(results, args.p99_ms)
    print_table(results, summary, listings, args)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(), "cpus": os.cpu_count(),
                                "listings": int(listings), "gunicorn": f"{args.workers}x{args.threads}",
                                "worker_class": args.worker_class, "p99_target_ms": args.p99_ms,
                                "steps": results, **summary}, indent=2))
    print(f"\nwrote {path}")
    return 1 if summary["sustained_server_errors"] else 0


def summarise(results: list[dict], p99_ms: float = 300.0) -> dict:
    """Saturation: the first step where doubling the users no longer brings at least half as much
    again in throughput (rps growth < half the user growth); latency climbs from there on. The
    sustained step is the one before it: the most throughput this machine gives at a steady latency."""
    saturated = next((i for i in range(1, len(results))
                      if results[i]["rps"] / results[i - 1]["rps"] - 1
                      < 0.5 * (results[i]["users"] / results[i - 1]["users"] - 1)), None)
    sustained = results[(saturated - 1) if saturated else -1]
    within = [r for r in results if r["p99_ms"] <= p99_ms and not r["failures"] and not r["server_errors"]
              and not r["other_errors"]]
    best = max(within, key=lambda r: r["rps"]) if within else None
    return {"p99_target_ms": p99_ms, "best_within_target": {k: best[k] for k in ("users", "rps", "p50_ms", "p99_ms")}
            if best else None,"saturates_at_users": results[saturated]["users"] if saturated else None,
            "peak_rps": max(r["rps"] for r in results), "sustained_users": sustained["users"],
            "sustained_rps": sustained["rps"], "sustained_p99_ms": sustained["p99_ms"],
            "sustained_server_errors": sustained["server_errors"]}


READS = ("browse", "nearby", "match")


def print_table(results: list[dict], summary: dict, listings: str | int, args: argparse.Namespace) -> None:
    print(f"\nmake load: {listings} listings, gunicorn {args.workers} {args.worker_class} workers x {args.threads} "
          f"{'threads' if args.worker_class == 'gthread' else 'connections'}, "
          f"{os.cpu_count()} CPUs, {args.seconds} s per step; mix 35% browse, 35% nearby, 20% match, "
          "10% capacity write (GET + PUT with If-Match)")
    print(f"{'users':>6} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'5xx':>5} {'412':>5} "
          f"{'other':>6} | {'browse p99':>10} {'nearby p99':>10} {'match p99':>9} {'PUT p50':>8} {'load avg':>9} "
          f"| CPU {'locust':>6} {'server':>6} {'engine':>6} {'all':>5}")
    for r in results:
        kinds = r["per_kind"]
        reads = " ".join(f"{kinds.get(k, {}).get('p99_ms', float('nan')):>{w}.0f}"
                         for k, w in zip(READS, (10, 10, 9)))
        print(f"{r['users']:>6} {r['requests']:>9} {r['rps']:>7} {r['p50_ms']:>7.0f} {r['p99_ms']:>7.0f} "
              f"{r['server_errors']:>5} {r['conflicts_412']:>5} {r['other_errors']:>6} | {reads} "
              f"{kinds.get('capacity: PUT', {}).get('p50_ms', float('nan')):>8.0f} {r['load_average']:>9} "
              f"|     {r.get('locust_cpu_share', float('nan')):>6.0%} {r.get('server_cpu_share', float('nan')):>6.0%} "
              f"{r.get('engine_cpu_share', float('nan')):>6.0%} {r.get('machine_busy_share', float('nan')):>5.0%}")
    if summary["saturates_at_users"]:
        print(f"saturates at {summary['saturates_at_users']} users (throughput stops keeping up with the users; "
              f"peak {summary['peak_rps']} req/s); sustained: {summary['sustained_users']} users at "
              f"{summary['sustained_rps']} req/s, p99 {summary['sustained_p99_ms']:.0f} ms, "
              f"{summary['sustained_server_errors']} server errors")
    else:
        print(f"throughput still rising at {results[-1]['users']} users ({results[-1]['rps']} req/s)")
    best = summary.get("best_within_target")
    if best:
        print(f"highest step with p99 <= {summary['p99_target_ms']:g} ms and no error: {best['users']} users, "
              f"{best['rps']} req/s (p50 {best['p50_ms']:.0f} ms, p99 {best['p99_ms']:.0f} ms); "
              f"goal >= 75 req/s: {'MET' if best['rps'] >= 75 else 'MISSED'}")
    else:
        print(f"no step had p99 <= {summary['p99_target_ms']:g} ms with no error; goal >= 75 req/s: MISSED")
    print("(CPU: shares of the whole machine over the step; locust is the load generator, measured from its own "
          "rusage; the other engineers' work on this machine is in 'all' too)")
    top = max(results, key=lambda r: r["users"])
    if top.get("engine_work"):
        print(f"\nthe engine's own account of its work at {top['users']} users (index stats, ms of its threads over "
              f"the step, and counts):")
        print(f"{'index':<22} " + " ".join(f"{k:>8}" for k in [*ENGINE_TIMES, *ENGINE_COUNTS]))
        for family, row in top["engine_work"].items():
            print(f"{family:<22} " + " ".join(f"{row[k]:>8}" for k in [*ENGINE_TIMES, *ENGINE_COUNTS]))


def report(path: str) -> int:
    """Print the table of an earlier run's JSON again."""
    data = json.loads(Path(path).read_text())
    summary = summarise(data["steps"], data.get("p99_target_ms", 300.0))
    workers, threads = data.get("gunicorn", "2x4").split("x")
    args = argparse.Namespace(workers=workers, threads=threads, seconds=data["steps"][0]["seconds"],
                              worker_class=data.get("worker_class", "gthread"))
    print_table(data["steps"], summary, data["listings"], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
