#!/usr/bin/env bash
# The API at scale: a product of DEVICES devices with ten rollouts of them (10 x DEVICES OTA results)
# seeded by SQL into the embedded stack's PostgreSQL, served by the whole stack in one process
# (ApiBenchServer); the load generator runs in another process on loopback (ApiQueryBench): the
# seed queries, login.devices pages and a rollout's results filtered by state, each at RATE
# requests/s for SECONDS (open loop), then SUBSCRIBERS live subscribers to a rollout's progress
# while the benchmark moves it on by SQL. Prints p50/p90/p99 per query and the subscribers'
# commit-to-event delay. Not part of the test suite.
#
#   bench/api/queries.sh                       # 100,000 devices, 500 requests/s, 20 s, 1,000 subscribers
#   bench/api/queries.sh 10000 100 10 100      # DEVICES RATE SECONDS SUBSCRIBERS
#   bench/api/queries.sh 100000 0 0 1000       # the subscribers only
#   QUERIES=ListOTAJobs bench/api/queries.sh   # only the queries whose name contains QUERIES
#   WARMUP=60 bench/api/queries.sh             # seconds of warm-up per query at half the rate (30)
#   SERVER_JVM_ARGS=-XX:StartFlightRecording=filename=api.jfr bench/api/queries.sh ...
#                                              # extra JVM options of the server process (a profile)
#   COST=2000 bench/api/queries.sh 20000       # instead of the load: the server's CPU per request
#                                              # for each query shape, closed loop (bench/api/cost.py)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
DEVICES="${1:-100000}"
RATE="${2:-500}"
SECONDS_PER_QUERY="${3:-20}"
SUBSCRIBERS="${4:-1000}"
echo "building the launcher (test classes included)..." >&2
cpfile="$(mktemp)"
work="$root/.firmament/api-bench-$$"
mkdir -p "$work"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    touch "$work/info.properties.stop"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work" "$cpfile"
}
trap cleanup EXIT
./mvnw -B -ntp -q -pl launcher -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl launcher test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/launcher/target/classes:$root/launcher/target/test-classes:$(cat "$cpfile")"
# shellcheck disable=SC2086
# G1 asked for 10 ms pauses, as the production image does (deploy/docker/Dockerfile).
java --enable-native-access=ALL-UNNAMED -Xmx2g -XX:MaxGCPauseMillis=10 ${SERVER_JVM_ARGS:-} \
  -Dlogback.configurationFile="$root/launcher/src/main/resources/logback.xml" \
  -cp "$cp" dev.firmament.launcher.bench.ApiBenchServer "$work/data" "$work/info.properties" "$DEVICES" &
server_pid=$!
while [[ ! -f "$work/info.properties" ]]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the benchmark server stopped before it was ready" >&2
    exit 1
  fi
  sleep 1
done
if [[ -n "${COST:-}" ]]; then
  python3 "$root/bench/api/cost.py" "$work/info.properties" "$COST"
  exit 0
fi
java --enable-native-access=ALL-UNNAMED -Xmx1g \
  -Dlogback.configurationFile="$root/launcher/src/main/resources/logback.xml" \
  -cp "$cp" dev.firmament.launcher.bench.ApiQueryBench "$work/info.properties" "$RATE" \
  "$SECONDS_PER_QUERY" "$SUBSCRIBERS"
