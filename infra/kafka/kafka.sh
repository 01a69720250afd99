#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, broker and controller in one JVM) without Docker: the jars
# come from Maven Central, the broker runs from a throw-away state directory.
#
#   kafka.sh fetch  [VERSION]   resolve the jars into the cache (no-op when cached)
#   kafka.sh start  [VERSION]   fetch, format fresh storage, start, wait for a metadata round trip
#   kafka.sh stop   [VERSION]   SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds; idempotent
#   kafka.sh status [VERSION]   one line per state dir (all /tmp/tickets-kafka-* without VERSION)
#   kafka.sh smoke  [VERSION]   run smoke.mjs (kafkajs) against the running broker
#
# Environment: KAFKA_VERSION, KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# TICKETS_KAFKA_CACHE (~/.cache/tickets-kafka), TICKETS_KAFKA_STATE (/tmp/tickets-kafka-<version>),
# TICKETS_KAFKA_MAVEN_REPO (Maven local repository, default Maven's own), KAFKA_READY_TIMEOUT (90),
# KAFKA_STOP_TIMEOUT (30), KAFKA_HEAP_OPTS, KAFKA_JVM_OPTS.
set -euo pipefail

# 4.4.0: best pipe latency in shared/BASELINES.md (p50/p99 1.2/7 ms per batch, 1.5/13 ms per event)
# with stock settings, since its group coordinator lingers adaptively; 3.9.1 stays supported.
DEFAULT_VERSION=4.4.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
bootstrap="127.0.0.1:${port}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

cache_root() { echo "${TICKETS_KAFKA_CACHE:-$HOME/.cache/tickets-kafka}"; }
libs_dir() { echo "$(cache_root)/$1/libs"; }
state_dir() { echo "${TICKETS_KAFKA_STATE:-/tmp/tickets-kafka-$1}"; }
major() { echo "${1%%.*}"; }
minor() { local rest="${1#*.}"; echo "${rest%%.*}"; }

mvn_q() {
  # -q -B: no progress bars or banners in CI logs; errors still print. Maven 3.8 still emits
  # bare colour resets with -B, hence the sed. To stderr: start's stdout carries only the
  # bootstrap address. pipefail keeps mvn's exit status.
  local args=(-q -B -Dstyle.color=never)
  if [ -n "${TICKETS_KAFKA_MAVEN_REPO:-}" ]; then args+=("-Dmaven.repo.local=${TICKETS_KAFKA_MAVEN_REPO}"); fi
  mvn "${args[@]}" "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
}

cmd_fetch() {
  local version="$1" libs
  libs="$(libs_dir "$version")"
  # The marker is written last, so a fetch cut short never passes for a complete one.
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: Maven 3 and Java 17 are needed to fetch the jars"

  # Work next to the cache so the final rename is atomic (same filesystem).
  mkdir -p "$(cache_root)"
  fetch_tmp="$(mktemp -d "$(cache_root)/.fetch-${version}.XXXXXX")"
  local tmp="$fetch_tmp"

  # 3.x logs through slf4j 1.7 with no binding in its dependencies: reload4j is what the 3.x
  # distribution ships. 4.x brings log4j 2 (core and api) but no slf4j binding; that one is added
  # below once we know which log4j-core and slf4j-api versions it resolved.
  local logging=""
  if [ "$(major "$version")" -lt 4 ]; then
    logging='
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>'
  fi
  cat > "$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.tickets</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>${logging}
  </dependencies>
</project>
EOF
  log "fetching Kafka ${version} jars from Maven Central"
  mvn_q -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/libs" \
    || die "maven could not resolve org.apache.kafka:kafka_2.13:${version}"

  if [ "$(major "$version")" -ge 4 ]; then
    local cores=("$tmp"/libs/log4j-core-*.jar) slf4js=("$tmp"/libs/slf4j-api-*.jar) log4j_version binding
    if [ ! -f "${cores[0]}" ] || [ ! -f "${slf4js[0]}" ]; then
      die "Kafka ${version}: expected log4j-core and slf4j-api among its dependencies"
    fi
    log4j_version="$(basename "${cores[0]}" .jar)"; log4j_version="${log4j_version#log4j-core-}"
    # log4j-slf4j-impl binds slf4j 1.x, log4j-slf4j2-impl binds 2.x: take the one for the api we got.
    case "$(basename "${slf4js[0]}")" in
      slf4j-api-1.*) binding=log4j-slf4j-impl ;;
      *) binding=log4j-slf4j2-impl ;;
    esac
    mvn_q -f "$tmp/pom.xml" dependency:copy -Dartifact="org.apache.logging.log4j:${binding}:${log4j_version}" \
      -DoutputDirectory="$tmp/libs" || die "maven could not resolve ${binding}:${log4j_version}"
  fi

  touch "$tmp/libs/.complete"
  mkdir -p "$(dirname "$libs")"
  # Drop a leftover without its marker; a complete copy placed by a concurrent fetch is kept
  # (the rename onto it fails and ours is discarded).
  [ -f "$libs/.complete" ] || rm -rf "$libs"
  mv -T "$tmp/libs" "$libs" 2>/dev/null || true
  rm -rf "$tmp"
  [ -f "$libs/.complete" ] || die "could not place the jars in $libs"
  log "Kafka ${version}: $(find "$libs" -name '*.jar' | wc -l) jars, $(du -sh "$libs" | cut -f1) in $libs"
}

# Our broker if the pid file names a live kafka.Kafka process started on this state dir
# (guards against a recycled pid).
running_pid() {
  local state="$1" pid
  [ -f "$state/kafka.pid" ] || return 1
  pid="$(cat "$state/kafka.pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $state/server.properties" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

probe() { node "$here/probe.mjs" "$bootstrap" --timeout-ms "${1:-2000}"; }

write_config() {
  local version="$1" state="$2"
  cat > "$state/server.properties" <<EOF
# Written by infra/kafka/kafka.sh for Kafka ${version}; the state dir is wiped at each start.
process.roles=broker,controller
node.id=1
# A static single voter: format accepts it without --standalone on 3.9 and 4.x.
controller.quorum.voters=1@127.0.0.1:${controller_port}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${state}/data
# One node: internal topics cannot have the default replication factor of 3.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Tests create groups and expect them to start now, not after the 3 s join delay.
group.initial.rebalance.delay.ms=0
EOF
  if [ "$(major "$version")" -ge 4 ]; then
    cat >> "$state/server.properties" <<EOF
# Share groups (4.x) keep their state in an internal topic with the same replication needs.
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  fi
  if [ "$(major "$version")" -eq 4 ] && [ "$(minor "$version")" -le 1 ]; then
    cat >> "$state/server.properties" <<EOF
# 4.0/4.1 hold each offset commit 5 ms to batch it; kafkajs waits for every commit before
# fetching again, so that linger dominated pipe latency (BASELINES). 4.2+ lingers adaptively.
group.coordinator.append.linger.ms=0
EOF
  fi

  if [ "$(major "$version")" -ge 4 ]; then
    cat > "$state/log4j2.properties" <<'EOF'
# Everything to stdout, which kafka.sh sends to server.log.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
# Per-request and state-change chatter says nothing a test run needs.
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
# The full dump of every config at startup buries the lines that explain a failure;
# server.properties sits next to this file.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
EOF
  else
    cat > "$state/log4j.properties" <<'EOF'
# Everything to stdout, which kafka.sh sends to server.log.
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter says nothing a test run needs.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
# The full dump of every config at startup buries the lines that explain a failure;
# server.properties sits next to this file.
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
EOF
  fi
}

log_opts() {
  local version="$1" state="$2"
  if [ "$(major "$version")" -ge 4 ]; then
    echo "-Dlog4j2.configurationFile=$state/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$state/log4j.properties"
  fi
}

fail_with_log() {
  local state="$1" msg="$2"
  log "$msg; last lines of $state/server.log:"
  tail -n 40 "$state/server.log" >&2 2>/dev/null || true
  exit 1
}

cmd_start() {
  local version="$1" state libs pid
  state="$(state_dir "$version")"
  command -v node >/dev/null || die "node not found: the readiness probe is a Node script"

  # Reuse a broker this script already started on this state dir if it answers.
  if pid="$(running_pid "$state")"; then
    if probe >/dev/null 2>&1; then
      log "Kafka ${version} already running (pid ${pid}, state ${state}); reusing it"
      echo "$bootstrap"
      return 0
    fi
    die "Kafka ${version} is running (pid ${pid}) but does not answer on ${bootstrap}; run: $0 stop ${version}"
  fi
  for p in "$port" "$controller_port"; do
    port_open "$p" && die "port ${p} is already in use (another broker? see: $0 status)"
  done

  cmd_fetch "$version"
  libs="$(libs_dir "$version")"

  # Wipe only what this script made: TICKETS_KAFKA_STATE could point anywhere.
  if [ -d "$state" ] && [ -n "$(ls -A "$state")" ] && ! grep -qs '^# Written by infra/kafka/kafka.sh' "$state/server.properties"; then
    die "refusing to wipe ${state}: not empty and not a kafka.sh state dir"
  fi
  rm -rf "$state"
  mkdir -p "$state/data"
  write_config "$version" "$state"

  local started cp jvm=()
  started=$(date +%s%N)
  cp="$libs/*"
  # Heap and GC as kafka-server-start.sh would set them, smaller floor: this is a test broker.
  read -r -a jvm <<< "${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} ${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} $(log_opts "$version" "$state")"

  local cluster_id
  if ! cluster_id="$(java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$state/server.log" | tail -n1)" \
    || [ -z "$cluster_id" ]; then
    fail_with_log "$state" "StorageTool random-uuid failed"
  fi
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
    >>"$state/server.log" 2>&1 || fail_with_log "$state" "formatting the KRaft storage failed"

  local formatted
  formatted=$(date +%s%N)

  # setsid: the broker outlives this script and ignores the caller's terminal signals; the inner
  # shell writes its own pid, which exec hands to the JVM.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$state/kafka.pid" \
    java "${jvm[@]}" -cp "$cp" kafka.Kafka "$state/server.properties" \
    >>"$state/server.log" 2>&1 </dev/null &
  local deadline=$(( $(date +%s) + ${KAFKA_READY_TIMEOUT:-90} ))
  local n=0
  while [ ! -s "$state/kafka.pid" ]; do
    n=$((n + 1)); [ "$n" -lt 200 ] || fail_with_log "$state" "the broker process did not start"
    sleep 0.05
  done
  pid="$(cat "$state/kafka.pid")"

  # The port opens before the broker serves requests: wait for ApiVersions + Metadata answers.
  until probe 1000 >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { rm -f "$state/kafka.pid"; fail_with_log "$state" "Kafka ${version} exited during startup"; }
    [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "$state" "Kafka ${version} not ready within ${KAFKA_READY_TIMEOUT:-90} s (pid ${pid} left running; stop it with: $0 stop ${version})"
    sleep 0.2
  done
  log "Kafka ${version} ready in $(( ($(date +%s%N) - started) / 1000000 )) ms, format $(( (formatted - started) / 1000000 )) ms (pid ${pid}, state ${state}, log ${state}/server.log)"
  echo "$bootstrap"
}

cmd_stop() {
  local version="$1" state pid
  state="$(state_dir "$version")"
  if ! pid="$(running_pid "$state")"; then
    rm -f "$state/kafka.pid"
    log "Kafka ${version} not running (state ${state})"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # A clean shutdown of a combined node takes a few seconds (controlled shutdown, log flush).
  local deadline=$(( $(date +%s) + ${KAFKA_STOP_TIMEOUT:-30} ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "Kafka ${version} (pid ${pid}) ignored SIGTERM for ${KAFKA_STOP_TIMEOUT:-30} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$state/kafka.pid"
  log "Kafka ${version} stopped (pid ${pid})"
}

status_of() {
  local state="$1" pid version
  version="$(sed -n 's/^# Written by infra\/kafka\/kafka.sh for Kafka \(.*\);.*/\1/p' "$state/server.properties" 2>/dev/null)"
  if pid="$(running_pid "$state")"; then
    local addr
    addr="$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\///p' "$state/server.properties")"
    if node "$here/probe.mjs" "$addr" >/dev/null 2>&1; then
      echo "running: Kafka ${version:-?} pid ${pid} at ${addr} (state ${state})"
    else
      echo "starting or unresponsive: Kafka ${version:-?} pid ${pid} at ${addr} (state ${state})"
    fi
    return 0
  fi
  echo "stopped: Kafka ${version:-?} (state ${state})"
  return 1
}

cmd_status() {
  # With a version (argument, KAFKA_VERSION or TICKETS_KAFKA_STATE) report that broker and exit 0
  # only if it runs; otherwise list every state dir this script uses by default.
  if [ -n "${1:-}" ] || [ -n "${KAFKA_VERSION:-}" ] || [ -n "${TICKETS_KAFKA_STATE:-}" ]; then
    status_of "$(state_dir "${1:-${KAFKA_VERSION:-$DEFAULT_VERSION}}")"
    return
  fi
  local any=1 state
  for state in /tmp/tickets-kafka-*/; do
    [ -f "${state}server.properties" ] || continue
    status_of "${state%/}" && any=0
  done
  [ "$any" -eq 0 ] || { echo "no broker running"; return 1; }
}

cmd_smoke() {
  local version="$1"
  KAFKA_VERSION="$version" node "$here/smoke.mjs" "$bootstrap"
}

# A fetch interrupted by an error or a signal leaves no temp dir behind.
fetch_tmp=""
trap '[ -z "$fetch_tmp" ] || rm -rf "$fetch_tmp"' EXIT

# The header comment of this file is the help text.
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

main() {
  local cmd="${1:-}"
  shift || true
  local version="${1:-${KAFKA_VERSION:-$DEFAULT_VERSION}}"
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Kafka version: ${version}"
  case "$cmd" in
    fetch) cmd_fetch "$version" ;;
    start) cmd_start "$version" ;;
    stop) cmd_stop "$version" ;;
    status) cmd_status "${1:-}" ;;
    smoke) cmd_smoke "$version" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
