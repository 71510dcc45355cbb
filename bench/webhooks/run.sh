#!/usr/bin/env bash
# Webhook throughput and delay (WebhookBench): the whole stack in one process on the embedded
# services, its API sending webhooks (one sending process, the default settings) to a receiver on
# loopback; WEBHOOKS webhooks, events committed at RATE per second for SECONDS, each for one
# webhook. Prints progress every ten seconds, then a RESULT line: deliveries per second, the delay
# from the event's commit to the receiver's answer at p50/p99/max, events never delivered, and
# deliveries out of order or repeated. Not part of the test suite.
#
#   bench/webhooks/run.sh                  # 100 webhooks, 1,000 events/s, 300 s
#   bench/webhooks/run.sh 10 100 30        # WEBHOOKS RATE SECONDS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
WEBHOOKS="${1:-100}"
RATE="${2:-1000}"
SECONDS_RUN="${3:-300}"
echo "building the launcher (test classes included)..." >&2
cpfile="$(mktemp)"
work="$root/.firmament/webhook-bench-$$"
mkdir -p "$work"
trap 'rm -rf "$work" "$cpfile"' EXIT
./mvnw -B -ntp -q -pl launcher -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl launcher test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/launcher/target/classes:$root/launcher/target/test-classes:$(cat "$cpfile")"
log="-Dlogback.configurationFile=$root/launcher/src/main/resources/logback.xml"
java --enable-native-access=ALL-UNNAMED -Xmx2g "$log" \
  -cp "$cp" dev.firmament.launcher.bench.WebhookBench "$work/data" "$WEBHOOKS" "$RATE" "$SECONDS_RUN"
