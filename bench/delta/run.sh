#!/usr/bin/env bash
# Delta engine benchmark: our differ/applier (native and BSDIFF40 modes) against C bsdiff/bspatch,
# xdelta3 and zstd --patch-from on every NAME.old/NAME.new pair of DIR.
# Usage: bench/delta/run.sh [DIR]   (DIR defaults to ../shared/firmware relative to the repo root)
# The C tools are optional (apt-get install bsdiff xdelta3 zstd time); missing ones are skipped.
# HDiffPatch (hdiffz, hpatchz at its smallest setting, lzma2) is the strongest public differ we
# compare against: taken from HDIFFPATCH_DIR (default ../shared/tools/hdiffpatch), skipped with a
# message when it is not there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-$root/../shared/firmware}"
dir="$(cd "$dir" && pwd)"
echo "benchmarking pairs in $dir" >&2
hdiffpatch="${HDIFFPATCH_DIR:-$root/../shared/tools/hdiffpatch}"
JAVA_OPTS="-Ddelta.bench.hdiffpatch=$hdiffpatch ${JAVA_OPTS:-}" \
  exec "$root/bench/delta/java.sh" dev.firmament.delta.bench.DeltaBench "$dir"
