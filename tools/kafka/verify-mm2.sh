#!/usr/bin/env bash
# End-to-end proof that MirrorMaker 2 works on the stack started by stack.sh:
# PUT MirrorSource/Checkpoint/Heartbeat connector configs with curl, produce N records to kafka-a,
# and check that exactly N arrive on kafka-b under the expected remote topic name, for
#   1. IdentityReplicationPolicy                    (topic keeps its name)
#   2. DefaultReplicationPolicy, separator .replica. (topic becomes a.replica.<topic>)
# Prints timings and the configs it used (passwords redacted). Needs a running stack (stack.sh up).
#
# usage: tools/kafka/verify-mm2.sh [N]   (KAFKA_VERSION selects the stack, as for stack.sh)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK="$HERE/stack.sh"
N="${1:-100}"
STACK_JSON="$("$STACK" info)"
[ -f "$STACK_JSON" ] || { echo "verify-mm2.sh: no $STACK_JSON; run '$STACK up' first" >&2; exit 1; }

field() { node -p "const s=require(process.argv[1]); $1" "$STACK_JSON"; }
KV=$(field 's.kafkaVersion')
A_BOOT=$(field 's.kafkaA.bootstrapServers'); B_BOOT=$(field 's.kafkaB.bootstrapServers')
A_MM2_PW=$(field 's.kafkaA.mm2.password'); B_MM2_PW=$(field 's.kafkaB.mm2.password')
A_CFG=$(field 's.kafkaA.adminClientConfig'); B_CFG=$(field 's.kafkaB.adminClientConfig')
URL=$(field 's.connect.url'); REST_USER=$(field 's.connect.username'); REST_PW=$(field 's.connect.password')
RUN=$(field 's.runDir')
case "$KV" in 3.*) PRODUCER=kafka.tools.ConsoleProducer ;; *) PRODUCER=org.apache.kafka.tools.ConsoleProducer ;; esac

now_ms() { date +%s%3N; }
say() { printf '[verify %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'verify-mm2.sh: FAIL: %s\n' "$*" >&2; exit 1; }

curl_rest() { # method path [json-file] -> body on stdout; fails on HTTP >= 400
  local m=$1 p=$2 f=${3:-}
  if [ -n "$f" ]; then
    curl -sS --fail-with-body --max-time 100 -K - -X "$m" -H 'Content-Type: application/json' \
      --data-binary "@$f" "$URL$p" <<<"user = \"$REST_USER:$REST_PW\""
  else
    curl -sS --fail-with-body --max-time 100 -K - -X "$m" "$URL$p" <<<"user = \"$REST_USER:$REST_PW\""
  fi
}

kafka() { "$STACK" run-class "$@"; }

create_topic() { # bootstrap config topic
  kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --command-config "$2" \
    --create --if-not-exists --topic "$3" --partitions 1 --replication-factor 1 >/dev/null
}

end_offset() { # bootstrap config topic -> sum of end offsets (0 when the topic does not exist)
  kafka org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$1" --command-config "$2" \
    --topic "$3" 2>/dev/null | awk -F: '{s += $3} END {print s + 0}'
}

count_records() { # bootstrap config topic -> records actually consumed from the beginning
  kafka org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$1" --consumer.config "$2" \
    --topic "$3" --from-beginning --timeout-ms 8000 2>/dev/null | grep -c '^verify-' || true
}

produce() { # bootstrap config topic n
  seq 1 "$4" | sed "s/^/verify-$3-/" | kafka "$PRODUCER" --bootstrap-server "$1" \
    --producer.config "$2" --topic "$3" >/dev/null
}

jaas() { printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"%s\\" password=\\"%s\\";' "$1" "$2"; }

# Shared connector settings: aliases, both clusters' clients (mm2 user), byte-array converters, and
# the worker producer pinned to the target with the target's mm2 credentials.
common_json() { # policy-json-lines
  cat <<EOF
  "tasks.max": "1",
  "source.cluster.alias": "a",
  "target.cluster.alias": "b",
  "source.cluster.bootstrap.servers": "$A_BOOT",
  "source.cluster.security.protocol": "SASL_PLAINTEXT",
  "source.cluster.sasl.mechanism": "SCRAM-SHA-512",
  "source.cluster.sasl.jaas.config": "$(jaas mm2 "$A_MM2_PW")",
  "target.cluster.bootstrap.servers": "$B_BOOT",
  "target.cluster.security.protocol": "SASL_PLAINTEXT",
  "target.cluster.sasl.mechanism": "SCRAM-SHA-512",
  "target.cluster.sasl.jaas.config": "$(jaas mm2 "$B_MM2_PW")",
  "producer.override.bootstrap.servers": "$B_BOOT",
  "producer.override.security.protocol": "SASL_PLAINTEXT",
  "producer.override.sasl.mechanism": "SCRAM-SHA-512",
  "producer.override.sasl.jaas.config": "$(jaas mm2 "$B_MM2_PW")",
  "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
  "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
  "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
$1
EOF
}

write_configs() { # prefix topic policy-json-lines
  local d="$RUN/verify"; mkdir -p "$d"
  umask 077
  cat > "$d/$1-source.json" <<EOF
{
  "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
$(common_json "$3"),
  "topics": "$2",
  "replication.factor": "-1",
  "offset-syncs.topic.replication.factor": "-1",
  "refresh.topics.interval.seconds": "2",
  "sync.topic.configs.interval.seconds": "10",
  "sync.topic.acls.interval.seconds": "10"
}
EOF
  cat > "$d/$1-checkpoint.json" <<EOF
{
  "connector.class": "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
$(common_json "$3"),
  "topics": "$2",
  "groups": ".*",
  "checkpoints.topic.replication.factor": "-1",
  "emit.checkpoints.interval.seconds": "2",
  "refresh.groups.interval.seconds": "2",
  "sync.group.offsets.enabled": "true",
  "sync.group.offsets.interval.seconds": "2"
}
EOF
  cat > "$d/$1-heartbeat.json" <<EOF
{
  "connector.class": "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
$(common_json "$3"),
  "heartbeats.topic.replication.factor": "-1",
  "emit.heartbeats.interval.seconds": "2"
}
EOF
  umask 022
  local f
  for f in "$d/$1"-*.json; do node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" \
    || die "generated invalid JSON: $f"; done
}

wait_running() { # connector seconds [min-tasks]
  local i st min=${3:-1}
  for ((i = 0; i < $2; i++)); do
    st=$(curl_rest GET "/connectors/$1/status" 2>/dev/null || true)
    if node -e '
      const s = JSON.parse(process.argv[1]); const min = Number(process.argv[2]);
      const ok = s.connector.state === "RUNNING" && s.tasks.length >= min && s.tasks.every(t => t.state === "RUNNING");
      process.exit(ok ? 0 : 1)' "$st" "$min" 2>/dev/null; then return 0; fi
    case "$st" in *FAILED*) echo "$st" >&2; die "$1 FAILED";; esac
    sleep 1
  done
  echo "$st" >&2
  die "$1 not RUNNING with >= $min task(s) after $2 s"
}

run_case() { # prefix source-topic expected-remote-topic policy-json-lines
  local p=$1 topic=$2 remote=$3 t_put t_first="" t_all="" got i c
  say "== $p: $topic on kafka-a -> $remote on kafka-b"
  create_topic "$A_BOOT" "$A_CFG" "$topic"
  write_configs "$p" "$topic" "$4"
  t_put=$(now_ms)
  for c in source checkpoint heartbeat; do
    curl_rest PUT "/connectors/$p-$c/config" "$RUN/verify/$p-$c.json" >/dev/null
  done
  produce "$A_BOOT" "$A_CFG" "$topic" "$N"
  say "PUT 3 connectors + produced $N records in $(( $(now_ms) - t_put )) ms"
  for ((i = 0; i < 120; i++)); do
    got=$(end_offset "$B_BOOT" "$B_CFG" "$remote")
    if [ -z "$t_first" ] && [ "$got" -gt 0 ]; then t_first=$(( $(now_ms) - t_put )); fi
    if [ "$got" -ge "$N" ]; then t_all=$(( $(now_ms) - t_put )); break; fi
    sleep 0.5
  done
  [ -n "$t_all" ] || die "$p: only $got of $N records reached $remote on kafka-b"
  wait_running "$p-source" 30 1
  wait_running "$p-heartbeat" 30 1
  local consumed
  consumed=$(count_records "$B_BOOT" "$B_CFG" "$remote")
  [ "$consumed" = "$N" ] || die "$p: consumed $consumed records from $remote on kafka-b, expected $N"
  got=$(end_offset "$B_BOOT" "$B_CFG" "$remote")
  [ "$got" = "$N" ] || die "$p: end offset of $remote is $got, expected exactly $N"
  say "$p: exactly $N records in $remote on kafka-b; first after ${t_first} ms, all after ${t_all} ms (from PUT)"
  # a consumer group on kafka-a commits offsets -> checkpoint connector gets a task and emits checkpoints
  kafka org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$A_BOOT" --consumer.config "$A_CFG" \
    --topic "$topic" --group "verify-$p" --from-beginning --max-messages "$N" --timeout-ms 10000 >/dev/null 2>&1 || true
  wait_running "$p-checkpoint" 60 1
  local cp_topic=$5 cps=0
  for ((i = 0; i < 60; i++)); do
    cps=$(end_offset "$B_BOOT" "$B_CFG" "$cp_topic")
    [ "$cps" -gt 0 ] && break
    sleep 1
  done
  [ "$cps" -gt 0 ] || die "$p: no checkpoints in $cp_topic on kafka-b"
  say "$p: checkpoint connector RUNNING, $cps checkpoint record(s) in $cp_topic"
  RESULT_LINES+=("$p: N=$N remote=$remote first_ms=$t_first all_ms=$t_all checkpoints=$cps")
}

cleanup_connectors() { # prefix
  local c
  for c in source checkpoint heartbeat; do curl_rest DELETE "/connectors/$1-$c" >/dev/null 2>&1 || true; done
}

RESULT_LINES=()
stamp=$(date +%s)
run_case "mm2-identity" "verify-id-$stamp" "verify-id-$stamp" \
  '  "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"' \
  "a.checkpoints.internal"
cleanup_connectors mm2-identity
run_case "mm2-default" "verify-def-$stamp" "a.replica.verify-def-$stamp" \
  '  "replication.policy.class": "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
  "replication.policy.separator": ".replica."' \
  "a.replica.checkpoints.replica.internal"
cleanup_connectors mm2-default

# 3. a topic created AFTER the connector started: picked up by the next topic refresh
#    (refresh.topics.interval.seconds=2 here; the default 600 s would mean up to 10 minutes)
late="verify-late-$stamp"
write_configs "mm2-late" "$late" '  "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"'
curl_rest PUT "/connectors/mm2-late-source/config" "$RUN/verify/mm2-late-source.json" >/dev/null
sleep 3 # connector started, no matching topic yet (RUNNING with 0 tasks)
st=$(curl_rest GET /connectors/mm2-late-source/status)
say "mm2-late-source before the topic exists: $st"
t_create=$(now_ms)
create_topic "$A_BOOT" "$A_CFG" "$late"
produce "$A_BOOT" "$A_CFG" "$late" "$N"
t_first=""
for ((i = 0; i < 120; i++)); do
  got=$(end_offset "$B_BOOT" "$B_CFG" "$late")
  if [ "$got" -gt 0 ]; then t_first=$(( $(now_ms) - t_create )); break; fi
  sleep 0.5
done
[ -n "$t_first" ] || die "mm2-late: nothing mirrored for a topic created after the connector"
consumed=$(count_records "$B_BOOT" "$B_CFG" "$late")
[ "$consumed" = "$N" ] || die "mm2-late: consumed $consumed records, expected $N"
say "mm2-late: topic created after the connector: first record on kafka-b ${t_first} ms after topic creation; exactly $N"
RESULT_LINES+=("mm2-late: N=$N remote=$late first_ms_after_create=$t_first")
curl_rest DELETE /connectors/mm2-late-source >/dev/null

say "topics on kafka-b:"
kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$B_BOOT" --command-config "$B_CFG" --list >&2
say "topics on kafka-a:"
kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$A_BOOT" --command-config "$A_CFG" --list >&2
say "replication factor of a remote topic created with replication.factor=-1:"
kafka org.apache.kafka.tools.TopicCommand --bootstrap-server "$B_BOOT" --command-config "$B_CFG" \
  --describe --topic "verify-id-$stamp" >&2
printf '%s\n' "${RESULT_LINES[@]}"
echo "OK (Kafka $KV): configs used are in $RUN/verify/ (they contain passwords)"
