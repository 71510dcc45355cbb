#!/usr/bin/env bash
# Device delivery benchmark: N simulated devices (default 10,000) receive a ~30 KB delta through one
# gateway. Prints progress lines and a RESULT line with wall time, bytes per second, this JVM's CPU
# time (agents + gateway, + broker when embedded), the gateway threads' CPU and mosquitto's CPU.
# Usage: bench/devices/run.sh [DEVICES] [mosquitto|hivemq]   (defaults: 10000 mosquitto)
# mosquitto is installed with apt-get when missing and this runs as root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
devices="${1:-10000}"
broker="${2:-mosquitto}"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building device-protocol and device-agent (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl device-protocol,device-agent -am install -DskipTests -Dspotless.check.skip=true >&2
./mvnw -B -ntp -q -pl device-agent test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/device-agent/target/classes:$root/device-agent/target/test-classes:$(cat "$cpfile")"
# 10,000 MQTT connections need file descriptors on both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java --enable-native-access=ALL-UNNAMED -Xmx2g \
  -Dlogback.configurationFile="$root/device-agent/src/test/resources/logback-test.xml" \
  -cp "$cp" dev.firmament.agent.bench.DeviceDeliveryBench "$devices" "$broker"
