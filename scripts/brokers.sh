#!/usr/bin/env bash
# Local message brokers for the polybus tests, without Docker or systemd.
#
#   scripts/brokers.sh up      [broker...]  install (apt) / start whatever is not reachable, wait until it is
#   scripts/brokers.sh down    [broker...]  stop brokers (all five unless named)
#   scripts/brokers.sh status  [broker...]  one line per broker; exit status 0 iff all of them are up
#   scripts/brokers.sh start   <broker>...  same as up, for the named brokers
#   scripts/brokers.sh stop    <broker>...  same as down, for the named brokers
#   scripts/brokers.sh restart <broker>...  stop, then start and wait until it accepts connections again
#
# Brokers and where they listen (all on 127.0.0.1):
#   rabbitmq 5672 (guest/guest), redis 6379, nats 4222 (JetStream on), mosquitto 1883,
#   kafka 9092 (Apache Kafka, single KRaft node; controller on 9093),
#   artemis 5673 (ActiveMQ Artemis, AMQP 1.0 only; artemis/artemis or SASL ANONYMOUS),
#   rocketmq 18081 (Apache RocketMQ 5 gRPC proxy, the endpoint clients use; name server on 19876,
#     broker remoting on 10911 (+10909, 10912 derived from it), proxy remoting on 18080)
#
# A broker that already accepts TCP connections is left alone. RabbitMQ, Redis, NATS and
# Mosquitto come from Debian packages; Kafka's jars are fetched from Maven Central with
# scripts/kafka/pom.xml into ${POLYBUS_CACHE:-$HOME/.cache/polybus}/kafka-<version>/, where
# its config, data (kept between runs), log (kafka.log) and pidfile (kafka.pid) live too.
# ActiveMQ Artemis's `bin` distribution is fetched from Maven Central (mvn dependency:copy)
# into ${POLYBUS_CACHE:-$HOME/.cache/polybus}/artemis-<version>/, with a broker instance
# (`artemis create`: config, journal kept between runs, artemis.out, artemis.pid) beside it.
# RocketMQ likewise: scripts/rocketmq/pom.xml into .../rocketmq-<version>/ (libs, conf, data,
# logs, namesrv.log + namesrv.pid, broker.log + broker.pid; the broker runs inside the proxy's JVM).
#
# Environment: POLYBUS_CACHE (cache dir), POLYBUS_BROKER_TIMEOUT (seconds to wait for a
# broker, default 180 for rabbitmq, kafka, artemis and rocketmq (JVMs starting together on
# two cores, Kafka replaying a long metadata log or waiting out its previous registration), 30
# for the others),
# POLYBUS_KAFKA_HEAP (default "-Xms256m -Xmx512m"), POLYBUS_ARTEMIS_HEAP (default
# "-Xms64m -Xmx512m"), POLYBUS_ROCKETMQ_HEAP (broker+proxy JVM, default "-Xms128m -Xmx320m";
# the name server gets 64-128m), JAVA_HOME.
set -euo pipefail

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
export DEBIAN_FRONTEND=noninteractive

readonly BROKERS=(rabbitmq redis nats mosquitto kafka artemis rocketmq)
readonly HOST=127.0.0.1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly CACHE_DIR=${POLYBUS_CACHE:-$HOME/.cache/polybus}

readonly KAFKA_VERSION=3.9.1 # keep in sync with kafka.version in scripts/kafka/pom.xml
readonly KAFKA_HOME=$CACHE_DIR/kafka-$KAFKA_VERSION
readonly KAFKA_LIBS=$KAFKA_HOME/libs
readonly KAFKA_DATA=$KAFKA_HOME/data
readonly KAFKA_PROPS=$KAFKA_HOME/server.properties
readonly KAFKA_LOG=$KAFKA_HOME/kafka.log
readonly KAFKA_PID=$KAFKA_HOME/kafka.pid

ROCKETMQ_VERSION=$(<"$SCRIPT_DIR/rocketmq/version") # the pom's rocketmq.version is only a default
readonly ROCKETMQ_VERSION
readonly ROCKETMQ_HOME=$CACHE_DIR/rocketmq-$ROCKETMQ_VERSION
readonly ROCKETMQ_LIBS=$ROCKETMQ_HOME/libs

readonly REDIS_DIR=$CACHE_DIR/redis
readonly NATS_BIN=/usr/sbin/nats-server
readonly NATS_STORE=/var/lib/nats-server
readonly NATS_LOG=/var/log/nats-server.log
readonly NATS_PID=/run/polybus-nats-server.pid
readonly MOSQUITTO_CONF=/etc/mosquitto/mosquitto.conf

# ---------------------------------------------------------------------------- helpers

say() { printf '%s\n' "brokers: $*" >&2; }
die() {
  say "error: $*"
  exit 2
}

# Run a command as root (directly, or through sudo when not root).
as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Like as_root, but without sudo just runs the command (for best-effort reads and kills).
try_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    "$@"
  fi
}

port_of() {
  case $1 in
    rabbitmq) echo 5672 ;;
    redis) echo 6379 ;;
    nats) echo 4222 ;;
    mosquitto) echo 1883 ;;
    kafka) echo 9092 ;;
    artemis) echo "$ARTEMIS_PORT" ;;
    rocketmq) echo 18081 ;;
    *) die "unknown broker '$1' (known: ${BROKERS[*]})" ;;
  esac
}

timeout_of() {
  case $1 in
    rabbitmq | kafka | artemis | rocketmq) echo "${POLYBUS_BROKER_TIMEOUT:-180}" ;;
    *) echo "${POLYBUS_BROKER_TIMEOUT:-30}" ;;
  esac
}

# True if something accepts TCP connections on HOST:port.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

is_up() { port_open "$(port_of "$1")"; }

# True if pid is a live process whose command line contains pattern.
pid_matches() {
  local pid=$1 pattern=$2
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# The pid stored in pidfile, if that process is alive and matches pattern.
pid_from_file() {
  local file=$1 pattern=$2 pid
  [[ -r $file ]] || return 1
  pid=$(<"$file")
  pid_matches "$pid" "$pattern" || return 1
  echo "$pid"
}

# Pids of the processes listening on a TCP port (empty if ss is not available).
listener_pids() {
  command -v ss >/dev/null 2>&1 || return 0
  try_root ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true
}

# SIGTERM the given pids, wait up to grace seconds for them to exit, then SIGKILL.
kill_wait() {
  local grace=$1 pid alive i
  shift
  (($# > 0)) || return 0
  try_root kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    alive=0
    for pid in "$@"; do
      [[ -e /proc/$pid ]] && alive=1
    done
    ((alive)) || return 0
    sleep 0.2
  done
  say "pid(s) $* still alive after ${grace}s, sending SIGKILL"
  try_root kill -KILL "$@" 2>/dev/null || true
  sleep 0.5
}

# Wait until the port accepts connections (or not); timeout in seconds.
wait_port_closed() {
  local port=$1 secs=$2 i
  for ((i = 0; i < secs * 4; i++)); do
    port_open "$port" || return 0
    sleep 0.25
  done
  return 1
}

# Show the last lines of a log file (as root if needed) on stderr.
show_log() {
  local file=$1 lines=${2:-30}
  if try_root test -s "$file"; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    try_root tail -n "$lines" "$file" >&2 || true
    printf -- '-----\n' >&2
  else
    say "(no log at $file)"
  fi
}

# Move a log aside once it gets big, so files in /var/log and the cache stay small.
trim_log() {
  local file=$1
  if try_root test -f "$file" && (($(try_root stat -c %s "$file") > 10485760)); then
    try_root mv -f "$file" "$file.1"
  fi
}

# ---------------------------------------------------------------------------- installation

# Debian packages needed before `broker` can be started; empty if it is installed.
missing_packages() {
  case $1 in
    rabbitmq) command -v rabbitmq-server >/dev/null 2>&1 || echo rabbitmq-server ;;
    redis)
      if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        echo redis-server redis-tools
      fi
      ;;
    nats) [[ -x $NATS_BIN ]] || echo nats-server ;;
    mosquitto) command -v mosquitto >/dev/null 2>&1 || echo mosquitto ;;
    kafka)
      java_bin >/dev/null 2>&1 || echo default-jre-headless
      if ! kafka_libs_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
      ;;
    artemis)
      java_bin >/dev/null 2>&1 || echo default-jre-headless
      if ! artemis_dist_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
      ;;
    rocketmq)
      # javac too: the RocketMQ interop tests compile a small Java peer against the fetched jars
      if ! java_bin >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then echo default-jdk-headless; fi
      if ! rocketmq_libs_ready && ! command -v mvn >/dev/null 2>&1; then echo maven; fi
      ;;
  esac
}

# apt-get install, without letting package scripts start services (this script starts them).
apt_install() (
  local policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    trap 'as_root rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
  fi
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
)

# A freshly installed RabbitMQ names its node rabbit@<hostname>, which breaks when the
# hostname does not resolve (containers, CI VMs). Pin it to localhost, like this repo's CI.
rabbitmq_after_install() {
  local env_conf=/etc/rabbitmq/rabbitmq-env.conf
  if ! as_root grep -qsE '^[[:space:]]*(export[[:space:]]+)?(RABBITMQ_)?NODENAME=' "$env_conf"; then
    as_root mkdir -p /etc/rabbitmq
    printf 'NODENAME=rabbit@localhost\n' | as_root tee -a "$env_conf" >/dev/null
  fi
}

# ---------------------------------------------------------------------------- rabbitmq

rabbitmq_log() {
  local newest
  newest=$(try_root sh -c 'ls -t /var/log/rabbitmq/rabbit*.log 2>/dev/null' | grep -v _upgrade | head -n 1 || true)
  echo "${newest:-/var/log/rabbitmq/startup_err}"
}

rabbitmq_start() {
  # the Debian wrapper switches to the rabbitmq user; -detached returns right away
  as_root rabbitmq-server -detached </dev/null >>"$CACHE_DIR/rabbitmq-start.log" 2>&1
}

rabbitmq_stop() {
  # `shutdown` waits until the Erlang VM has exited; fall back to `stop`
  as_root timeout 90 rabbitmqctl shutdown >/dev/null 2>&1 ||
    as_root timeout 60 rabbitmqctl stop >/dev/null 2>&1 || true
  # shellcheck disable=SC2046 # one pid per word
  wait_port_closed 5672 20 || kill_wait 20 $(listener_pids 5672)
}

rabbitmq_show_log() {
  show_log "$(rabbitmq_log)"
  if try_root test -s /var/log/rabbitmq/startup_err; then show_log /var/log/rabbitmq/startup_err 10; fi
  if [[ -s $CACHE_DIR/rabbitmq-start.log ]]; then show_log "$CACHE_DIR/rabbitmq-start.log" 10; fi
}

# ---------------------------------------------------------------------------- redis

redis_start() {
  mkdir -p "$REDIS_DIR"
  trim_log "$REDIS_DIR/redis.log"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" --pidfile "$REDIS_DIR/redis.pid" \
    </dev/null >>"$CACHE_DIR/redis-start.log" 2>&1
}

redis_stop() {
  redis-cli -h 127.0.0.1 -p 6379 shutdown nosave >/dev/null 2>&1 || true
  # shellcheck disable=SC2046 # one pid per word
  wait_port_closed 6379 10 || kill_wait 10 $(listener_pids 6379)
}

redis_kill_started() {
  local pid
  if pid=$(pid_from_file "$REDIS_DIR/redis.pid" redis-server); then kill_wait 10 "$pid"; fi
}

redis_show_log() {
  show_log "$REDIS_DIR/redis.log"
  if [[ -s $CACHE_DIR/redis-start.log ]]; then show_log "$CACHE_DIR/redis-start.log" 10; fi
}

# ---------------------------------------------------------------------------- nats

nats_start() {
  as_root mkdir -p "$NATS_STORE"
  trim_log "$NATS_LOG"
  as_root start-stop-daemon --start --oknodo --background \
    --make-pidfile --pidfile "$NATS_PID" --exec "$NATS_BIN" -- \
    -a 127.0.0.1 -p 4222 -js -sd "$NATS_STORE" -l "$NATS_LOG"
}

nats_stop() {
  local pid
  if pid=$(pid_from_file "$NATS_PID" nats-server); then kill_wait 15 "$pid"; fi
  if port_open 4222; then
    # started by someone else (no pidfile of ours): stop whatever serves the port
    # shellcheck disable=SC2046 # one pid per word
    kill_wait 15 $(listener_pids 4222)
  fi
  if port_open 4222; then
    as_root start-stop-daemon --stop --oknodo --quiet --retry TERM/15/KILL/5 --exec "$NATS_BIN" || true
  fi
  as_root rm -f "$NATS_PID"
}

nats_kill_started() {
  local pid
  if pid=$(pid_from_file "$NATS_PID" nats-server); then kill_wait 10 "$pid"; fi
}

nats_show_log() { show_log "$NATS_LOG"; }

# ---------------------------------------------------------------------------- mosquitto

# Value of a mosquitto.conf option (first occurrence), or a default.
mosquitto_conf() {
  local key=$1 default=$2 value
  value=$(awk -v k="$key" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }' "$MOSQUITTO_CONF" 2>/dev/null || true)
  echo "${value:-$default}"
}

mosquitto_pidfile() { mosquitto_conf pid_file /run/mosquitto/mosquitto.pid; }

mosquitto_log() {
  local dest
  dest=$(mosquitto_conf log_dest "file /var/log/mosquitto/mosquitto.log")
  if [[ $dest == file\ * ]]; then echo "${dest#file }"; else echo /var/log/mosquitto/mosquitto.log; fi
}

mosquitto_start() {
  local piddir logdir
  piddir=$(dirname "$(mosquitto_pidfile)")
  logdir=$(dirname "$(mosquitto_log)")
  # normally created by systemd (RuntimeDirectory); mosquitto drops root to the mosquitto user
  if [[ ! -d $piddir ]]; then as_root install -d -o mosquitto -g mosquitto "$piddir"; fi
  if [[ ! -d $logdir ]]; then as_root install -d -o mosquitto -g mosquitto "$logdir"; fi
  trim_log "$(mosquitto_log)"
  as_root mosquitto -d -c "$MOSQUITTO_CONF" </dev/null >>"$CACHE_DIR/mosquitto-start.log" 2>&1
}

mosquitto_stop() {
  local pid
  if pid=$(pid_from_file "$(mosquitto_pidfile)" mosquitto); then kill_wait 15 "$pid"; fi
  if port_open 1883; then
    # shellcheck disable=SC2046 # one pid per word
    kill_wait 15 $(listener_pids 1883)
  fi
  if port_open 1883; then
    as_root start-stop-daemon --stop --oknodo --quiet --retry TERM/15/KILL/5 --exec /usr/sbin/mosquitto || true
  fi
}

mosquitto_kill_started() {
  local pid
  if pid=$(pid_from_file "$(mosquitto_pidfile)" mosquitto); then kill_wait 10 "$pid"; fi
}

mosquitto_show_log() {
  show_log "$(mosquitto_log)"
  if [[ -s $CACHE_DIR/mosquitto-start.log ]]; then show_log "$CACHE_DIR/mosquitto-start.log" 10; fi
}

# ---------------------------------------------------------------------------- kafka

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java
  fi
}

kafka_libs_stamp() {
  echo "$KAFKA_VERSION $(sha256sum <"$SCRIPT_DIR/kafka/pom.xml" | cut -d' ' -f1)"
}

kafka_libs_ready() {
  [[ -f $KAFKA_LIBS/.polybus-complete && $(<"$KAFKA_LIBS/.polybus-complete") == "$(kafka_libs_stamp)" ]]
}

# Download Kafka and its dependencies from Maven Central into the cache (once).
kafka_fetch() {
  kafka_libs_ready && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once, to fetch Kafka's jars)"
  local tmp=$KAFKA_HOME/libs.partial
  mkdir -p "$KAFKA_HOME"
  rm -rf "$tmp"
  say "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS (first run only)"
  if ! mvn -q -B -f "$SCRIPT_DIR/kafka/pom.xml" "-Dkafka.version=$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp" \
    >"$KAFKA_HOME/mvn.log" 2>&1; then
    show_log "$KAFKA_HOME/mvn.log"
    rm -rf "$tmp"
    return 1
  fi
  kafka_libs_stamp >"$tmp/.polybus-complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

# Run a Kafka tool class from the cached classpath (warnings only on stderr).
kafka_tool() {
  "$(java_bin)" -Xmx256m -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$SCRIPT_DIR/kafka/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DATA"
  cp "$SCRIPT_DIR/kafka/log4j.properties" "$KAFKA_HOME/log4j.properties"
  cat >"$KAFKA_PROPS.tmp" <<EOF
# Generated by scripts/brokers.sh -- single-node KRaft broker+controller for local tests.
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://127.0.0.1:9092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.voters=1@127.0.0.1:9093
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
}

# Format the KRaft storage the first time (the cluster id is kept next to the data).
kafka_format() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local cluster_id
  if [[ -s $KAFKA_HOME/cluster.id ]]; then
    cluster_id=$(<"$KAFKA_HOME/cluster.id")
  else
    cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid | tail -n 1)
    [[ -n $cluster_id ]] || return 1
    echo "$cluster_id" >"$KAFKA_HOME/cluster.id"
  fi
  say "formatting Kafka storage in $KAFKA_DATA (cluster id $cluster_id)"
  kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$KAFKA_PROPS" >&2
}

kafka_pid() { pid_from_file "$KAFKA_PID" kafka.Kafka; }

kafka_start() {
  local java pid i
  mkdir -p "$KAFKA_HOME"
  if pid=$(kafka_pid); then
    say "kafka is already starting (pid $pid)"
    return 0
  fi
  java=$(java_bin) || die "java not found"
  kafka_fetch || return 1
  kafka_write_config
  kafka_format || return 1
  if [[ -f $KAFKA_LOG ]]; then mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"; fi
  rm -f "$KAFKA_PID"
  # setsid: own session, so the broker outlives this script and the caller's process group;
  # the inner shell records its pid, then becomes the JVM
  # shellcheck disable=SC2016,SC2086 # $$ is the inner shell's; the heap setting is several options
  nohup setsid bash -c 'echo $$ >"$0" && exec "$@"' "$KAFKA_PID" \
    "$java" ${POLYBUS_KAFKA_HEAP:--Xms256m -Xmx512m} -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$KAFKA_HOME/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
    </dev/null >"$KAFKA_LOG" 2>&1 &
  for ((i = 0; i < 50; i++)); do
    [[ -s $KAFKA_PID ]] && return 0
    sleep 0.1
  done
  say "kafka did not write its pidfile $KAFKA_PID"
  return 1
}

# Up = accepts connections and (if we started it) has logged that it finished starting.
kafka_ready() {
  port_open 9092 || return 1
  if [[ -f $KAFKA_LOG ]] && kafka_pid >/dev/null; then
    grep -q 'Kafka Server started' "$KAFKA_LOG"
  fi # else not started by us: the open port is all we know
}

kafka_stop() {
  local pid
  if pid=$(kafka_pid); then
    kill_wait 60 "$pid" # controlled shutdown takes a few seconds
  elif pid=$(pgrep -f "kafka.Kafka $KAFKA_PROPS"); then
    # shellcheck disable=SC2086 # one pid per word
    kill_wait 60 $pid
  fi
  if port_open 9092; then
    # shellcheck disable=SC2046 # one pid per word
    kill_wait 60 $(listener_pids 9092)
  fi
  rm -f "$KAFKA_PID"
}

kafka_kill_started() {
  local pid
  if pid=$(kafka_pid); then kill_wait 20 "$pid"; fi
  rm -f "$KAFKA_PID"
}

kafka_show_log() {
  if grep -qE '^\[[^]]*\] (ERROR|FATAL) ' "$KAFKA_LOG" 2>/dev/null; then
    printf -- '----- first errors in %s -----\n' "$KAFKA_LOG" >&2
    grep -E '^\[[^]]*\] (ERROR|FATAL) ' "$KAFKA_LOG" | head -n 5 | cut -c1-400 >&2
  fi
  show_log "$KAFKA_LOG"
}

# ---------------------------------------------------------------------------- artemis

readonly ARTEMIS_VERSION=2.40.0 # a version whose `bin` tar.gz Maven Central serves; runs on Java 17
readonly ARTEMIS_PORT=5673      # AMQP 1.0 (5672 is RabbitMQ's)
readonly ARTEMIS_BASE=$CACHE_DIR/artemis-$ARTEMIS_VERSION
readonly ARTEMIS_DIST=$ARTEMIS_BASE/apache-artemis-$ARTEMIS_VERSION
readonly ARTEMIS_INSTANCE=$ARTEMIS_BASE/instance
readonly ARTEMIS_OUT=$ARTEMIS_BASE/artemis.out
readonly ARTEMIS_PID=$ARTEMIS_BASE/artemis.pid
# bump when the instance's configuration below changes: the instance is then created anew
readonly ARTEMIS_CONFIG_STAMP="$ARTEMIS_VERSION amqp-$ARTEMIS_PORT v2"

artemis_dist_ready() { [[ -f $ARTEMIS_DIST/.polybus-complete && -x $ARTEMIS_DIST/bin/artemis ]]; }

# Download the Artemis `bin` distribution from Maven Central and unpack it into the cache (once).
artemis_fetch() {
  artemis_dist_ready && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once, to fetch ActiveMQ Artemis)"
  local tmp=$ARTEMIS_BASE/download.partial
  mkdir -p "$ARTEMIS_BASE"
  rm -rf "$tmp" "$ARTEMIS_DIST"
  mkdir -p "$tmp"
  say "fetching ActiveMQ Artemis $ARTEMIS_VERSION from Maven Central into $ARTEMIS_BASE (first run only)"
  if ! mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    "-Dartifact=org.apache.activemq:apache-artemis:$ARTEMIS_VERSION:tar.gz:bin" \
    "-DoutputDirectory=$tmp" >"$ARTEMIS_BASE/mvn.log" 2>&1; then
    show_log "$ARTEMIS_BASE/mvn.log"
    rm -rf "$tmp"
    return 1
  fi
  tar -xzf "$tmp/apache-artemis-$ARTEMIS_VERSION-bin.tar.gz" -C "$tmp" || return 1
  mv "$tmp/apache-artemis-$ARTEMIS_VERSION" "$ARTEMIS_DIST"
  rm -rf "$tmp"
  touch "$ARTEMIS_DIST/.polybus-complete"
}

# Create the broker instance (config and journal) once: AMQP 1.0 only, on 127.0.0.1:5673, user
# artemis/artemis; SASL ANONYMOUS is allowed too (as that user), a wrong password is refused.
artemis_create() {
  local stamp=$ARTEMIS_INSTANCE/.polybus-config
  [[ -f $stamp && $(<"$stamp") == "$ARTEMIS_CONFIG_STAMP" ]] && return 0
  say "creating the Artemis instance in $ARTEMIS_INSTANCE"
  # --force rewrites etc/ and bin/; the journal in data/ is kept
  "$ARTEMIS_DIST/bin/artemis" create "$ARTEMIS_INSTANCE" --force --silent --name polybus \
    --user artemis --password artemis --role amq --allow-anonymous --host "$HOST" --no-web \
    --no-hornetq-acceptor --no-mqtt-acceptor --no-stomp-acceptor --no-autotune --nio \
    --java-memory 512M >"$ARTEMIS_BASE/create.log" 2>&1 || {
    show_log "$ARTEMIS_BASE/create.log"
    return 1
  }
  local xml=$ARTEMIS_INSTANCE/etc/broker.xml
  # one acceptor: AMQP on 127.0.0.1:5673 (the default ones listen on 61616 and 5672)
  awk -v url="tcp://$HOST:$ARTEMIS_PORT?protocols=AMQP;tcpSendBufferSize=1048576;tcpReceiveBufferSize=1048576;amqpCredits=1000;amqpLowCredits=300;amqpMinLargeMessageSize=102400;amqpDuplicateDetection=true" '
    /<acceptors>/ { print; print "         <acceptor name=\"amqp\">" url "</acceptor>"; skip = 1; next }
    /<\/acceptors>/ { skip = 0 }
    !skip { print }' "$xml" >"$xml.tmp" && mv "$xml.tmp" "$xml"
  grep -q "name=\"amqp\">tcp://$HOST:$ARTEMIS_PORT?" "$xml" || {
    say "could not set the AMQP acceptor in $xml"
    return 1
  }
  # addresses under pbfull. hold at most 64 KiB and refuse more: the adapter's rejected-publish test
  awk '
    /<address-settings>/ { print; print "         <address-setting match=\"pbfull.#\">"; print "            <max-size-bytes>65536</max-size-bytes>"; print "            <address-full-policy>FAIL</address-full-policy>"; print "         </address-setting>"; next }
    { print }' "$xml" >"$xml.tmp" && mv "$xml.tmp" "$xml"
  # anonymous only without credentials: a wrong password must fail, not fall back to the guest
  sed -i 's/org.apache.activemq.jaas.guest.role="amq";/org.apache.activemq.jaas.guest.role="amq"\n       credentialsInvalidate=true;/' \
    "$ARTEMIS_INSTANCE/etc/login.config"
  # a small heap floor on a shared machine (-Xmx stays 512M)
  sed -i 's/-Xms512M/-Xms64M/' "$ARTEMIS_INSTANCE/etc/artemis.profile"
  echo "$ARTEMIS_CONFIG_STAMP" >"$stamp"
}

artemis_pid() { pid_from_file "$ARTEMIS_PID" "-Dartemis.instance=$ARTEMIS_INSTANCE"; }

artemis_start() {
  local java pid i
  mkdir -p "$ARTEMIS_BASE"
  if pid=$(artemis_pid); then
    say "artemis is already starting (pid $pid)"
    return 0
  fi
  java=$(java_bin) || die "java not found"
  artemis_fetch || return 1
  artemis_create || return 1
  if [[ -f $ARTEMIS_OUT ]]; then mv -f "$ARTEMIS_OUT" "$ARTEMIS_OUT.1"; fi
  rm -f "$ARTEMIS_PID"
  # as for kafka: own session, the inner shell records its pid and becomes bin/artemis, which
  # execs the JVM (same pid)
  # shellcheck disable=SC2016 # $$ is the inner shell's
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$java")")") \
    nohup setsid bash -c 'echo $$ >"$0" && exec "$@"' "$ARTEMIS_PID" \
    "$ARTEMIS_INSTANCE/bin/artemis" run </dev/null >"$ARTEMIS_OUT" 2>&1 &
  for ((i = 0; i < 50; i++)); do
    [[ -s $ARTEMIS_PID ]] && return 0
    sleep 0.1
  done
  say "artemis did not write its pidfile $ARTEMIS_PID"
  return 1
}

# Up = accepts connections and (if we started it) has logged that the server is active.
artemis_ready() {
  port_open "$ARTEMIS_PORT" || return 1
  if [[ -f $ARTEMIS_OUT ]] && artemis_pid >/dev/null; then
    grep -q 'AMQ221007' "$ARTEMIS_OUT" # "Server is now active"
  fi
}

artemis_stop() {
  local pid
  if pid=$(artemis_pid); then
    kill_wait 60 "$pid" # SIGTERM: the broker's shutdown hook stops it cleanly
  fi
  if port_open "$ARTEMIS_PORT"; then
    # shellcheck disable=SC2046 # one pid per word
    kill_wait 60 $(listener_pids "$ARTEMIS_PORT")
  fi
  rm -f "$ARTEMIS_PID"
}

artemis_kill_started() {
  local pid
  if pid=$(artemis_pid); then kill_wait 20 "$pid"; fi
  rm -f "$ARTEMIS_PID"
}

artemis_show_log() {
  if grep -qE ' (ERROR|FATAL) ' "$ARTEMIS_OUT" 2>/dev/null; then
    printf -- '----- first errors in %s -----\n' "$ARTEMIS_OUT" >&2
    grep -E ' (ERROR|FATAL) ' "$ARTEMIS_OUT" | head -n 5 | cut -c1-400 >&2
  fi
  show_log "$ARTEMIS_OUT"
}

# ---------------------------------------------------------------------------- rocketmq
. "$SCRIPT_DIR/rocketmq/brokers-section.sh"

# ---------------------------------------------------------------------------- generic

# Wait until a broker we just started is ready; fail early if its process died.
wait_ready() {
  local b=$1 secs i
  secs=$(timeout_of "$b")
  for ((i = 0; i < secs * 4; i++)); do
    case $b in
      kafka)
        kafka_ready && return 0
        if ! kafka_pid >/dev/null; then
          say "kafka exited during startup"
          return 1
        fi
        ;;
      artemis)
        artemis_ready && return 0
        if ! artemis_pid >/dev/null; then
          say "artemis exited during startup"
          return 1
        fi
        ;;
      rocketmq)
        rocketmq_ready && return 0
        if ! rocketmq_alive; then
          say "rocketmq exited during startup"
          return 1
        fi
        ;;
      *) is_up "$b" && return 0 ;;
    esac
    sleep 0.25
  done
  say "$b did not come up within ${secs}s"
  return 1
}

# Clean up after a broker that was started but never became ready.
kill_started() {
  case $1 in
    rabbitmq) as_root timeout 30 rabbitmqctl stop >/dev/null 2>&1 || true ;;
    *) "$1_kill_started" ;;
  esac
}

print_status() {
  local b=$1
  if is_up "$b"; then
    printf '%-10s %-5s %s\n' "$b" up "$HOST:$(port_of "$b")"
  else
    printf '%-10s %s\n' "$b" down
  fi
}

# Validate broker names; default to all of them. Result in the global SELECTED.
select_brokers() {
  SELECTED=()
  if (($# == 0)); then
    SELECTED=("${BROKERS[@]}")
    return
  fi
  local b
  for b in "$@"; do
    port_of "$b" >/dev/null
    SELECTED+=("$b")
  done
}

cmd_up() {
  select_brokers "$@"
  local b pkgs=() started=() failed=() rc=0

  mkdir -p "$CACHE_DIR"
  for b in "${SELECTED[@]}"; do
    if ! is_up "$b"; then
      # shellcheck disable=SC2207 # package names are single words
      pkgs+=($(missing_packages "$b"))
    fi
  done
  # foreign clients the interop tests drive against a running broker (kcat: librdkafka's CLI)
  if [[ " ${SELECTED[*]} " == *" kafka "* ]] && ! command -v kcat >/dev/null 2>&1; then pkgs+=(kcat); fi
  # ZeroMQ has no broker: its interop tests drive Debian's pyzmq, so a plain `up` (all brokers) installs it
  if ((${#SELECTED[@]} == ${#BROKERS[@]})) && ! /usr/bin/python3 -c 'import zmq' >/dev/null 2>&1; then
    pkgs+=(python3-zmq)
  fi
  # (Qpid Proton's Python binding: the AMQP 1.0 client of the Artemis interop test)
  if [[ " ${SELECTED[*]} " == *" artemis "* ]] && ! /usr/bin/python3 -c 'import proton' >/dev/null 2>&1; then
    pkgs+=(python3-qpid-proton)
  fi
  # Debian's chromium: the web console's browser test drives it with playwright-core (never a browser download)
  if ((${#SELECTED[@]} == ${#BROKERS[@]})) && [[ ! -x /usr/bin/chromium ]]; then pkgs+=(chromium); fi
  if ((${#pkgs[@]} > 0)); then
    local new_rabbit=0
    command -v rabbitmq-server >/dev/null 2>&1 || new_rabbit=1
    apt_install "${pkgs[@]}"
    if ((new_rabbit)) && command -v rabbitmq-server >/dev/null 2>&1; then rabbitmq_after_install; fi
  fi

  # start everything first, then wait: slow boots (rabbitmq, kafka) overlap
  for b in "${SELECTED[@]}"; do
    if is_up "$b"; then
      continue
    fi
    say "starting $b"
    if "${b}_start"; then
      started+=("$b")
    else
      say "$b failed to start"
      "${b}_show_log"
      kill_started "$b"
      failed+=("$b")
    fi
  done
  for b in "${started[@]}"; do
    if wait_ready "$b"; then
      say "$b is up"
    else
      "${b}_show_log"
      kill_started "$b"
      failed+=("$b")
    fi
  done

  for b in "${SELECTED[@]}"; do
    print_status "$b"
    is_up "$b" || rc=1
  done
  if ((${#failed[@]} > 0)); then
    say "failed: ${failed[*]}"
    rc=1
  fi
  return "$rc"
}

cmd_down() {
  select_brokers "$@"
  local b rc=0
  for b in "${SELECTED[@]}"; do
    if is_up "$b" || { [[ $b == kafka ]] && kafka_pid >/dev/null; } ||
      { [[ $b == artemis ]] && artemis_pid >/dev/null; } ||
      { [[ $b == rocketmq ]] && rocketmq_alive; }; then
      say "stopping $b"
      "${b}_stop"
    fi
  done
  for b in "${SELECTED[@]}"; do
    print_status "$b"
    if is_up "$b"; then
      say "$b is still running"
      rc=1
    fi
  done
  return "$rc"
}

cmd_status() {
  select_brokers "$@"
  local b rc=0
  for b in "${SELECTED[@]}"; do
    print_status "$b"
    is_up "$b" || rc=1
  done
  return "$rc"
}

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") up|down|status [broker...]
       $(basename "$0") start|stop|restart <broker>...
brokers: ${BROKERS[*]}
EOF
  exit 2
}

main() {
  (($# > 0)) || usage
  local cmd=$1
  shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    start)
      (($# > 0)) || usage
      cmd_up "$@"
      ;;
    stop)
      (($# > 0)) || usage
      cmd_down "$@"
      ;;
    restart)
      (($# > 0)) || usage
      cmd_down "$@" >/dev/null || die "could not stop: $*"
      cmd_up "$@"
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
