"""Throwaway Elasticsearch nodes for tests that stop, kill and restart the engine.

Each node runs from the same unpacked release as `make es-up` (scripts/es-local.sh), on its own
ports, with its data, logs and config under ``.cache/test-nodes/`` (never the shared node's).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import urllib3

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "es-local.sh"
NODES = ROOT / ".cache" / "test-nodes"
# Ports for throwaway nodes: HTTP 9253-9259, transport +100. The shared node keeps 9200/9300 and
# `make cluster-up` 9250-9252/9350-9352.
THROWAWAY_PORT = int(os.environ.get("LEAD_TEST_NODE_PORT", "9253"))


@dataclass
class Node:
    """One node started by scripts/es-local.sh; ``env`` is what the script reads."""
    name: str
    port: int
    folder: Path
    repo: Path
    heap: str = "256m"
    cluster: str = "lead-test"
    extra_env: dict[str, str] = field(default_factory=dict)
    base: Path | None = None  # removed as a whole by ``remove`` (every data folder this node had)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pidfile(self) -> Path:
        return self.folder / "logs" / "es.pid"

    def env(self) -> dict[str, str]:
        return {**os.environ, "LEAD_ES_PORT": str(self.port), "LEAD_ES_NODE_DIR": str(self.folder),
                "LEAD_ES_REPO": str(self.repo), "LEAD_ES_HEAP": self.heap, "LEAD_ES_REUSE": "0",
                "LEAD_ES_CLUSTER_NAME": self.cluster, "LEAD_ES_NODE_NAME": self.name, **self.extra_env}

    def script(self, command: str, timeout: float = 240) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), command], env=self.env(), capture_output=True, text=True,
                              timeout=timeout)

    def up(self) -> None:
        """Start the node (or keep it) and wait until it is healthy; fail loudly if it cannot start."""
        done = self.script("up")
        if done.returncode:
            pytest.fail(f"could not start the throwaway Elasticsearch node {self.name} on port {self.port}:\n"
                        f"{done.stderr[-3000:]}\nIf the port is taken by a node left over from an earlier run, "
                        f"stop it: LEAD_ES_PORT={self.port} LEAD_ES_NODE_DIR=<its folder under {NODES}> "
                        "scripts/es-local.sh down (or pick other ports with LEAD_TEST_NODE_PORT).", pytrace=False)

    def launch(self) -> subprocess.Popen:
        """Start the node in the background (the caller watches it come back)."""
        return subprocess.Popen([str(SCRIPT), "launch"], env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the node's process (SIGKILL: no goodbye to the cluster) and wait until it is gone."""
        pid = self.pid()
        assert pid, f"node {self.name} is not running"
        os.kill(pid, sig)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.05)
        raise AssertionError(f"node {self.name} (pid {pid}) did not exit after signal {sig}")

    def stop(self) -> None:
        self.script("down", timeout=90)

    def answers(self) -> bool:
        """The node's HTTP port answers (any status)."""
        try:
            urllib3.PoolManager().request("GET", f"{self.url}/_cluster/health", timeout=0.5, retries=False)
            return True
        except urllib3.exceptions.HTTPError:
            return False

    def empty_data(self) -> None:
        """Stop the node and point it at a new, empty node folder (same ports, same snapshot folder)."""
        self.stop()
        parent = self.base or self.folder.parent
        self.folder = parent / f"node-{len(list(parent.glob('node-*'))) + 1}"

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base or self.folder, ignore_errors=True)


def throwaway(name: str, port: int = THROWAWAY_PORT, **kw) -> Node:
    """A node with fresh, empty folders under .cache/test-nodes/."""
    base = NODES / f"{name}-{uuid.uuid4().hex[:6]}"
    return Node(name=name, port=port, folder=base / "node-1", repo=base / "snapshots", base=base, **kw)
