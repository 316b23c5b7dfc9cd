"""Engine settings without an engine: several nodes, timeouts, shards and replicas."""
from __future__ import annotations

import pytest

from directory.es import make_client
from directory.settings import Settings


def test_several_nodes_are_all_used_and_retried():
    s = Settings.from_env({"LEAD_ES_URL": "http://127.0.0.1:9250, http://127.0.0.1:9251,http://127.0.0.1:9252"})
    assert s.es_nodes == ["http://127.0.0.1:9250", "http://127.0.0.1:9251", "http://127.0.0.1:9252"]
    client = make_client(s)
    assert sorted(str(n.base_url) for n in client.transport.node_pool.all()) == s.es_nodes
    # A connection error is retried on each other node; sniffing stays off.
    assert client.transport.max_retries == 3
    assert not client.transport._sniff_on_start and not client.transport._sniff_on_node_failure


def test_web_requests_fail_fast_and_batch_work_waits():
    s = Settings.from_env({})
    assert s.es_timeout <= 2.0 < s.es_batch_timeout
    assert make_client(s)._request_timeout == s.es_timeout
    assert make_client(s, batch=True)._request_timeout == s.es_batch_timeout


def test_replicas_follow_the_cluster_unless_set():
    auto = Settings.from_env({})
    assert (auto.replica_count(1), auto.replica_count(2), auto.replica_count(5)) == (0, 1, 1)
    fixed = Settings.from_env({"LEAD_REPLICAS": "2", "LEAD_SHARDS": "3"})
    assert (fixed.replica_count(1), fixed.shards) == (2, 3)
    for bad in ({"LEAD_REPLICAS": "two"}, {"LEAD_SHARDS": "0"}, {"LEAD_ES_URL": " , "}):
        with pytest.raises(ValueError):
            Settings.from_env(bad)
