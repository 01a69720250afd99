#!/usr/bin/env bash
# `npm test`: the whole suite, with the set-up it needs done first:
# - Kafka: the tests run against a real broker. A local one is started from the Apache Kafka jars
#   (infra/kafka/kafka.sh: fetched from Maven Central into ~/.cache/tickets-kafka on first use; needs
#   Java 17 and Maven) unless TICKETS_TEST_KAFKA_BROKERS names one. KAFKA_VERSION picks the line.
# - PostgreSQL: TICKETS_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test). For the
#   default, a Debian cluster that is installed but stopped is started.
# - Chromium for the web page's browser tests: scripts/ensure-chromium.sh finds one or installs
#   Debian's package (see there; CHROMIUM_PATH picks one).
# - Prettier and ESLint first, then mutation testing of the decision core at the end, when no argument
#   narrows the run (see there).
# Arguments go to turbo, e.g. `npm test -- --filter=@tickets/domain`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TICKETS_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test.sh: PostgreSQL is not answering on 127.0.0.1:5432: starting the local cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  fi
fi

CHROMIUM_PATH="$(scripts/ensure-chromium.sh)"
export CHROMIUM_PATH

if [ -z "${TICKETS_TEST_KAFKA_BROKERS:-}" ]; then
  # Stop the broker afterwards only if this run started it.
  if ! infra/kafka/kafka.sh status >/dev/null 2>&1; then
    trap 'infra/kafka/kafka.sh stop >/dev/null' EXIT
  fi
  TICKETS_TEST_KAFKA_BROKERS="$(infra/kafka/kafka.sh start)"
  export TICKETS_TEST_KAFKA_BROKERS
fi
export TURBO_TELEMETRY_DISABLED=1
# Style first, in seconds: formatting (Prettier) and the lint rules that hold the layers (ESLint).
if [ "$#" -eq 0 ]; then
  npx prettier --check --log-level warn "**/*.{ts,mjs,js}"
  npx eslint .
fi
npx turbo run test --concurrency=1 "$@"

# The whole suite (no arguments) also runs the mutation testing of the decision core, incrementally:
# only the mutants whose code or covering tests changed since the committed
# packages/domain/stryker-incremental.json run again. A score below 90% fails (docs/mutation-testing.md).
if [ "$#" -eq 0 ]; then
  npm run mutation
fi
