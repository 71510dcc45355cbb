#!/usr/bin/env bash
# Device events and function calls through the whole stack (EventIngestBench): the stack in one
# process (broker, workers, API, PostgreSQL), DEVICES simulated devices in another, each publishing
# one event per second for SECONDS; the workers store them and the API streams them to a
# Server-Sent Events subscriber. Prints progress every ten seconds, then a RESULT line with the
# delay from publish to row and to the subscriber (p50/p99) and what was lost; then function calls
# through the API with CALLERS in flight for CALL_SECONDS (calls per second, round trip p50/p99,
# and the CPU each call cost in the server, the load process and PostgreSQL, with how busy the
# machine was: a round trip that grows because the processor is saturated is not a fixed delay).
# Not part of the test suite.
#
#   bench/events/run.sh                    # 10,000 devices, 600 s, 64 callers, 30 s of calls
#   bench/events/run.sh 1000 60 16 10      # DEVICES SECONDS CALLERS CALL_SECONDS
#   INTERVAL_MS=10000 bench/events/run.sh  # each device publishes every 10 s instead of every 1 s
#   BROKER=mosquitto bench/events/run.sh   # Debian's Mosquitto instead of the embedded HiveMQ
#                                          # (anonymous on loopback: throughput, not identity)
#   BROKER=mosquitto-secured bench/events/run.sh
#                                          # Debian's Mosquitto with device identity enforced by
#                                          # its dynamic-security plugin, as in production
#   CLIENTS=lean bench/events/run.sh       # each device a bare MQTT connection with its own
#                                          # credentials for the events (LeanDevices); the reference
#                                          # agents connect afterwards, for the calls
#   CLIENTS=lean WARMUP=0 bench/events/run.sh
#                                          # no minute of warm-up events before the measurement
#   BROKER=mosquitto PUBLISHERS=4 bench/events/run.sh
#                                          # the events through 4 shared connections on the
#                                          # devices' topics, the devices' own connections open
#   SERVER_JVM_ARGS=-XX:StartFlightRecording=filename=events.jfr bench/events/run.sh ...
#                                          # extra JVM options of the server process (a profile)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
DEVICES="${1:-10000}"
SECONDS_RUN="${2:-600}"
CALLERS="${3:-64}"
CALL_SECONDS="${4:-30}"
echo "building the launcher (test classes included)..." >&2
cpfile="$(mktemp)"
work="$root/.firmament/events-bench-$$"
mkdir -p "$work"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    touch "$work/info.properties.stop"
    # The server closes the stack when it sees the stop file and its process ends (a reporting
    # thread of the Temporal SDK's metrics and the S3 client's dispatcher once kept it alive; a test
    # now checks that a stopped server leaves no thread running). One that has not gone within a
    # minute is stopped all the same, never left behind.
    for _ in $(seq 60); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "the benchmark server did not stop within 60 s; terminating it" >&2
      kill "$server_pid" 2>/dev/null || true
      sleep 5
      kill -9 "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work" "$cpfile"
}
trap cleanup EXIT
./mvnw -B -ntp -q -pl launcher -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl launcher test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/launcher/target/classes:$root/launcher/target/test-classes:$(cat "$cpfile")"
# Ten thousand MQTT connections need file descriptors on both ends (one end per process).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log="-Dlogback.configurationFile=$root/launcher/src/main/resources/logback.xml"
# G1 asked for 10 ms pauses, as the production image does (deploy/docker/Dockerfile).
# shellcheck disable=SC2086 # SERVER_JVM_ARGS is a list of options
java --enable-native-access=ALL-UNNAMED -Xmx3g -XX:MaxGCPauseMillis=10 ${SERVER_JVM_ARGS:-} "$log" \
  -cp "$cp" dev.firmament.launcher.bench.EventIngestBench server "$work/data" "$work/info.properties" &
server_pid=$!
while [[ ! -f "$work/info.properties" ]]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the benchmark server stopped before it was ready" >&2
    exit 1
  fi
  sleep 1
done
java --enable-native-access=ALL-UNNAMED -Xmx2g "$log" \
  -cp "$cp" dev.firmament.launcher.bench.EventIngestBench load "$work/info.properties" \
  "$DEVICES" "$SECONDS_RUN" "$CALLERS" "$CALL_SECONDS" "${INTERVAL_MS:-1000}"
