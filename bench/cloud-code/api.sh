#!/usr/bin/env bash
# Cloud code through the API (CloudCodeApiBench): the whole stack in one process on the embedded
# services, the echo function on every bench/ event, events committed at RATE per second for
# SECONDS. Prints progress every ten seconds, then a RESULT line: runs per second, how they ended,
# the delay from an event to the echo its run published at p50/p99/max, and the sandbox's time per
# run. Not part of the test suite.
#
#   bench/cloud-code/api.sh              # 200 events/s for 60 s
#   bench/cloud-code/api.sh 500 120      # RATE SECONDS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
RATE="${1:-200}"
SECONDS_RUN="${2:-60}"
echo "building the launcher (test classes included)..." >&2
cpfile="$(mktemp)"
work="$root/.firmament/cloud-code-bench-$$"
mkdir -p "$work"
trap 'rm -rf "$work" "$cpfile"' EXIT
./mvnw -B -ntp -q -pl launcher -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl launcher test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/launcher/target/classes:$root/launcher/target/test-classes:$(cat "$cpfile")"
log="-Dlogback.configurationFile=$root/launcher/src/main/resources/logback.xml"
java --enable-native-access=ALL-UNNAMED -Xmx2g "$log" -cp "$cp" \
  dev.firmament.launcher.bench.CloudCodeApiBench "$work/data" \
  "$root/cloud-code/src/test/resources/wasm/echo.wasm" "$RATE" "$SECONDS_RUN"
