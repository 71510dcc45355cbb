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
echo "in-place patches for the pairs in $dir, segment $seg" >&2
exec "$root/bench/delta/java.sh" dev.firmament.delta.bench.InPlaceBench "$dir" "$seg"
