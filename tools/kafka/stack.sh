#!/usr/bin/env bash
# Local test stack, all on 127.0.0.1, all from Maven Central jars (no docker, no tarball):
#   kafka-a  single-node KRaft cluster (MirrorMaker source), SASL_PLAINTEXT + SCRAM-SHA-512
#   kafka-b  single-node KRaft cluster (MirrorMaker target), SASL_PLAINTEXT + SCRAM-SHA-512
#   connect  one Kafka Connect distributed worker backed by kafka-b, MirrorMaker 2 connectors on
#            its classpath, REST basic auth (BasicAuthSecurityRestExtension + PropertyFileLoginModule);
#            CONNECT_WORKERS=3 adds connect-2 and connect-3 to the same group (a Connect cluster)
# Both clusters also listen on SASL_SSL and Connect also serves https, with a server certificate
# (SAN IP:127.0.0.1, DNS:localhost) from a CA this script generates per run dir (rotate-ca
# replaces it).
#
# usage: tools/kafka/stack.sh fetch|up|down|status|restart-connect|kill-connect|rotate-ca|info|run-class
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
TLS_DIR="$CONF/tls"
STACK_JSON="$RUN/stack.json"

HOST=127.0.0.1 # never anything else
A_PORT="${KAFKA_A_PORT:-19392}"
A_CTRL="${KAFKA_A_CONTROLLER_PORT:-19393}"
B_PORT="${KAFKA_B_PORT:-19492}"
B_CTRL="${KAFKA_B_CONTROLLER_PORT:-19493}"
REST_PORT="${CONNECT_PORT:-18383}"
A_TLS_PORT="${KAFKA_A_TLS_PORT:-$((A_PORT + 2))}"
B_TLS_PORT="${KAFKA_B_TLS_PORT:-$((B_PORT + 2))}"
REST_TLS_PORT="${CONNECT_TLS_PORT:-$((REST_PORT + 1))}"
# Connect workers in the one group (distributed mode): 1 (the quick default) to 3. Worker w serves
# http on CONNECT_PORT + 2(w-1) and https on CONNECT_TLS_PORT + 2(w-1).
CONNECT_WORKERS="${CONNECT_WORKERS:-1}"
case "$CONNECT_WORKERS" in 1|2|3) ;; *) echo "stack.sh: CONNECT_WORKERS must be 1, 2 or 3, not '$CONNECT_WORKERS'" >&2; exit 2 ;; esac
MAX_WORKERS=3
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
      echo "TLS_PW=$(random_secret)"
    } > "$f"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$f"
  if [ -z "${TLS_PW:-}" ]; then TLS_PW=$(random_secret); echo "TLS_PW=$TLS_PW" >> "$f"; fi
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

write_broker() { # name client-port controller-port admin-password tls-port
  local n=$1 p=$2 c=$3 pw=$4 tp=$5
  mkdir -p "$RUN/$n"
  load_tls
  umask 077
  {
    cat <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$c
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://$HOST:$p,SASL_SSL://$HOST:$tp,CONTROLLER://$HOST:$c
advertised.listeners=SASL_PLAINTEXT://$HOST:$p,SASL_SSL://$HOST:$tp
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$(jaas "$ADMIN_USER" "$pw")
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(jaas "$ADMIN_USER" "$pw")
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KEYSTORE
listener.name.sasl_ssl.ssl.keystore.password=$TLS_PW
listener.name.sasl_ssl.ssl.key.password=$TLS_PW
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

worker_name() { if [ "$1" = 1 ]; then echo connect; else echo "connect-$1"; fi; }
worker_port() { echo $(( REST_PORT + 2 * ($1 - 1) )); }
worker_tls_port() { echo $(( REST_TLS_PORT + 2 * ($1 - 1) )); }
use_worker() { W_HTTP=$(worker_port "$1"); W_HTTPS=$(worker_tls_port "$1"); W_NAME=$(worker_name "$1"); }
use_worker 1

write_connect() { # [worker]
  use_worker "${1:-1}"
  mkdir -p "$RUN/$W_NAME"
  load_tls
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
listeners=http://$HOST:$W_HTTP,https://$HOST:$W_HTTPS
listeners.https.ssl.keystore.type=PKCS12
listeners.https.ssl.keystore.location=$KEYSTORE
listeners.https.ssl.keystore.password=$TLS_PW
listeners.https.ssl.key.password=$TLS_PW
rest.advertised.listener=http
rest.advertised.host.name=$HOST
rest.advertised.port=$W_HTTP
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
  } > "$CONF/$W_NAME.properties"
  umask 022
}

# ---------------------------------------------------------------- TLS material
# Generation N of the CA and of the one server certificate every TLS listener uses: ca-N.pem,
# server-N.p12 (PKCS12, password TLS_PW). ca.pem is the current CA, `generation` its number.
make_tls_generation() { # generation
  local g=$1 d="$TLS_DIR" rc=0
  mkdir -p "$d"
  umask 077
  {
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$d/ca-$g.key" -out "$d/ca-$g.pem" \
      -subj "/CN=kafka stack test CA $g" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$d/server-$g.key" -out "$d/server-$g.csr" -subj "/CN=$HOST" &&
    printf '%s\n' "subjectAltName=IP:$HOST,DNS:localhost" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > "$d/server-$g.ext" &&
    openssl x509 -req -sha256 -days 30 -in "$d/server-$g.csr" -CA "$d/ca-$g.pem" -CAkey "$d/ca-$g.key" \
      -CAcreateserial -out "$d/server-$g.pem" -extfile "$d/server-$g.ext" &&
    openssl pkcs12 -export -in "$d/server-$g.pem" -certfile "$d/ca-$g.pem" -inkey "$d/server-$g.key" \
      -name server -out "$d/server-$g.p12" -passout "pass:$TLS_PW"
  } > "$d/openssl-$g.log" 2>&1 || rc=$?
  umask 022
  [ "$rc" = 0 ] || fail_with_log "$d/openssl-$g.log" "generating TLS material (generation $g) failed" || return 1
  cp "$d/ca-$g.pem" "$d/ca.pem.tmp" && mv "$d/ca.pem.tmp" "$d/ca.pem"
  echo "$g" > "$d/generation"
}

load_tls() { # sets TLS_GEN and KEYSTORE, generating generation 1 on first use
  [ -f "$TLS_DIR/generation" ] || make_tls_generation 1
  TLS_GEN=$(cat "$TLS_DIR/generation")
  KEYSTORE="$TLS_DIR/server-$TLS_GEN.p12"
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

start_broker() { # component client-port controller-port cluster-id admin-pw mm2-pw tls-port
  local c=$1
  write_broker "$c" "$2" "$3" "$5" "$7"
  port_busy "$2" && die "port $HOST:$2 for $c is already in use by another process (override with KAFKA_*_PORT)"
  port_busy "$7" && die "port $HOST:$7 for $c is already in use by another process (override with KAFKA_*_TLS_PORT)"
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

rest() { # path [https] -> sets REST_CODE and REST_BODY (credentials go through stdin, not argv)
  local tmp url="http://$HOST:$W_HTTP$1" tls=()
  if [ "${2:-}" = https ]; then url="https://$HOST:$W_HTTPS$1"; tls=(--cacert "$TLS_DIR/ca.pem"); fi
  tmp=$(mktemp)
  REST_CODE=$(curl -s -o "$tmp" -w '%{http_code}' --max-time 10 "${tls[@]}" -K - "$url" \
                <<<"user = \"$REST_USER:$REST_PW\"" || true)
  REST_BODY=$(cat "$tmp")
  rm -f "$tmp"
}

# Readiness = GET /health 200 (worker joined its group, herder started) with basic auth, GET /
# reports kafka-b's cluster id, and GET /connector-plugins lists the three MirrorMaker connectors.
wait_connect() { # deadline-epoch [worker]
  use_worker "${2:-1}"
  local logf="$RUN/$W_NAME/$W_NAME.log" body="" c=$W_NAME
  REST_CODE=000
  while :; do
    [ -n "$(live_pid "$c")" ] || fail_with_log "$logf" "Connect worker $c exited during start-up" || return 1
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
  # the https listener, verified against the stack's CA
  rest / https
  [ "$REST_CODE" = 200 ] || { fail_with_log "$logf" "Connect https://$HOST:$W_HTTPS/ not 200 with the stack CA (HTTP $REST_CODE)"; return 1; }
  rest /connector-plugins; body=$REST_BODY
  local cls
  for cls in MirrorSourceConnector MirrorCheckpointConnector MirrorHeartbeatConnector; do
    case "$body" in
      *"org.apache.kafka.connect.mirror.$cls"*) ;;
      *) fail_with_log "$logf" "Connect /connector-plugins lacks $cls: HTTP $REST_CODE $body"; return 1 ;;
    esac
  done
}

start_connect() { # [worker]
  write_connect "${1:-1}"
  port_busy "$W_HTTP" && die "port $HOST:$W_HTTP for Connect is already in use by another process (override with CONNECT_PORT)"
  port_busy "$W_HTTPS" && die "port $HOST:$W_HTTPS for Connect https is already in use by another process (override with CONNECT_TLS_PORT)"
  # shellcheck disable=SC2086
  start_bg "$W_NAME" "$RUN/$W_NAME/$W_NAME.log" $HEAP_CONNECT $JVM_COMMON "$LOGOPT" \
    -Djava.security.auth.login.config="$CONF/connect-jaas.conf" \
    -cp "$LIBS/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONF/$W_NAME.properties"
}

# All CONNECT_WORKERS workers: started together (they join one group), then each waited for.
start_workers() {
  local w deadline
  for ((w = 1; w <= CONNECT_WORKERS; w++)); do start_connect "$w" || return 1; done
  deadline=$(( $(date +%s) + CONNECT_TIMEOUT ))
  for ((w = 1; w <= CONNECT_WORKERS; w++)); do wait_connect "$deadline" "$w" || return 1; done
}

stop_workers() { # signal: every worker this run dir may have (also ones beyond CONNECT_WORKERS)
  local w
  for ((w = MAX_WORKERS; w >= 1; w--)); do stop_component "$(worker_name "$w")" "$1"; done
}

# ---------------------------------------------------------------- stack.json
json_str() { # escape for a JSON string literal
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
json_pid() { local p; p=$(live_pid "$1"); if [ -n "$p" ]; then echo "$p"; else echo null; fi; }

cluster_json() { # component name role port ctrl id admin-pw mm2-pw tls-port
  cat <<EOF
{
    "name": $(json_str "$2"),
    "role": $(json_str "$3"),
    "bootstrapServers": $(json_str "$HOST:$4"),
    "tlsBootstrapServers": $(json_str "$HOST:$9"),
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

workers_json() { # workers 1..CONNECT_WORKERS, and any other one that runs
  local w sep=""
  for ((w = 1; w <= MAX_WORKERS; w++)); do
    use_worker "$w"
    [ "$w" -le "$CONNECT_WORKERS" ] || [ -n "$(live_pid "$W_NAME")" ] || continue
    printf '%s\n      { "name": %s, "url": "http://%s:%s", "httpsUrl": "https://%s:%s", "pid": %s, "log": %s }' \
      "$sep" "$(json_str "$W_NAME")" "$HOST" "$W_HTTP" "$HOST" "$W_HTTPS" "$(json_pid "$W_NAME")" "$(json_str "$RUN/$W_NAME/$W_NAME.log")"
    sep=","
  done
  use_worker 1
}

write_stack_json() { # up-ms
  local tmp="$STACK_JSON.tmp.$$"
  load_tls
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
  "tls": { "caFile": $(json_str "$TLS_DIR/ca.pem"), "generation": $TLS_GEN, "securityProtocol": "SASL_SSL" },
  "kafkaA": $(cluster_json kafka-a kafka-a source "$A_PORT" "$A_CTRL" "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW" "$A_TLS_PORT"),
  "kafkaB": $(cluster_json kafka-b kafka-b target "$B_PORT" "$B_CTRL" "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW" "$B_TLS_PORT"),
  "connect": {
    "url": "http://$HOST:$REST_PORT",
    "httpsUrl": "https://$HOST:$REST_TLS_PORT",
    "username": $(json_str "$REST_USER"),
    "password": $(json_str "$REST_PW"),
    "groupId": "$CONNECT_GROUP",
    "kafkaCluster": "kafka-b",
    "workerPrincipal": "kafka-b admin",
    "pid": $(json_pid connect),
    "log": $(json_str "$RUN/connect/connect.log"),
    "workers": [$(workers_json)]
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
  need openssl "Install OpenSSL (the stack's TLS listeners use a CA it generates)."
  libs_complete || fetch
  mkdir -p "$CONF" "$RUN/kafka-a" "$RUN/kafka-b" "$RUN/connect" "$RUN/connect-2" "$RUN/connect-3"
  load_credentials
  write_logging
  write_client "$CONF/client-kafka-a-admin.properties" "$ADMIN_USER" "$A_ADMIN_PW"
  write_client "$CONF/client-kafka-a-mm2.properties" "$MM2_USER" "$A_MM2_PW"
  write_client "$CONF/client-kafka-b-admin.properties" "$ADMIN_USER" "$B_ADMIN_PW"
  write_client "$CONF/client-kafka-b-mm2.properties" "$MM2_USER" "$B_MM2_PW"
}

all_running() {
  local w
  [ -n "$(live_pid kafka-a)" ] && [ -n "$(live_pid kafka-b)" ] || return 1
  for ((w = 1; w <= CONNECT_WORKERS; w++)); do [ -n "$(live_pid "$(worker_name "$w")")" ] || return 1; done
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
  stop_workers TERM
  [ -n "$(live_pid kafka-a)" ] && [ -n "$(live_pid kafka-b)" ] || { stop_component kafka-a TERM; stop_component kafka-b TERM; }
  rm -f "$STACK_JSON"
  if [ -z "$(live_pid kafka-a)" ]; then
    log "starting kafka-a (source) on $HOST:$A_PORT and kafka-b (target) on $HOST:$B_PORT (Kafka $KV)"
    write_broker kafka-a "$A_PORT" "$A_CTRL" "$A_ADMIN_PW" "$A_TLS_PORT"
    write_broker kafka-b "$B_PORT" "$B_CTRL" "$B_ADMIN_PW" "$B_TLS_PORT"
    # format both in parallel, then start both
    local ra=0 rb=0
    format_storage kafka-a "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW" & local pa=$!
    format_storage kafka-b "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW" & local pb=$!
    wait "$pa" || ra=$?
    wait "$pb" || rb=$?
    [ "$ra" = 0 ] && [ "$rb" = 0 ] || die "storage format failed"
    start_broker kafka-a "$A_PORT" "$A_CTRL" "$A_ID" "$A_ADMIN_PW" "$A_MM2_PW" "$A_TLS_PORT" \
      && start_broker kafka-b "$B_PORT" "$B_CTRL" "$B_ID" "$B_ADMIN_PW" "$B_MM2_PW" "$B_TLS_PORT" \
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
  if ! start_workers; then
    stop_all; die "Connect did not become ready (log: $RUN/connect/connect.log)"
  fi
  write_stack_json "$(( $(now_ms) - t0 ))"
  trap - INT TERM HUP
  log "stack up in $(( ($(now_ms) - t0) / 1000 ))s: $STACK_JSON"
  echo "$STACK_JSON"
}

stop_all() {
  stop_workers TERM
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
  stop_workers TERM
  start_workers || die "Connect did not become ready after restart (log: $RUN/connect/connect.log)"
  write_stack_json "$(jq_up_ms)"
  log "Connect restarted in $(( ($(now_ms) - t0) / 1000 ))s"
}

# Serves the current CA's certificate on a broker's SASL_SSL listener (verified with that CA)?
tls_serves_current() { # port
  timeout 10 openssl s_client -connect "$HOST:$1" -servername localhost -CAfile "$TLS_DIR/ca.pem" \
    -verify_return_error -brief < /dev/null > /dev/null 2>&1
}

# A new CA and server certificate (generation N+1). The brokers switch their SASL_SSL keystore
# without a restart (dynamic broker config: only the keystore location changes; same subject and
# SANs, as Kafka requires), Connect restarts to serve https with it. Clients that trust only the
# old CA fail from then on: that is the rotation the e2e scenarios drive the providers through.
cmd_rotate_ca() {
  prepare
  [ -n "$(live_pid kafka-a)" ] && [ -n "$(live_pid kafka-b)" ] || die "the brokers are not running: run '$0 up' first"
  load_tls
  local t0 new=$((TLS_GEN + 1)) c port tport out deadline
  t0=$(now_ms)
  make_tls_generation "$new" || die "could not generate TLS generation $new"
  load_tls
  for c in kafka-a kafka-b; do
    if [ "$c" = kafka-a ]; then port=$A_PORT; tport=$A_TLS_PORT; else port=$B_PORT; tport=$B_TLS_PORT; fi
    # shellcheck disable=SC2086
    out=$(timeout 120 java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" kafka.admin.ConfigCommand \
            --bootstrap-server "$HOST:$port" --command-config "$CONF/client-$c-admin.properties" \
            --entity-type brokers --entity-name 1 --alter \
            --add-config "listener.name.sasl_ssl.ssl.keystore.location=$KEYSTORE" 2>&1) \
      || die "$c: switching the SASL_SSL keystore to generation $new failed: $out"
    if [ "$c" = kafka-a ]; then write_broker kafka-a "$A_PORT" "$A_CTRL" "$A_ADMIN_PW" "$A_TLS_PORT"
    else write_broker kafka-b "$B_PORT" "$B_CTRL" "$B_ADMIN_PW" "$B_TLS_PORT"; fi
    deadline=$(( $(date +%s) + 60 ))
    until tls_serves_current "$tport"; do
      [ "$(date +%s)" -lt "$deadline" ] || die "$c does not serve the generation $new certificate on $HOST:$tport after 60s"
      sleep 0.5
    done
  done
  log "brokers serve TLS generation $new; restarting Connect for its https listener"
  stop_workers TERM
  start_workers || die "Connect did not become ready after the CA rotation (log: $RUN/connect/connect.log)"
  [ -f "$STACK_JSON" ] && write_stack_json "$(jq_up_ms)"
  log "CA rotated to generation $new in $(( ($(now_ms) - t0) / 1000 ))s ($TLS_DIR/ca.pem)"
}

cmd_kill_connect() {
  load_credentials
  local pid; pid=$(live_pid connect)
  [ -n "$pid" ] || { log "Connect is not running"; return 0; }
  stop_workers KILL
  [ -f "$STACK_JSON" ] && write_stack_json "$(jq_up_ms)"
  log "Connect (pid $pid) killed with SIGKILL"
}

# Connect with an empty config, offsets and status store: the workers stop, their three internal
# topics on kafka-b are deleted, the workers start again. For a worker that a stored connector config
# kills at every start (a SASL_PLAINTEXT client on a TLS port dies of OutOfMemoryError reading the
# TLS alert as a frame size): the e2e suite resets it so one failed scenario does not fail the rest.
cmd_reset_connect() {
  prepare
  [ -n "$(live_pid kafka-b)" ] || die "kafka-b is not running: run '$0 up' first"
  local t out deadline
  stop_workers TERM
  for t in connect-configs connect-offsets connect-status; do
    # shellcheck disable=SC2086
    out=$(timeout 120 java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
            --bootstrap-server "$HOST:$B_PORT" --command-config "$CONF/client-kafka-b-admin.properties" \
            --delete --if-exists --topic "$t" 2>&1) || die "deleting $t failed: $out"
  done
  deadline=$(( $(date +%s) + 60 ))
  # shellcheck disable=SC2086
  while timeout 60 java $HEAP_TOOL $JVM_COMMON "$(tool_logopt)" -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
          --bootstrap-server "$HOST:$B_PORT" --command-config "$CONF/client-kafka-b-admin.properties" --list 2>/dev/null \
          | grep -qE '^connect-(configs|offsets|status)$'; do
    [ "$(date +%s)" -lt "$deadline" ] || die "Connect's internal topics still listed 60s after their deletion"
    sleep 1
  done
  start_workers || die "Connect did not become ready after the reset (log: $RUN/connect/connect.log)"
  write_stack_json "$(jq_up_ms)"
  log "Connect reset: no connectors, no stored offsets"
}

worker_arg() { # N -> validated worker number (within CONNECT_WORKERS, or one that runs)
  case "${1:-}" in 1|2|3) [ "$1" -le "$CONNECT_WORKERS" ] || [ -n "$(live_pid "$(worker_name "$1")")" ] \
                   || die "worker $1 is not part of this stack (CONNECT_WORKERS=$CONNECT_WORKERS)" ;;
    *) die "usage: $0 kill-worker|stop-worker|start-worker <1..$CONNECT_WORKERS>" ;; esac
}

cmd_stop_worker() { # N signal: stop one worker of the group (KILL = crash of one Connect node)
  worker_arg "${1:-}"
  load_credentials
  local c pid; c=$(worker_name "$1"); pid=$(live_pid "$c")
  [ -n "$pid" ] || { log "$c is not running"; return 0; }
  stop_component "$c" "$2"
  [ -f "$STACK_JSON" ] && write_stack_json "$(jq_up_ms)"
  log "$c (pid $pid) stopped with SIG$2"
}

cmd_start_worker() { # N: (re)start one worker; it rejoins the group
  worker_arg "${1:-}"
  prepare
  [ -n "$(live_pid kafka-b)" ] || die "kafka-b is not running: run '$0 up' first"
  local c; c=$(worker_name "$1")
  [ -z "$(live_pid "$c")" ] || { log "$c already runs"; return 0; }
  { start_connect "$1" && wait_connect $(( $(date +%s) + CONNECT_TIMEOUT )) "$1"; } || die "$c did not become ready (log: $RUN/$c/$c.log)"
  write_stack_json "$(jq_up_ms)"
  log "$c started"
}

jq_up_ms() { # keep the original upMs when rewriting stack.json
  sed -n 's/^  "upMs": \([0-9]*\),$/\1/p' "$STACK_JSON" 2>/dev/null | head -n1
}

cmd_status() {
  local c pid rc=0 w
  for c in kafka-a kafka-b $(for ((w = 1; w <= CONNECT_WORKERS; w++)); do worker_name "$w"; done); do
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
  kill-connect     SIGKILL the Connect worker(s) (crash simulation)
  kill-worker N    SIGKILL worker N of a CONNECT_WORKERS=2|3 cluster (stop-worker N: TERM);
                   start-worker N starts it again and waits until it is ready
  rotate-ca        new CA + server certificate: brokers switch keystores live, Connect restarts
  reset-connect    stop Connect, delete its config/offset/status topics, start it (no connectors left)
  info             print the path of stack.json
  run-class C ...  run a Kafka main class with the stack's classpath (e.g. TopicCommand)
env: KAFKA_VERSION (4.1.1), KAFKA_STACK_RUN_DIR, KAFKA_A_PORT (19392), KAFKA_A_CONTROLLER_PORT (19393),
     KAFKA_B_PORT (19492), KAFKA_B_CONTROLLER_PORT (19493), CONNECT_PORT (18383),
     KAFKA_A_TLS_PORT / KAFKA_B_TLS_PORT (client port + 2), CONNECT_TLS_PORT (CONNECT_PORT + 1),
     CONNECT_WORKERS (1; 3 = a cluster of three workers in one group, worker w on CONNECT_PORT + 2(w-1))
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
  reset-connect) with_lock cmd_reset_connect ;;
  kill-connect) with_lock cmd_kill_connect ;;
  kill-worker) with_lock cmd_stop_worker "${2:-}" KILL ;;
  stop-worker) with_lock cmd_stop_worker "${2:-}" TERM ;;
  start-worker) shift; with_lock cmd_start_worker "$@" ;;
  rotate-ca) with_lock cmd_rotate_ca ;;
  info) echo "$STACK_JSON" ;;
  run-class) shift; cmd_run_class "$@" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
