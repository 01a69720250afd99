#!/usr/bin/env bash
# The event store contract suite against a live KurrentDB, for anyone with Docker:
#
#   infra/kurrentdb/smoke.sh
#
# Starts the `kurrentdb` service of docker-compose.yml (the same pinned image as `docker compose up`)
# as a separate, throw-away compose project on its own port, waits until it answers, runs
# packages/event-store/src/esdb/esdb-event-store.int.test.ts with EVENTSTORE_URL pointing at it (the
# contract suite plus the live-server tests), and removes the container and its volume, whatever the
# outcome. Needs `npm ci` done once. Exit status: the test run's.
#
# Environment: KURRENTDB_SMOKE_PORT (host port, default 2114, so a running stack on 2113 is left
# alone), KURRENTDB_READY_TIMEOUT (seconds, default 120), KURRENTDB_SMOKE_KEEP=1 (leave it running).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
port="${KURRENTDB_SMOKE_PORT:-2114}"
timeout="${KURRENTDB_READY_TIMEOUT:-120}"
project="tickets-kurrentdb-smoke"

log() { echo "smoke.sh: $*" >&2; }
die() { log "$*"; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker is not installed: this script starts KurrentDB with docker compose"
docker compose version >/dev/null 2>&1 || die "docker compose (v2) is not available"

compose() { KURRENTDB_PORT="$port" docker compose --project-directory "$root" -f "$root/docker-compose.yml" -p "$project" "$@"; }
run_node() { node "$root/scripts/with-node.mjs" "$@"; }

stop() {
  if [ "${KURRENTDB_SMOKE_KEEP:-0}" = "1" ]; then
    log "left running on 127.0.0.1:${port} (compose project ${project}); remove with: KURRENTDB_PORT=${port} docker compose -p ${project} down -v"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap stop EXIT

log "starting KurrentDB on 127.0.0.1:${port}"
# --no-deps: only the database; the services' images are not built.
compose up -d --no-deps kurrentdb

# Ready when the node says it is live; a first start can take a while (image pull excluded).
deadline=$((SECONDS + timeout))
until run_node node -e "fetch('http://127.0.0.1:${port}/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    compose logs --tail 50 kurrentdb >&2 || true
    die "KurrentDB did not answer on 127.0.0.1:${port} within ${timeout}s"
  fi
  sleep 1
done
log "KurrentDB is live; running the contract suite"

cd "$root/packages/event-store"
EVENTSTORE_URL="kurrentdb://127.0.0.1:${port}?tls=false" run_node npx vitest run src/esdb/esdb-event-store.int.test.ts
