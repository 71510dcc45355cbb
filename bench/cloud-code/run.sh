#!/usr/bin/env bash
# Cloud code's own cost (SandboxBench), in one process without a database: echo handler runs per
# second (each a fresh instance with the event written into it and two host calls), and the same
# counting loop in the sandbox and in a plain Chicory instance (what counting every instruction
# costs). Prints progress and RESULT lines. Not part of the test suite.
#
#   bench/cloud-code/run.sh          # 10 s per measurement after as long a warm-up
#   bench/cloud-code/run.sh 30       # SECONDS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building cloud-code (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl cloud-code -am install -DskipTests -Dspotless.check.skip=true -Dpit.skip=true >&2
./mvnw -B -ntp -q -pl cloud-code test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
java -cp "$root/cloud-code/target/classes:$root/cloud-code/target/test-classes:$(cat "$cpfile")" \
  dev.firmament.cloudcode.bench.SandboxBench "${1:-10}"
