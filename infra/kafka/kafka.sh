#!/usr/bin/env bash
# Runs Attestry's single-node Apache Kafka (KRaft) broker from Maven jars.
#   infra/kafka/kafka.sh fetch    download the broker jars once (Maven Central) into infra/kafka/lib
#   infra/kafka/kafka.sh start    fetch, format storage on first start, start, wait until ready
#   infra/kafka/kafka.sh stop     SIGTERM, bounded wait, then SIGKILL
#   infra/kafka/kafka.sh status   exit 0 when the broker we started is running and accepting
# Environment: KAFKA_HOME_DIR (state folder, default <repo>/.attestry/kafka), KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (1g), JAVA_HOME.
set -euo pipefail
K="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$K/../.." && pwd)"
RUN="${KAFKA_HOME_DIR:-$ROOT/.attestry/kafka}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP:-1g}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
LIB="$K/lib"

log() { printf 'kafka: %s\n' "$*" >&2; }

fetch() {
  if [ -f "$LIB/.complete" ] && [ "$LIB/.complete" -nt "$K/pom.xml" ]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch the Kafka broker jars"; exit 1; }
  log "fetching the Kafka broker jars with Maven (once)"
  rm -rf "$LIB"
  mvn -B -q -f "$K/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB"
  touch "$LIB/.complete"
  log "jar set: $(find "$LIB" -name '*.jar' | wc -l) jars, $(du -sh "$LIB" | cut -f1)"
}

accepting() {
  # A KRaft broker binds its client port only once it is unfenced: a connect is a readiness signal.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

running_pid() {
  [ -f "$RUN/kafka.pid" ] || return 1
  local pid; pid="$(cat "$RUN/kafka.pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must be our java process.
  grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

start() {
  fetch
  if pid="$(running_pid)"; then
    if accepting; then log "already running (pid $pid) on 127.0.0.1:$PORT"; return 0; fi
  elif accepting; then
    log "port 127.0.0.1:$PORT is taken by a process this script did not start; set KAFKA_PORT or KAFKA_BROKERS"
    exit 1
  fi
  mkdir -p "$RUN/logs" "$RUN/data"
  sed -e "s#@DATA_DIR@#$RUN/data#" -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CPORT#g" \
    "$K/server.properties.tmpl" >"$RUN/server.properties"
  local logopts=(-Dlog4j2.configurationFile="$K/log4j2.properties" -Dkafka.logs.dir="$RUN/logs")
  if [ ! -f "$RUN/data/meta.properties" ]; then
    local cid
    cid="$(node -e "process.stdout.write(require('crypto').randomBytes(16).toString('base64url'))")"
    log "formatting KRaft storage in $RUN/data"
    "$JAVA" -Xmx256m "${logopts[@]}" -cp "$LIB/*" kafka.tools.StorageTool \
      format --standalone --ignore-formatted "--cluster-id=$cid" -c "$RUN/server.properties" >>"$RUN/logs/format.log" 2>&1 \
      || { tail -n 30 "$RUN/logs/format.log" >&2; exit 1; }
  fi
  log "starting broker on 127.0.0.1:$PORT (controller $CPORT)"
  nohup "$JAVA" "-Xms256m" "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "${logopts[@]}" \
    -cp "$LIB/*" kafka.Kafka "$RUN/server.properties" >"$RUN/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$RUN/kafka.pid"
  local pid; pid="$(cat "$RUN/kafka.pid")"
  for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during start-up; last lines of its logs:"
      tail -n 40 "$RUN/logs/server.log" "$RUN/logs/stdout.log" >&2 2>/dev/null || true
      exit 1
    fi
    if accepting; then log "ready on 127.0.0.1:$PORT"; return 0; fi
    sleep 0.5
  done
  log "not ready after 120 s"; tail -n 40 "$RUN/logs/server.log" >&2 || true
  exit 1
}

stop() {
  local pid
  pid="$(running_pid)" || { rm -f "$RUN/kafka.pid"; return 0; }
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "no exit after 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/kafka.pid"
}

status() {
  local pid
  pid="$(running_pid)" && accepting && { echo "kafka running (pid $pid) on 127.0.0.1:$PORT"; return 0; }
  echo "kafka not running"; return 1
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
