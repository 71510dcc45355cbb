#!/usr/bin/env bash
# Delivery paths benchmark: one fleet of N simulated devices (default 10,000) installs a full image
# (default 1 MiB) twice, pushed as MQTT chunks by one gateway through mosquitto, then downloaded by
# the devices over HTTP range requests from the embedded S3 server through pre-signed links; at most
# MAX_IN_FLIGHT (default 2,000) devices at a time on both paths. Prints progress lines, a RESULT line
# per path (wall time, MB/s, the gateway threads' CPU, the S3 server's threads, the JVM and
# mosquitto) and a RATIO line.
# Usage: bench/delivery/run.sh [DEVICES] [IMAGE_BYTES] [MAX_IN_FLIGHT]
# mosquitto is installed with apt-get when missing and this runs as root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
devices="${1:-10000}"
image="${2:-1048576}"
inflight="${3:-2000}"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building device-agent and what it needs (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl device-agent -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl device-agent test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/device-agent/target/classes:$root/device-agent/target/test-classes:$(cat "$cpfile")"
# 10,000 MQTT connections and as many HTTP connections need file descriptors on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java --enable-native-access=ALL-UNNAMED -Xmx3g \
  -Dlogback.configurationFile="$root/device-agent/src/test/resources/logback-test.xml" \
  -cp "$cp" dev.firmament.agent.bench.HttpsDeliveryBench "$devices" "$image" "$inflight"
