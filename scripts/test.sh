#!/usr/bin/env bash
# `npm test`: the whole suite with what it needs, mutation testing included (see the end). The Kafka
# tests run against a real broker: a local one is started from the Apache Kafka jars
# (infra/kafka/kafka.sh; needs Java 17 and Maven) unless TICKETS_TEST_KAFKA_BROKERS names one.
# PostgreSQL tests use TICKETS_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TICKETS_TEST_KAFKA_BROKERS:-}" ]; then
  # Stop the broker afterwards only if this run started it.
  if ! infra/kafka/kafka.sh status >/dev/null 2>&1; then
    trap 'infra/kafka/kafka.sh stop >/dev/null' EXIT
  fi
  TICKETS_TEST_KAFKA_BROKERS="$(infra/kafka/kafka.sh start)"
  export TICKETS_TEST_KAFKA_BROKERS
fi
export TURBO_TELEMETRY_DISABLED=1
npx turbo run test --concurrency=1 "$@"

# The whole suite (no arguments) also runs the mutation testing of the decision core, incrementally:
# only the mutants whose code or covering tests changed since the committed
# packages/domain/stryker-incremental.json run again. A score below 90% fails (docs/mutation-testing.md).
if [ "$#" -eq 0 ]; then
  npm run mutation
fi
