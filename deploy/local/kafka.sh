#!/usr/bin/env bash
# deploy/local/kafka.sh — a single-node Apache Kafka (KRaft, broker+controller
# in one JVM) for local development and tests. Kafka is run straight from the
# Maven Central jars (no tarball download): see deploy/local/README.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
POM="$SCRIPT_DIR/kafka/pom.xml"
BROKER_LOG4J="$SCRIPT_DIR/kafka/log4j2.properties"
TOOLS_LOG4J="$SCRIPT_DIR/kafka/log4j2-tools.properties"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")

KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_DATA_DIR=${KAFKA_DATA_DIR:-$REPO/.cache/kafka-data}
KAFKA_HOME=${KAFKA_HOME:-$REPO/.cache/kafka}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:-}
KAFKA_WAIT_TIMEOUT=${KAFKA_WAIT_TIMEOUT:-90}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

# Absolute paths: the broker and the tools may run from another directory.
case $KAFKA_DATA_DIR in /*) ;; *) KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR" ;; esac
case $KAFKA_HOME in /*) ;; *) KAFKA_HOME="$PWD/$KAFKA_HOME" ;; esac
KAFKA_DATA_DIR=${KAFKA_DATA_DIR%/}

BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
LIBS="$KAFKA_HOME/libs"
FETCH_MARKER="$LIBS/.fetched"
CONFIG="$KAFKA_DATA_DIR/server.properties"
LOG_DIRS="$KAFKA_DATA_DIR/kraft-combined-logs"
CLUSTER_ID_FILE="$KAFKA_DATA_DIR/cluster.id"
# pid and log files live next to the data dir, named after it, so that two
# brokers with different KAFKA_DATA_DIRs never share them.
STATE_PREFIX="$(dirname "$KAFKA_DATA_DIR")/$(basename "$KAFKA_DATA_DIR")"
PID_FILE="$STATE_PREFIX.pid"
LOG_FILE="$STATE_PREFIX.log" # broker log (log4j, INFO)
OUT_FILE="$STATE_PREFIX.out" # JVM stdout/stderr (normally near empty)

TOPICS=(
  aftersales.ticket.events.v1
  aftersales.refund.events.v1
  aftersales.logistics.events.v1
  aftersales.customer-service.events.v1
  aftersales.arbitration.events.v1
)
TOPIC_PARTITIONS=6

# Short-lived tool JVMs: C1 only, serial GC, small heap — they start in
# ~2 s instead of ~4 s on a 2-core machine.
TOOL_JVM_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto
  -Djava.awt.headless=true "-Dlog4j2.configurationFile=$TOOLS_LOG4J")

usage() {
  cat <<EOF
Usage: deploy/local/kafka.sh <command> [args]

A single-node Apache Kafka $KAFKA_VERSION (KRaft) for local development.

Commands:
  fetch           copy the Kafka jars from Maven Central into $LIBS
                  (mvn, ~/.m2 cache; skipped when already fetched)
  start           format storage once, start the broker in the background and
                  wait until it answers a metadata request (idempotent)
  stop            SIGTERM, wait up to \$KAFKA_STOP_TIMEOUT s, then SIGKILL
  status          print running/stopped and the bootstrap address
                  (exit 0 running and answering, 1 running but not answering,
                  3 stopped)
  wait            wait until the broker answers (\$KAFKA_WAIT_TIMEOUT s)
  create-topics [TOPIC...]
                  create the missing after-sales topics ($TOPIC_PARTITIONS partitions,
                  RF 1, cleanup.policy=delete, infinite retention); default:
                  ${TOPICS[*]}
  reset           stop and delete the data dir (all topics and messages)
  tool CLASS|ALIAS [ARGS...]
                  run a Kafka tool against the jars; aliases: topics,
                  console-consumer, console-producer, producer-perf,
                  consumer-perf, storage (e.g. kafka.sh tool topics
                  --bootstrap-server $BOOTSTRAP --describe)

Environment (current value):
  KAFKA_PORT=$KAFKA_PORT                 PLAINTEXT listener (bootstrap $BOOTSTRAP)
  KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT      KRaft controller listener
  KAFKA_DATA_DIR=$KAFKA_DATA_DIR
  KAFKA_HOME=$KAFKA_HOME   (jars in libs/)
  KAFKA_HEAP_OPTS=$KAFKA_HEAP_OPTS
  KAFKA_JVM_OPTS=$KAFKA_JVM_OPTS      extra broker JVM options
  KAFKA_WAIT_TIMEOUT=$KAFKA_WAIT_TIMEOUT  KAFKA_STOP_TIMEOUT=$KAFKA_STOP_TIMEOUT

Files: pid $PID_FILE
       broker log $LOG_FILE, JVM output $OUT_FILE
EOF
}

say() { printf 'kafka: %s\n' "$*"; }
warn() { printf 'kafka: WARNING: %s\n' "$*" >&2; }
die() {
  printf 'kafka: ERROR: %s\n' "$*" >&2
  exit 1
}

now_ms() { date +%s%3N; }
elapsed() { # $1 = start ms -> "1.23s"
  local d=$(($(now_ms) - $1))
  printf '%d.%02ds' $((d / 1000)) $((d % 1000 / 10))
}

# --------------------------------------------------------------------- fetch

fetch_wanted() { printf 'kafka=%s pom-sha256=%s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -c1-64)"; }

is_fetched() { [[ -f $FETCH_MARKER && "$(cat "$FETCH_MARKER")" == "$(fetch_wanted)" ]]; }

cmd_fetch() {
  if is_fetched; then
    say "fetch: Kafka $KAFKA_VERSION jars already in $LIBS"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found: install Maven (apt-get install maven, or run deploy/local/install-deps.sh)"
  if [[ -d $LIBS ]] && find_broker_pid >/dev/null; then
    die "a broker is running from $LIBS; stop it first (kafka.sh stop) before re-fetching"
  fi
  mkdir -p "$KAFKA_HOME"
  local tmp="$KAFKA_HOME/libs.tmp.$$" log="$KAFKA_HOME/fetch.log" t0
  t0=$(now_ms)
  rm -rf "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  say "fetch: downloading Kafka $KAFKA_VERSION jars with mvn (Maven Central, cache ~/.m2) ..."
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$log" | tail -n 40 >&2
    die "fetch: mvn failed (full output in $log)"
  fi
  local jar
  for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
    "kafka-clients-$KAFKA_VERSION.jar" log4j-core-*.jar log4j-slf4j-impl-*.jar; do
    compgen -G "$tmp/$jar" >/dev/null || die "fetch: $jar missing after mvn copy-dependencies (see $log)"
  done
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  trap - EXIT
  fetch_wanted >"$FETCH_MARKER"
  say "fetch: $(find "$LIBS" -name '*.jar' | wc -l) jars in $LIBS ($(elapsed "$t0"))"
}

# ---------------------------------------------------------------- utilities

check_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: Kafka $KAFKA_VERSION needs Java 17+ (apt-get install openjdk-17-jre-headless, or run deploy/local/install-deps.sh)"
  local v major
  v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${v%%.*}
  [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$v")
  [[ $major =~ ^[0-9]+$ ]] || die "cannot tell the Java version from 'java -version' (got '$v')"
  ((major >= 17)) || die "Kafka $KAFKA_VERSION needs Java 17+, found Java $v ($(command -v java))"
}

need_libs() {
  is_fetched || cmd_fetch
}

run_tool() { # main class + args, in the foreground
  java "${TOOL_JVM_OPTS[@]}" -cp "$LIBS/*" "$@"
}

# pid of the broker started from this data dir, or nothing (exit 1).
find_broker_pid() {
  local pid=""
  [[ -f $PID_FILE ]] && pid=$(cat "$PID_FILE" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  # pid file lost or stale: look for a java whose arguments name our config.
  local p
  for p in $(pgrep -x java 2>/dev/null || true); do
    if is_our_broker "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

is_our_broker() { # pid
  [[ -r /proc/$1/cmdline ]] || return 1
  local args
  args=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  grep -qxF kafka.Kafka <<<"$args" && grep -qxF "$CONFIG" <<<"$args"
}

# Who listens on 127.0.0.1:PORT (any address)? Prints a description, or exit 1.
port_listener() { # port
  local port=$1 lines
  if command -v ss >/dev/null 2>&1; then
    lines=$(ss -Hltnp "sport = :$port" 2>/dev/null || true)
    [[ -n $lines ]] || return 1
    sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' <<<"$lines" | head -n1 | grep . ||
      echo "another process"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "another process"
    return 0
  fi
  return 1
}

# Does a broker answer a metadata request at $BOOTSTRAP?
broker_answers() {
  if command -v kcat >/dev/null 2>&1; then
    # -t __none: ask for the metadata of one (absent) topic only; kcat exits 0
    # once the broker has sent a metadata response.
    kcat -b "$BOOTSTRAP" -L -t __none -m 1 >/dev/null 2>&1
  else
    [[ -f $FETCH_MARKER ]] || return 1
    printf 'request.timeout.ms=2000\ndefault.api.timeout.ms=3000\n' >"$KAFKA_DATA_DIR.admin.properties" 2>/dev/null ||
      return 1
    run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
      --command-config "$KAFKA_DATA_DIR.admin.properties" --list >/dev/null 2>&1
  fi
}

LOG_OFFSET=0 # size of $LOG_FILE before this start: older lines are not shown

show_log_tail() {
  if [[ -s $OUT_FILE ]]; then
    printf -- '----- last lines of %s -----\n' "$OUT_FILE" >&2
    tail -n 30 "$OUT_FILE" >&2
  fi
  if [[ -s $LOG_FILE ]]; then
    local size
    size=$(stat -c %s "$LOG_FILE")
    ((size >= LOG_OFFSET)) || LOG_OFFSET=0
    if ((size > LOG_OFFSET)); then
      printf -- '----- last lines of %s -----\n' "$LOG_FILE" >&2
      tail -c +$((LOG_OFFSET + 1)) "$LOG_FILE" | tail -n 30 >&2
    fi
  fi
}

# Wait for the broker to answer; if our broker process dies meanwhile, fail fast.
wait_ready() { # [pid]
  local pid=${1:-} t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + KAFKA_WAIT_TIMEOUT * 1000))
  while :; do
    if broker_answers; then
      say "broker ready at $BOOTSTRAP (waited $(elapsed "$t0"))"
      return 0
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      rm -f "$PID_FILE"
      die "broker (pid $pid) exited during start-up; see the log lines above"
    fi
    if (($(now_ms) >= deadline)); then
      show_log_tail
      local hint=""
      [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
        hint=" (its JVM, pid $pid, is still running: deploy/local/kafka.sh stop ends it)"
      die "broker did not answer at $BOOTSTRAP within ${KAFKA_WAIT_TIMEOUT}s$hint"
    fi
    sleep 0.5
  done
}

write_config() {
  cat >"$CONFIG" <<EOF
# Generated by deploy/local/kafka.sh on every start; edit the script, not this.
process.roles=broker,controller
node.id=1
# Static quorum (controller.quorum.voters); the storage is therefore formatted
# with --cluster-id only (--standalone is for dynamic quorums).
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$LOG_DIRS

num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0

# Internal topics: one replica. __consumer_offsets gets 6 partitions instead
# of 50: creating 50 partitions slows the first consumer-group join here.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
}

new_cluster_id() {
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding
  # (22 chars). Avoid a leading '-' (it would look like a CLI option).
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ ${#id} == 22 && $id != -* ]] && break
  done
  echo "$id"
}

format_storage() {
  if [[ -f $LOG_DIRS/meta.properties ]]; then
    return 0
  fi
  local cid t0
  if [[ -s $CLUSTER_ID_FILE ]]; then
    cid=$(cat "$CLUSTER_ID_FILE")
  else
    cid=$(new_cluster_id)
    echo "$cid" >"$CLUSTER_ID_FILE"
  fi
  t0=$(now_ms)
  run_tool kafka.tools.StorageTool format --config "$CONFIG" --cluster-id "$cid" --ignore-formatted \
    >"$KAFKA_DATA_DIR/format.log" 2>&1 || {
    cat "$KAFKA_DATA_DIR/format.log" >&2
    die "storage format failed"
  }
  say "formatted $LOG_DIRS (cluster id $cid, $(elapsed "$t0"))"
}

# ------------------------------------------------------------------ commands

cmd_start() {
  need_libs
  check_java
  local pid t0
  if pid=$(find_broker_pid); then
    echo "$pid" >"$PID_FILE"
    if broker_answers; then
      say "already running (pid $pid), bootstrap $BOOTSTRAP"
      return 0
    fi
    say "running (pid $pid) but not answering yet; waiting"
    wait_ready "$pid"
    return 0
  fi
  rm -f "$PID_FILE"

  local port who
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if who=$(port_listener "$port"); then
      die "port $port is already in use by $who — not a broker from $KAFKA_DATA_DIR. Stop it, or pick other ports (KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    fi
  done

  mkdir -p "$KAFKA_DATA_DIR" "$LOG_DIRS"
  write_config
  format_storage

  t0=$(now_ms)
  LOG_OFFSET=$(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0)
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # shellcheck disable=SC2086 # heap/JVM opts are word lists on purpose
  "${launcher[@]}" nohup java $KAFKA_HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$BROKER_LOG4J" "-Dkafka.log.file=$LOG_FILE" \
    $KAFKA_JVM_OPTS -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
    >"$OUT_FILE" 2>&1 </dev/null &
  pid=$!
  # setsid may have forked: trust the process whose arguments name our config.
  # (Right after the fork the child may not have exec'd java yet.)
  local i p
  for i in {1..25}; do
    is_our_broker "$pid" && break
    if p=$(find_broker_pid); then
      pid=$p
      break
    fi
    sleep 0.2
  done
  echo "$pid" >"$PID_FILE"
  say "started broker (pid $pid), log $LOG_FILE; waiting for it to answer (up to ${KAFKA_WAIT_TIMEOUT}s)"
  wait_ready "$pid"
  say "start-to-ready $(elapsed "$t0"), bootstrap $BOOTSTRAP"
}

cmd_stop() {
  local pid
  if ! pid=$(find_broker_pid); then
    rm -f "$PID_FILE"
    say "not running (data dir $KAFKA_DATA_DIR)"
    return 0
  fi
  local t0 deadline
  t0=$(now_ms)
  deadline=$((t0 + KAFKA_STOP_TIMEOUT * 1000))
  say "stopping broker (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now_ms) >= deadline)); then
      warn "broker did not stop within ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  say "stopped ($(elapsed "$t0"))"
}

cmd_status() {
  local pid
  if pid=$(find_broker_pid); then
    if broker_answers; then
      say "running (pid $pid), bootstrap $BOOTSTRAP, data $KAFKA_DATA_DIR"
      return 0
    fi
    say "running (pid $pid) but NOT answering at $BOOTSTRAP (starting or stuck? log $LOG_FILE)"
    return 1
  fi
  say "stopped (bootstrap would be $BOOTSTRAP, data $KAFKA_DATA_DIR)"
  return 3
}

cmd_wait() {
  local pid=""
  pid=$(find_broker_pid) || pid=""
  say "waiting for a broker at $BOOTSTRAP (up to ${KAFKA_WAIT_TIMEOUT}s)"
  wait_ready "$pid"
}

# Topic names at $BOOTSTRAP, one per line, with their partition count.
list_topics() { # -> "name partitions" lines
  if command -v kcat >/dev/null 2>&1; then
    kcat -b "$BOOTSTRAP" -L -m 10 2>/dev/null |
      sed -n 's/^ *topic "\([^"]*\)" with \([0-9]*\) partitions:.*/\1 \2/p'
  else
    run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list |
      sed 's/$/ ?/'
  fi
}

cmd_create_topics() {
  local topics=("$@")
  ((${#topics[@]})) || topics=("${TOPICS[@]}")
  need_libs
  check_java
  broker_answers || die "no broker answers at $BOOTSTRAP; run deploy/local/kafka.sh start first"
  local t0 existing t missing=() pids=() rc=0 i
  t0=$(now_ms)
  existing=$(list_topics)
  for t in "${topics[@]}"; do
    if grep -q "^$t " <<<"$existing"; then
      say "topic $t exists"
    else
      missing+=("$t")
    fi
  done
  if ((${#missing[@]})); then
    say "creating ${#missing[@]} topic(s) in parallel: ${missing[*]}"
    local tmpd
    tmpd=$(mktemp -d)
    # TopicCommand creates one topic per JVM; the JVMs run side by side.
    for i in "${!missing[@]}"; do
      run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
        --create --if-not-exists --topic "${missing[$i]}" \
        --partitions "$TOPIC_PARTITIONS" --replication-factor 1 \
        --config cleanup.policy=delete --config retention.ms=-1 --config retention.bytes=-1 \
        >"$tmpd/$i.log" 2>&1 &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      if wait "${pids[$i]}"; then
        say "created ${missing[$i]}"
      else
        rc=1
        cat "$tmpd/$i.log" >&2
        warn "creating ${missing[$i]} failed"
      fi
    done
    rm -rf "$tmpd"
    ((rc == 0)) || die "some topics could not be created"
    # The broker's metadata cache follows the controller a moment later.
    local deadline=$(($(now_ms) + 15000)) all
    while :; do
      existing=$(list_topics)
      all=1
      for t in "${topics[@]}"; do
        grep -q "^$t [1-9?]" <<<"$existing" || all=0
      done
      ((all)) || (($(now_ms) >= deadline)) || {
        sleep 0.2
        continue
      }
      break
    done
  fi
  # Check the result (partition counts when kcat can tell them).
  local line n
  for t in "${topics[@]}"; do
    line=$(grep "^$t " <<<"$existing" || true)
    [[ -n $line ]] || die "topic $t still missing after create"
    n=${line##* }
    if [[ $n != "?" && $n != "$TOPIC_PARTITIONS" ]]; then
      warn "topic $t has $n partitions, expected $TOPIC_PARTITIONS (left as is)"
    fi
  done
  say "topics ready: ${#topics[@]} checked, ${#missing[@]} created ($(elapsed "$t0"))"
}

cmd_reset() {
  cmd_stop
  if [[ -d $KAFKA_DATA_DIR ]]; then
    # Only delete what looks like a data dir made by this script.
    if [[ -f $CONFIG || -f $CLUSTER_ID_FILE || -z "$(ls -A "$KAFKA_DATA_DIR")" ]]; then
      rm -rf "$KAFKA_DATA_DIR"
    else
      die "$KAFKA_DATA_DIR does not look like a kafka.sh data dir (no server.properties); not deleting it"
    fi
  fi
  rm -f "$PID_FILE" "$LOG_FILE" "$LOG_FILE".[0-9]* "$OUT_FILE" "$KAFKA_DATA_DIR.admin.properties"
  say "reset: deleted $KAFKA_DATA_DIR (next start formats fresh storage)"
}

cmd_tool() {
  (($#)) || die "tool: name a main class or an alias (see --help)"
  local cls=$1
  shift
  case $cls in
  topics) cls=org.apache.kafka.tools.TopicCommand ;;
  console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
  producer-perf) cls=org.apache.kafka.tools.ProducerPerformance ;;
  consumer-perf) cls=org.apache.kafka.tools.ConsumerPerformance ;;
  storage) cls=kafka.tools.StorageTool ;;
  esac
  need_libs
  check_java
  run_tool "$cls" "$@"
}

main() {
  (($#)) || {
    usage >&2
    exit 2
  }
  local cmd=$1
  shift
  case $cmd in
  -h | --help | help) usage ;;
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  create-topics) cmd_create_topics "$@" ;;
  reset) cmd_reset ;;
  tool) cmd_tool "$@" ;;
  *)
    usage >&2
    die "unknown command: $cmd"
    ;;
  esac
}

main "$@"
