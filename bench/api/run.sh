#!/usr/bin/env bash
# The cost of the API's credential checks: ListProductDevices at a fixed rate with a bearer token,
# with an RFC 9421 signed request, and refused at the token check, interleaved in one run against
# the dev stack (embedded PostgreSQL, Temporal, S3 and broker). Prints p50/p90/p99 per mode.
# Usage: bench/api/run.sh [RATE] [SECONDS]   (defaults: 100 requests/s, 10 s per round)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building the launcher (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl launcher -am install -DskipTests -Dspotless.check.skip=true >&2
./mvnw -B -ntp -q -pl launcher test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/launcher/target/classes:$root/launcher/target/test-classes:$(cat "$cpfile")"
exec java --enable-native-access=ALL-UNNAMED -Xmx1g \
  -Dlogback.configurationFile="$root/launcher/src/main/resources/logback.xml" \
  -cp "$cp" dev.firmament.launcher.bench.AuthOverheadBench "$@"
