#!/usr/bin/env bash
# Builds delta-builder with its test classes and runs one of its benchmark classes on JDK 25:
# bench/delta/java.sh CLASS [ARGS...]  (JAVA_OPTS are passed to the JVM first).
# Used by run.sh and in-place.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
main="$1"
shift
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building delta-builder (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl delta-builder -am test-compile dependency:build-classpath -Dspotless.check.skip=true \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/delta-builder/target/classes:$root/delta-builder/target/test-classes:$(cat "$cpfile")"
# shellcheck disable=SC2086
exec java --enable-native-access=ALL-UNNAMED -Xmx2g ${JAVA_OPTS:-} -cp "$cp" "$main" "$@"
