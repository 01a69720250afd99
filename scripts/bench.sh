#!/usr/bin/env bash
# `npm run bench`: the benchmarks workspace (benchmarks/, @tickets/benchmarks; docs/benchmarks.md). The
# Kafka benchmark needs a broker: a local one is started (infra/kafka/kafka.sh) unless KAFKA_BROKERS
# names one. PostgreSQL: TICKETS_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! infra/kafka/kafka.sh status >/dev/null 2>&1; then
    trap 'infra/kafka/kafka.sh stop >/dev/null' EXIT
  fi
  KAFKA_BROKERS="$(infra/kafka/kafka.sh start)"
  export KAFKA_BROKERS
fi
export TURBO_TELEMETRY_DISABLED=1
npx turbo run bench --concurrency=1 --output-logs=full "$@"
