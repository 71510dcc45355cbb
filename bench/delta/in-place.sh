#!/usr/bin/env bash
# In-place (single-slot) patches beside the A/B native patch of each NAME.old/NAME.new pair of DIR:
# patch bytes in a slot with no room to spare and with 64 KiB spare, build and apply time, and the
# device's scratch RAM (one segment plus the stream decoders).
# Usage: bench/delta/in-place.sh [DIR] [SEGMENT]   (DIR defaults to ../shared/firmware, SEGMENT to 4096)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-$root/../shared/firmware}"
dir="$(cd "$dir" && pwd)"
seg="${2:-4096}"
cd "$root"
# shellcheck source=/dev/null
source bin/select-jdk.sh
echo "building delta-builder (test classes included)..." >&2
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"' EXIT
./mvnw -B -ntp -q -pl delta-builder -am test-compile dependency:build-classpath -Dspotless.check.skip=true \
  -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test >&2
cp="$root/delta-builder/target/classes:$root/delta-builder/target/test-classes:$(cat "$cpfile")"
echo "in-place patches for the pairs in $dir, segment $seg" >&2
exec java --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$cp" dev.firmament.delta.bench.InPlaceBench "$dir" "$seg"
