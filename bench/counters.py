"""What counting limits in the engine costs a request: public HSDS reads (one limit, with its headers) and
one counter hit on its own, with the counts in the engine (``LEAD_RATE_LIMIT_STORAGE=engine``) and in each
process's memory (``memory://``, which does not hold with several workers), in-process against the node
of ``LEAD_ES_URL`` under an index prefix of its own (dropped afterwards).

    .venv/bin/python -m bench.counters [--requests 300]
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

from limits import parse

from api.app import create_app
from directory.es import make_client
from directory.settings import Settings
from directory.store import Store


def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    return (f"{name:<44} p50 {statistics.median(samples):6.2f} ms   p95 {samples[int(len(samples) * 0.95)]:6.2f} ms"
            f"   mean {statistics.fmean(samples):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    base = Settings.from_env(index_prefix=f"bench-counters-{uuid.uuid4().hex[:6]}", public_directory=True,
                             public_rate_limit="1000000 per minute")
    es = make_client(base, batch=True)
    store = Store(es, base)
    store.ensure_indices()
    try:
        for storage in ("engine", "memory://"):
            app = create_app(base.with_(rate_limit_storage=storage), es=es)
            client = app.test_client()
            client.get("/hsds/taxonomies")  # warm up
            print(line(f"GET /hsds/taxonomies, limits in {storage}", timed(lambda: client.get("/hsds/taxonomies"), n)))
            limiter = app.extensions["lead_limiter"].limiter
            item = parse("1000000 per minute")
            print(line(f"one counter hit, limits in {storage}",
                       timed(lambda: limiter.hit(item, "bench", str(uuid.uuid4())[:1]), n)))
    finally:
        store.drop_everything()


if __name__ == "__main__":
    main()
