"""What `make bench` and `make load` share: a node of their own and the API under gunicorn.

They never load the shared node on 9200 (other suites use it): each starts its own node through
scripts/es-local.sh, on its own port, with data under .cache/es-<port>, and stops it at the end.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import urllib3

from directory.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def node_env(port: int, heap: str) -> dict[str, str]:
    return {**os.environ, "LEAD_ES_PORT": str(port), "LEAD_ES_NODE_DIR": str(ROOT / ".cache" / f"es-{port}"),
            "LEAD_ES_HEAP": heap, "LEAD_ES_REUSE": "0", "LEAD_ES_NODE_NAME": f"lead-bench-{port}",
            "LEAD_ES_CLUSTER_NAME": f"lead-bench-{port}"}


def start_node(port: int, heap: str) -> str:
    """Start (or keep) the node on ``port``; returns its URL."""
    subprocess.run([str(ROOT / "scripts" / "es-local.sh"), "up"], env=node_env(port, heap), check=True)
    return f"http://127.0.0.1:{port}"


def stop_node(port: int, heap: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "es-local.sh"), "down"], env=node_env(port, heap), check=False)


def start_gunicorn(settings: Settings, port: int, workers: int = 2, threads: int = 4,
                   log_level: str = "warning", env: dict[str, str] | None = None,
                   worker_class: str = "gthread") -> subprocess.Popen:
    """The API as production runs it (Dockerfile: 2 workers x 4 threads), ready to serve; ``env`` adds
    settings (``LEAD_*``) for the server only. ``worker_class`` gevent takes ``threads`` as the connections
    each worker serves at once."""
    env = {**os.environ, "LEAD_ES_URL": settings.es_url, "LEAD_INDEX_PREFIX": settings.index_prefix, **(env or {})}
    per_worker = ["--threads", str(threads)] if worker_class == "gthread" else \
        ["--worker-class", worker_class, "--worker-connections", str(threads)]
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                             *per_worker, "--log-level", log_level, "api.app:create_app()"],
                            cwd=ROOT, env=env)
    http = urllib3.PoolManager()
    for _ in range(150):
        try:
            if http.request("GET", f"http://127.0.0.1:{port}/readyz", timeout=2, retries=False).status == 200:
                return proc
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not become ready on port {port}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc:
        proc.terminate()
        proc.wait(timeout=30)


def tree_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process and its children (gunicorn's master and workers, a node)."""
    import psutil  # noqa: PLC0415 - the perf extra's (make bench, make load); the tests import this module too

    if not pid:
        return 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def node_pid(es_port: int) -> int | None:
    pidfile = ROOT / ".cache" / f"es-{es_port}" / "logs" / "es.pid"
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
