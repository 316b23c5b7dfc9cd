#!/usr/bin/env bash
# A real 3-node Elasticsearch cluster on loopback, from the same release as scripts/es-local.sh.
#
#   scripts/es-cluster.sh up       start every node that is not running, wait for 3 nodes and yellow/green
#   scripts/es-cluster.sh down     stop every node
#   scripts/es-cluster.sh status   cluster health and where the shards are
#   scripts/es-cluster.sh urls     the LEAD_ES_URL that names all three nodes
#
# Node i (1..3) listens on HTTP 9249+i and transport 9349+i, keeps data, logs and config under
# .cache/cluster/node-i and snapshots under .cache/cluster/snapshots (one folder all nodes share,
# as an fs snapshot repository requires). Nodes find each other through discovery.seed_hosts; the
# first start bootstraps the cluster from cluster.initial_master_nodes. All three are master-eligible
# data nodes, so the cluster survives losing any one of them. LEAD_ES_HEAP sets each heap (384m).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/.cache/cluster"
size=3
base_http="${LEAD_CLUSTER_HTTP_BASE:-9250}"
base_transport="${LEAD_CLUSTER_TRANSPORT_BASE:-9350}"
heap="${LEAD_ES_HEAP:-384m}"

seeds=""; masters=""; urls=""
for i in $(seq 1 $size); do
  seeds="${seeds:+$seeds,}127.0.0.1:$((base_transport + i - 1))"
  masters="${masters:+$masters,}lead-cluster-$i"
  urls="${urls:+$urls,}http://127.0.0.1:$((base_http + i - 1))"
done

node() {
  # Run es-local.sh for node $1 with command $2.
  local i="$1"; shift
  LEAD_ES_PORT=$((base_http + i - 1)) LEAD_ES_TRANSPORT_PORT=$((base_transport + i - 1)) \
  LEAD_ES_NODE_DIR="$here/node-$i" LEAD_ES_REPO="$here/snapshots" LEAD_ES_HEAP="$heap" LEAD_ES_REUSE=0 \
  LEAD_ES_CLUSTER_NAME=lead-cluster LEAD_ES_NODE_NAME="lead-cluster-$i" \
  LEAD_ES_SEED_HOSTS="$seeds" LEAD_ES_INITIAL_MASTERS="$masters" \
    "$root/scripts/es-local.sh" "$@"
}

wait_cluster() {
  local i health
  for i in $(seq 1 180); do
    for url in ${urls//,/ }; do
      health="$(curl -fsS --max-time 3 "$url/_cluster/health?wait_for_nodes=$size&timeout=1s" 2>/dev/null || true)"
      if echo "$health" | grep -q "\"number_of_nodes\":$size," && echo "$health" | grep -qE '"status":"(green|yellow)"'; then
        echo "es-cluster: $size nodes, $(echo "$health" | sed -nE 's/.*"status":"([a-z]+)".*/\1/p'), after ${i}s: LEAD_ES_URL=$urls" >&2
        return 0
      fi
    done
    sleep 1
  done
  echo "es-cluster: the cluster did not form with $size nodes in 180s; logs under $here/node-*/logs" >&2
  return 1
}

up() {
  # Start the nodes side by side: the first cannot finish starting until a majority of masters is up.
  local pids=() i failed=0
  node 1 install  # one unpacking of the release, before the nodes start side by side
  for i in $(seq 1 $size); do node "$i" launch & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { echo "es-cluster: a node failed to start; see $here/node-*/logs" >&2; return 1; }
  wait_cluster
}

down() {
  local i
  for i in $(seq 1 $size); do node "$i" down || true; done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    curl -fsS "http://127.0.0.1:$base_http/_cluster/health?pretty"
    curl -fsS "http://127.0.0.1:$base_http/_cat/nodes?v&h=name,ip,http_address,master,heap.percent"
    curl -fsS "http://127.0.0.1:$base_http/_cat/shards?v&h=index,shard,prirep,state,node" ;;
  urls) echo "$urls" ;;
  *) echo "usage: $0 up|down|status|urls" >&2; exit 2 ;;
esac
