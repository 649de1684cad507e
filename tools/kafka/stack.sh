#!/usr/bin/env bash
# Local test stack, all on 127.0.0.1, all from Maven Central jars (no docker, no tarball):
#   kafka-a  single-node KRaft cluster (MirrorMaker source), SASL_PLAINTEXT + SCRAM-SHA-512
#   kafka-b  single-node KRaft cluster (MirrorMaker target), SASL_PLAINTEXT + SCRAM-SHA-512
#   connect  one Kafka Connect distributed worker backed by kafka-b, MirrorMaker 2 connectors on
#            its classpath, REST basic auth (BasicAuthSecurityRestExtension + PropertyFileLoginModule)
#
# usage: tools/kafka/stack.sh fetch|up|down|status|restart-connect|kill-connect|info|run-class
#   KAFKA_VERSION=4.1.1 (default) | 3.9.1 ...   see tools/kafka/README.md for ports, env and layout.
#
# Processes are stopped by their recorded pid only, and only after checking that the pid still
# runs a JVM carrying this stack's marker (-Dkafka.stack.marker=<run dir>/<component>).
set -euo pipefail

KV="${KAFKA_VERSION:-4.1.1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBS="$HERE/libs-$KV"
RUN="${KAFKA_STACK_RUN_DIR:-$HERE/run-$KV}"
CONF="$RUN/conf"
STACK_JSON="$RUN/stack.json"

HOST=127.0.0.1 # never anything else
A_PORT="${KAFKA_A_PORT:-19392}"
A_CTRL="${KAFKA_A_CONTROLLER_PORT:-19393}"
B_PORT="${KAFKA_B_PORT:-19492}"
B_CTRL="${KAFKA_B_CONTROLLER_PORT:-19493}"
REST_PORT="${CONNECT_PORT:-18383}"
A_ID=a2Fma2EtYS1jbHVzdGVyMQ # base64url("kafka-a-cluster1")
B_ID=a2Fma2EtYi1jbHVzdGVyMQ # base64url("kafka-b-cluster1")
CONNECT_GROUP=mm2-connect

BROKER_TIMEOUT="${KAFKA_STACK_BROKER_TIMEOUT:-90}"
CONNECT_TIMEOUT="${KAFKA_STACK_CONNECT_TIMEOUT:-180}"
STOP_TIMEOUT="${KAFKA_STACK_STOP_TIMEOUT:-30}"
LOCK_TIMEOUT="${KAFKA_STACK_LOCK_TIMEOUT:-400}"
FETCH_TIMEOUT="${KAFKA_STACK_FETCH_TIMEOUT:-900}"

HEAP_BROKER="${KAFKA_STACK_BROKER_HEAP:--Xms64m -Xmx384m}"
HEAP_CONNECT="${KAFKA_STACK_CONNECT_HEAP:--Xms64m -Xmx512m}"
HEAP_TOOL="-Xms32m -Xmx256m"
JVM_COMMON="${KAFKA_STACK_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"

case "$KV" in
  3.*) PROFILE=kafka3; LOGOPT="-Dlog4j.configuration=file:$CONF/log4j.properties" ;;
  4.*) PROFILE=kafka4; LOGOPT="-Dlog4j2.configurationFile=$CONF/log4j2.properties" ;;
  *) echo "stack.sh: unsupported KAFKA_VERSION '$KV' (use 4.1.x or 3.9.x)" >&2; exit 2 ;;
esac

log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'stack.sh: ERROR: %s\n' "$*" >&2; exit 1; }

need() { # command, hint
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH. $2"
}

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- fetch
# Jars land in libs-<v>/ through a temporary folder that is renamed only when complete, so a
# half-finished or stale download is never used. `.complete` marks a good folder.
libs_complete() { [ -f "$LIBS/.complete" ]; }

fetch() {
  if libs_complete; then log "jars for Kafka $KV already in $LIBS"; return 0; fi
  need mvn "Install Apache Maven 3.8+ (it fetches the Kafka jars from Maven Central)."
  need java "Install a Java 17 JDK/JRE."
  local tmp="$LIBS.tmp.$$" t0 rc=0
  rm -rf "$LIBS" "$tmp"
  t0=$(now_ms)
  log "fetching Kafka $KV jars from Maven Central (profile $PROFILE) ..."
  timeout "$FETCH_TIMEOUT" mvn -B -q -f "$HERE/pom.xml" -P "$PROFILE" -Dkafka.version="$KV" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 || rc=$?
  if [ "$rc" != 0 ]; then rm -rf "$tmp"; die "mvn copy-dependencies failed (exit $rc) for Kafka $KV"; fi
  local j missing=""
  for j in "kafka_2.13-$KV" "kafka-clients-$KV" "kafka-tools-$KV" "connect-runtime-$KV" \
           "connect-mirror-$KV" "connect-mirror-client-$KV" "connect-basic-auth-extension-$KV" \
           "slf4j-api-1.7.36"; do
    [ -f "$tmp/$j.jar" ] || missing="$missing $j"
  done
  if [ "$PROFILE" = kafka4 ]; then
    compgen -G "$tmp/log4j-slf4j-impl-*.jar" >/dev/null || missing="$missing log4j-slf4j-impl"
    compgen -G "$tmp/log4j-core-*.jar" >/dev/null || missing="$missing log4j-core"
  else
    compgen -G "$tmp/slf4j-reload4j-*.jar" >/dev/null || missing="$missing slf4j-reload4j"
  fi
  if [ -n "$missing" ]; then rm -rf "$tmp"; die "fetched jars incomplete, missing:$missing"; fi
  local n bytes
  n=$(find "$tmp" -name '*.jar' | wc -l)
  bytes=$(du -sb "$tmp" | cut -f1)
  printf 'kafka=%s\njars=%s\nbytes=%s\nfetch_ms=%s\n' "$KV" "$n" "$bytes" "$(( $(now_ms) - t0 ))" > "$tmp/.complete"
  mv "$tmp" "$LIBS"
  log "fetched $n jars ($(( bytes / 1048576 )) MiB) in $(( ($(now_ms) - t0) / 1000 ))s into $LIBS"
}

# ---------------------------------------------------------------- credentials + config files
random_secret() { LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 24 || true; }

# Passwords are generated once per run dir (alphanumeric: --add-scram splits on ',' and ']').
# They are baked into the metadata log at format time, so they live as long as the data does.
load_credentials() {
  local f="$CONF/credentials.env"
  if [ ! -f "$f" ]; then
    mkdir -p "$CONF"
    umask 077
    {
      echo "A_ADMIN_PW=$(random_secret)"
      echo "A_MM2_PW=$(random_secret)"
      echo "B_ADMIN_PW=$(random_secret)"
      echo "B_MM2_PW=$(random_secret)"
      echo "REST_PW=$(random_secret)"
    } > "$f"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$f"
  ADMIN_USER=admin
  MM2_USER=mm2
  REST_USER=admin
}

jaas() { # user password
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' "$1" "$2"
}

write_logging() {
  cat > "$CONF/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %X{connector.context}%m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
EOF
  cat > "$CONF/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %X{connector.context}%m (%c)%n
log4j.logger.org.reflections=ERROR
EOF
  # CLI tools: warnings only, so their stdout stays parseable
  sed 's/^rootLogger.level = INFO/rootLogger.level = WARN/' "$CONF/log4j2.properties" > "$CONF/tools-log4j2.properties"
  sed 's/^log4j.rootLogger=INFO/log4j.rootLogger=WARN/' "$CONF/log4j.properties" > "$CONF/tools-log4j.properties"
}

tool_logopt() {
  case "$PROFILE" in
    kafka3) echo "-Dlog4j.configuration=file:$CONF/tools-log4j.properties" ;;
    *) echo "-Dlog4j2.configurationFile=$CONF/tools-log4j2.properties" ;;
  esac
}

write_client() { # file user password
  umask 077
  cat > "$1" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(jaas "$2" "$3")
EOF
  umask 022
}

write_broker() { # name client-port controller-port admin-password
  local n=$1 p=$2 c=$3 pw=$4
  mkdir -p "$RUN/$n"
  umask 077
  {
    cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$c
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://$HOST:$p,CONTROLLER://$HOST:$c
advertised.listeners=SASL_PLAINTEXT://$HOST:$p
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$(jaas "$ADMIN_USER" "$pw")
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$ADMIN_USER;User:$MM2_USER;User:ANONYMOUS
log.dirs=$RUN/$n/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
EOF
    case "$KV" in
      4.*) printf '%s\n' share.coordinator.state.topic.replication.factor=1 \
                         share.coordinator.state.topic.min.isr=1 ;;
    esac
  } > "$CONF/server-$n.properties"
  umask 022
}

write_connect() {
  mkdir -p "$RUN/connect"
  umask 077
  printf '%s: %s\n' "$REST_USER" "$REST_PW" > "$CONF/connect-credentials.properties"
  cat > "$CONF/connect-jaas.conf" <<EOF
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="$CONF/connect-credentials.properties";
};
EOF
  {
    cat <<EOF
bootstrap.servers=$HOST:$B_PORT
group.id=$CONNECT_GROUP
config.storage.topic=connect-configs
offset.storage.topic=connect-offsets
status.storage.topic=connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
offset.flush.interval.ms=${CONNECT_OFFSET_FLUSH_MS:-2000}
scheduled.rebalance.max.delay.ms=0
connector.client.config.override.policy=All
topic.tracking.enable=true
listeners=http://$HOST:$REST_PORT
rest.advertised.host.name=$HOST
rest.advertised.port=$REST_PORT
rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension
plugin.discovery=${CONNECT_PLUGIN_DISCOVERY:-service_load}
EOF
    # the worker's own clients, then the producer/consumer/admin it creates for connectors
    local pfx
    for pfx in "" producer. consumer. admin.; do
      printf '%s\n' "${pfx}security.protocol=SASL_PLAINTEXT" \
                    "${pfx}sasl.mechanism=SCRAM-SHA-512" \
                    "${pfx}sasl.jaas.config=$(jaas "$ADMIN_USER" "$B_ADMIN_PW")"
    done
  } > "$CONF/connect.properties"
  umask 022
}

# ---------------------------------------------------------------- processes
marker() { echo "$RUN/$1"; }

pidfile() { echo "$RUN/$1/$1.pid"; }

# pid of a live process of this stack's component, or nothing
live_pid() { # component
  local f pid
  f=$(pidfile "$1")
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null \
       | grep -qF -- "-Dkafka.stack.marker=$(marker "$1") "; then
    echo "$pid"
  fi
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

EXEC_TIMEOUT="${KAFKA_STACK_EXEC_TIMEOUT:-60}"

# The background child is first a copy of this shell (no marker in /proc/<pid>/cmdline yet), then
# nohup, then java, and on a loaded machine each step can take a while. Wait until the child runs
# java with the marker (the component is started) or is gone (it really failed), so that live_pid,
# which keeps the pid-marker safety, is asked only once the exec has happened.
wait_exec() { # component pid logfile
  local c=$1 pid=$2 logf=$3 deadline state
  deadline=$(( $(date +%s) + EXEC_TIMEOUT ))
  while :; do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && [ -n "$(live_pid "$c")" ]; then return 0; fi
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    if [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]; then
      fail_with_log "$logf" "$c (pid $pid) exited before it ran java" || return 1
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "$logf" "$c (pid $pid) has not exec'd java after ${EXEC_TIMEOUT}s" || return 1
    sleep 0.05
  done
}

start_bg() { # component logfile java-args...
  local c=$1 logf=$2 pid
  shift 2
  # fd 9 is the stack lock: never let a long-lived JVM inherit it
  nohup java -Dkafka.stack.marker="$(marker "$c")" "$@" > "$logf" 2>&1 < /dev/null 9>&- &
  pid=$!
  echo "$pid" > "$(pidfile "$c")"
  wait_exec "$c" "$pid" "$logf"
}

stop_component() { # component signal(TERM|KILL)
  local c=$1 sig=${2:-TERM} pid i
  pid=$(live_pid "$c")
  if [ -n "$pid" ]; then
    log "stopping $c (pid $pid, SIG$sig)"
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$c (pid $pid) still alive after ${STOP_TIMEOUT}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$(pidfile "$c")"
}

fail_with_log() { # logfile message
  log "$2"
  log "last lines of $1:"
  tail -n 40 "$1" >&2 || true
  return 1
}

format_storage() { # component cluster-id admin-pw mm2-pw
  local c=$1 out rc=0
  if [ -f "$RUN/$c/data/meta.properties" ]; then return 0; fi
  out=$(java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" kafka.tools.StorageTool format \
          -t "$2" -c "$CONF/server-$c.properties" \
          --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$3]" \
          --add-scram "SCRAM-SHA-512=[name=$MM2_USER,password=$4]" 2>&1) || rc=$?
  printf '%s\n' "$out" > "$RUN/$c/format.log"
  [ "$rc" = 0 ] || fail_with_log "$RUN/$c/format.log" "formatting $c failed (exit $rc)"
}

start_broker() { # component client-port controller-port cluster-id admin-pw mm2-pw
  local c=$1
  write_broker "$c" "$2" "$3" "$5"
  port_busy "$2" && die "port $HOST:$2 for $c is already in use by another process (override with KAFKA_*_PORT)"
  port_busy "$3" && die "port $HOST:$3 for $c is already in use by another process (override with KAFKA_*_CONTROLLER_PORT)"
  format_storage "$c" "$4" "$5" "$6"
  # shellcheck disable=SC2086
  start_bg "$c" "$RUN/$c/$c.log" $HEAP_BROKER $JVM_COMMON "$LOGOPT" -cp "$LIBS/*" \
    kafka.Kafka "$CONF/server-$c.properties"
}

# Readiness = the "Kafka Server started" log line (startup() returned: metadata caught up, broker
# unfenced) AND an authenticated metadata call (list topics as admin over SASL/SCRAM).
wait_broker() { # component port admin-client-config deadline-epoch
  local c=$1 logf="$RUN/$1/$1.log" out
  while :; do
    [ -n "$(live_pid "$c")" ] || fail_with_log "$logf" "$c exited during start-up" || return 1
    if grep -q 'Kafka Server started' "$logf" 2>/dev/null; then break; fi
    [ "$(date +%s)" -lt "$4" ] || fail_with_log "$logf" "$c not started after ${BROKER_TIMEOUT}s" || return 1
    sleep 0.5
  done
  while :; do
    if out=$(timeout 60 java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
              --bootstrap-server "$HOST:$2" --command-config "$3" --list 2>&1); then
      return 0
    fi
    [ "$(date +%s)" -lt "$4" ] || { log "$out"; fail_with_log "$logf" "$c: authenticated metadata call still failing after ${BROKER_TIMEOUT}s"; return 1; }
    sleep 1
  done
}

rest() { # path -> sets REST_CODE and REST_BODY (credentials go through stdin, not argv)
  local tmp
  tmp=$(mktemp)
  REST_CODE=$(curl -s -o "$tmp" -w '%{http_code}' --max-time 10 -K - "http://$HOST:$REST_PORT$1" \
                <<<"user = \"$REST_USER:$REST_PW\"" || true)
  REST_BODY=$(cat "$tmp")
  rm -f "$tmp"
}

# Readiness = GET /health 200 (worker joined its group, herder started) with basic auth, GET /
# reports kafka-b's cluster id, and GET /connector-plugins lists the three MirrorMaker connectors.
wait_connect() { # deadline-epoch
  local logf="$RUN/connect/connect.log" body=""
  REST_CODE=000
  while :; do
    [ -n "$(live_pid connect)" ] || fail_with_log "$logf" "Connect exited during start-up" || return 1
    rest /health; body=$REST_BODY
    [ "$REST_CODE" = 200 ] && break
    [ "$(date +%s)" -lt "$1" ] || fail_with_log "$logf" "Connect /health not 200 after ${CONNECT_TIMEOUT}s (last HTTP $REST_CODE: $body)" || return 1
    sleep 1
  done
  rest /; body=$REST_BODY
  case "$body" in
    *"\"kafka_cluster_id\":\"$B_ID\""*) ;;
    *) fail_with_log "$logf" "Connect GET / did not report kafka-b's cluster id: HTTP $REST_CODE $body"; return 1 ;;
  esac
  rest /connector-plugins; body=$REST_BODY
  local cls
  for cls in MirrorSourceConnector MirrorCheckpointConnector MirrorHeartbeatConnector; do
    case "$body" in
      *"org.apache.kafka.connect.mirror.$cls"*) ;;
      *) fail_with_log "$logf" "Connect /connector-plugins lacks $cls: HTTP $REST_CODE $body"; return 1 ;;
    esac
  done
}

start_connect() {
  write_connect
  port_busy "$REST_PORT" && die "port $HOST:$REST_PORT for Connect is already in use by another process (override with CONNECT_PORT)"
  # shellcheck disable=SC2086
  start_bg connect "$RUN/connect/connect.log" $HEAP_CONNECT $JVM_COMMON "$LOGOPT" \
    -Djava.security.auth.login.config="$CONF/connect-jaas.conf" \
    -cp "$LIBS/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONF/connect.properties"
}

# ---------------------------------------------------------------- stack.json
json_str() { # escape for a JSON string literal
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
json_pid() { local p; p=$(live_pid "$1"); if [ -n "$p" ]; then echo "$p"; else echo null; fi; }

cluster_json() { # component name role port ctrl id admin-pw mm2-pw
  cat <<EOF
{
    "name": $(json_str "$2"),
    "role": $(json_str "$3"),
    "bootstrapServers": $(json_str "$HOST:$4"),
    "controllerPort": $5,
    "clusterId": $(json_str "$6"),
    "securityProtocol": "SASL_PLAINTEXT",
    "saslMechanism": "SCRAM-SHA-512",
    "admin": { "username": $(json_str "$ADMIN_USER"), "password": $(json_str "$7"), "superUser": true },
    "mm2": { "username": $(json_str "$MM2_USER"), "password": $(json_str "$8"), "superUser": true },
    "adminClientConfig": $(json_str "$CONF/client-$1-admin.properties"),
    "mm2ClientConfig": $(json_str "$CONF/client-$1-mm2.properties"),
    "pid": $(json_pid "$1"),
    "log": $(json_str "$RUN/$1/$1.log"),
    "dataDir": $(json_str "$RUN/$1/data")
  }
EOF
}

write_stack_json() { # up-ms
  local tmp="$STACK_JSON.tmp.$$"
  umask 077
  cat > "$tmp" <<EOF
{
  "schema": 1,
  "kafkaVersion": $(json_str "$KV"),
  "host": "$HOST",
  "runDir": $(json_str "$RUN"),
  "libsDir": $(json_str "$LIBS"),
  "stackScript": $(json_str "$HERE/stack.sh"),
  "writtenAt": $(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),
  "upMs": ${1:-null},
  "kafkaA": $(cluster_json kafka-a kafka-a source "$A_PORT" "$A_CTRL" "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW"),
  "kafkaB": $(cluster_json kafka-b kafka-b target "$B_PORT" "$B_CTRL" "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW"),
  "connect": {
    "url": "http://$HOST:$REST_PORT",
    "username": $(json_str "$REST_USER"),
    "password": $(json_str "$REST_PW"),
    "groupId": "$CONNECT_GROUP",
    "kafkaCluster": "kafka-b",
    "workerPrincipal": "kafka-b admin",
    "pid": $(json_pid connect),
    "log": $(json_str "$RUN/connect/connect.log")
  }
}
EOF
  umask 022
  mv "$tmp" "$STACK_JSON"
}

# ---------------------------------------------------------------- commands
with_lock() { # run "$@" holding the run dir lock (concurrent up/down from two test files)
  mkdir -p "$RUN"
  exec 9> "$RUN/.lock"
  flock -w "$LOCK_TIMEOUT" 9 || die "another stack.sh holds $RUN/.lock for more than ${LOCK_TIMEOUT}s"
  "$@"
}

prepare() {
  need java "Install a Java 17 JDK/JRE."
  need curl "Install curl."
  libs_complete || fetch
  mkdir -p "$CONF" "$RUN/kafka-a" "$RUN/kafka-b" "$RUN/connect"
  load_credentials
  write_logging
  write_client "$CONF/client-kafka-a-admin.properties" "$ADMIN_USER" "$A_ADMIN_PW"
  write_client "$CONF/client-kafka-a-mm2.properties" "$MM2_USER" "$A_MM2_PW"
  write_client "$CONF/client-kafka-b-admin.properties" "$ADMIN_USER" "$B_ADMIN_PW"
  write_client "$CONF/client-kafka-b-mm2.properties" "$MM2_USER" "$B_MM2_PW"
}

all_running() {
  [ -n "$(live_pid kafka-a)" ] && [ -n "$(live_pid kafka-b)" ] && [ -n "$(live_pid connect)" ]
}

cmd_up() {
  prepare
  local t0 deadline
  t0=$(now_ms)
  if all_running && [ -f "$STACK_JSON" ]; then
    # already up: re-check readiness (cheap: REST only) and keep it
    if wait_connect $(( $(date +%s) + 10 )) 2>/dev/null; then
      log "stack already up ($STACK_JSON)"
      echo "$STACK_JSON"
      return 0
    fi
    log "stack processes alive but Connect not ready: restarting cleanly"
  fi
  # Interrupted from here on (Ctrl-C, TERM from the demo or a test runner, a closed terminal): stop
  # what this up started rather than leave JVMs nobody will stop.
  trap 'log "up interrupted: stopping the stack"; trap - INT TERM HUP; stop_all; rm -f "$STACK_JSON"; exit 130' INT TERM HUP
  # anything half-up is stopped first; data is kept, so existing topics survive a re-up
  stop_component connect TERM
  [ -n "$(live_pid kafka-a)" ] && [ -n "$(live_pid kafka-b)" ] || { stop_component kafka-a TERM; stop_component kafka-b TERM; }
  rm -f "$STACK_JSON"
  if [ -z "$(live_pid kafka-a)" ]; then
    log "starting kafka-a (source) on $HOST:$A_PORT and kafka-b (target) on $HOST:$B_PORT (Kafka $KV)"
    write_broker kafka-a "$A_PORT" "$A_CTRL" "$A_ADMIN_PW"
    write_broker kafka-b "$B_PORT" "$B_CTRL" "$B_ADMIN_PW"
    # format both in parallel, then start both
    local ra=0 rb=0
    format_storage kafka-a "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW" & local pa=$!
    format_storage kafka-b "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW" & local pb=$!
    wait "$pa" || ra=$?
    wait "$pb" || rb=$?
    [ "$ra" = 0 ] && [ "$rb" = 0 ] || die "storage format failed"
    start_broker kafka-a "$A_PORT" "$A_CTRL" "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW" \
      && start_broker kafka-b "$B_PORT" "$B_CTRL" "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW" \
      || { stop_all; die "a broker did not start (logs: $RUN/kafka-a/kafka-a.log, $RUN/kafka-b/kafka-b.log)"; }
    deadline=$(( $(date +%s) + BROKER_TIMEOUT ))
    ra=0; rb=0
    wait_broker kafka-a "$A_PORT" "$CONF/client-kafka-a-admin.properties" "$deadline" & pa=$!
    wait_broker kafka-b "$B_PORT" "$CONF/client-kafka-b-admin.properties" "$deadline" & pb=$!
    wait "$pa" || ra=$?
    wait "$pb" || rb=$?
    if [ "$ra" != 0 ] || [ "$rb" != 0 ]; then
      stop_all; die "brokers did not become ready (logs: $RUN/kafka-a/kafka-a.log, $RUN/kafka-b/kafka-b.log)"
    fi
    log "brokers ready after $(( ($(now_ms) - t0) / 1000 ))s"
  fi
  if ! start_connect || ! wait_connect $(( $(date +%s) + CONNECT_TIMEOUT )); then
    stop_all; die "Connect did not become ready (log: $RUN/connect/connect.log)"
  fi
  write_stack_json "$(( $(now_ms) - t0 ))"
  trap - INT TERM HUP
  log "stack up in $(( ($(now_ms) - t0) / 1000 ))s: $STACK_JSON"
  echo "$STACK_JSON"
}

stop_all() {
  stop_component connect TERM
  # brokers are independent clusters: stop them in parallel
  stop_component kafka-a TERM & local pa=$!
  stop_component kafka-b TERM & local pb=$!
  wait "$pa" || true
  wait "$pb" || true
}

cmd_down() {
  stop_all
  rm -f "$STACK_JSON"
  if [ "${KAFKA_STACK_KEEP_DATA:-0}" != 1 ]; then
    # fresh clusters (and fresh passwords) on the next up; logs are kept for post-mortems
    rm -rf "$RUN/kafka-a/data" "$RUN/kafka-b/data" "$CONF" "$RUN/verify"
  fi
  log "stack down"
}

cmd_restart_connect() {
  prepare
  [ -n "$(live_pid kafka-b)" ] || die "kafka-b is not running: run '$0 up' first"
  local t0; t0=$(now_ms)
  stop_component connect TERM
  { start_connect && wait_connect $(( $(date +%s) + CONNECT_TIMEOUT )); } || die "Connect did not become ready after restart (log: $RUN/connect/connect.log)"
  write_stack_json "$(jq_up_ms)"
  log "Connect restarted in $(( ($(now_ms) - t0) / 1000 ))s"
}

cmd_kill_connect() {
  load_credentials
  local pid; pid=$(live_pid connect)
  [ -n "$pid" ] || { log "Connect is not running"; return 0; }
  stop_component connect KILL
  [ -f "$STACK_JSON" ] && write_stack_json "$(jq_up_ms)"
  log "Connect (pid $pid) killed with SIGKILL"
}

jq_up_ms() { # keep the original upMs when rewriting stack.json
  sed -n 's/^  "upMs": \([0-9]*\),$/\1/p' "$STACK_JSON" 2>/dev/null | head -n1
}

cmd_status() {
  local c pid rc=0
  for c in kafka-a kafka-b connect; do
    pid=$(live_pid "$c")
    if [ -n "$pid" ]; then
      printf '%-8s up    pid %-7s rss %s MiB\n' "$c" "$pid" "$(( $(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0) / 1024 ))"
    else
      printf '%-8s down\n' "$c"; rc=3
    fi
  done
  if [ -f "$STACK_JSON" ]; then echo "stack.json: $STACK_JSON"; fi
  return $rc
}

cmd_run_class() { # class args... : run a Kafka CLI class with the stack's jars (WARN logging)
  [ $# -ge 1 ] || die "usage: $0 run-class <main class> [args...]"
  need java "Install a Java 17 JDK/JRE."
  libs_complete || die "no jars for Kafka $KV: run '$0 fetch' first"
  [ -f "$CONF/tools-log4j2.properties" ] || { mkdir -p "$CONF"; write_logging; }
  # shellcheck disable=SC2086
  exec java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" "$@"
}

usage() {
  cat >&2 <<EOF
usage: $0 <command>
  fetch            download the Kafka $KV jars with Maven into $LIBS (skips if complete)
  up               start kafka-a, kafka-b and Connect; wait for readiness; write stack.json
  down             stop everything (TERM, then KILL after ${STOP_TIMEOUT}s); wipe data (KAFKA_STACK_KEEP_DATA=1 keeps it)
  status           show what runs (exit 3 if anything is down)
  restart-connect  stop (TERM) and start the Connect worker, wait for readiness
  kill-connect     SIGKILL the Connect worker (crash simulation)
  info             print the path of stack.json
  run-class C ...  run a Kafka main class with the stack's classpath (e.g. TopicCommand)
env: KAFKA_VERSION (4.1.1), KAFKA_STACK_RUN_DIR, KAFKA_A_PORT (19392), KAFKA_A_CONTROLLER_PORT (19393),
     KAFKA_B_PORT (19492), KAFKA_B_CONTROLLER_PORT (19493), CONNECT_PORT (18383)
EOF
}

# Sourced (`. stack.sh`, the unit tests do): define the functions only.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then return 0; fi

case "${1:-}" in
  fetch) with_lock fetch ;;
  up) with_lock cmd_up ;;
  down) with_lock cmd_down ;;
  status) cmd_status ;;
  restart-connect) with_lock cmd_restart_connect ;;
  kill-connect) with_lock cmd_kill_connect ;;
  info) echo "$STACK_JSON" ;;
  run-class) shift; cmd_run_class "$@" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
