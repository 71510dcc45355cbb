#!/usr/bin/env bash
# Fetches the delta engine's wider corpus: consecutive releases of real machine code across
# instruction sets, from npm packages, into DIR (default .firmament/delta-corpus; nothing of it is
# committed). Pairs go to DIR/tune (what the engine may be tuned on) or DIR/holdout (what it is only
# reported on), each NAME.old -> NAME.new, and DIR/CORPUS.md lists every pair with its origin,
# licence and instruction set. Then:
#
#   bench/delta/corpus.sh                          # fetch (about 60 MB of packages)
#   bench/delta/run.sh .firmament/delta-corpus/tune
#   bench/delta/run.sh .firmament/delta-corpus/holdout
#
# Needs npm (the public registry), tar, unzip and python3. Sources, all published on npm:
#   @pybricks/firmware (MIT): LEGO hub firmware; STM32 Cortex-M0/M4 (Thumb-2), the EV3's ARM926
#     (ARMv5, with U-Boot) and the NXT's ARM7TDMI (ARMv4T).
#   esptool-js (Apache-2.0): Espressif's flasher stubs, code that runs on the chip: ESP32, ESP32-S3
#     and ESP8266 (Xtensa), ESP32-C3 and ESP32-C6 (RISC-V RV32IMC); text then data segment.
#   @rollup/rollup-linux-* (MIT): Rollup's native module (Rust) for x86-64, AArch64, ARMv7-A
#     (hard float) and RISC-V RV64GC: application code, not firmware, the public source of
#     consecutive release builds for those instruction sets.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$(realpath -m "${1:-$root/.firmament/delta-corpus}")"
for tool in npm tar unzip python3; do
  command -v "$tool" >/dev/null || { echo "corpus.sh needs $tool" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir/tune" "$dir/holdout"
manifest="$dir/CORPUS.md"
{
  echo "# Delta corpus (fetched by bench/delta/corpus.sh; not committed)"
  echo
  echo "| half | pair | instruction set | origin | licence | old -> new bytes |"
  echo "|---|---|---|---|---|---|"
} >"$manifest"

# pack NAME@VERSION: the package's files under $work/NAME@VERSION/package
pack() {
  local spec="$1" to="$work/${1//\//_}"
  if [[ ! -d "$to" ]]; then
    echo "fetching $spec" >&2
    mkdir -p "$to"
    (cd "$to" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  fi
  echo "$to/package"
}

# pair HALF NAME ISA ORIGIN LICENCE OLD_FILE NEW_FILE
pair() {
  local half="$1" name="$2" isa="$3" origin="$4" licence="$5"
  cp "$6" "$dir/$half/$name.old"
  cp "$7" "$dir/$half/$name.new"
  local a b
  a=$(stat -c %s "$6")
  b=$(stat -c %s "$7")
  echo "| $half | $name | $isa | $origin | $licence | $a -> $b |" >>"$manifest"
  echo "  $half/$name: $a -> $b bytes ($isa)" >&2
}

# pybricks OLD NEW HUB HALF ISA
pybricks() {
  local old new
  old="$(pack "@pybricks/firmware@$1")"
  new="$(pack "@pybricks/firmware@$2")"
  for v in old new; do
    local base="${!v}"
    mkdir -p "$base/$3"
    unzip -o -q "$base/build/$3.zip" -d "$base/$3"
  done
  pair "$4" "pyb-$3-$1-$2" "$5" "npm @pybricks/firmware $1 -> $2, build/$3.zip firmware-base.bin" \
    MIT "$old/$3/firmware-base.bin" "$new/$3/firmware-base.bin"
}

# stub OLD NEW CHIP HALF ISA: the stub's text segment followed by its data segment
stub() {
  local v
  for v in "$1" "$2"; do
    local base
    base="$(pack "esptool-js@$v")"
    python3 - "$base/lib/targets/stub_flasher/stub_flasher_$3.json" "$work/stub-$3-$v.bin" <<'EOF'
import base64, json, sys
stub = json.load(open(sys.argv[1]))
with open(sys.argv[2], "wb") as out:
    out.write(base64.b64decode(stub["text"]))
    out.write(base64.b64decode(stub.get("data", "")))
EOF
  done
  pair "$4" "esp-stub-$3-$1-$2" "$5" \
    "npm esptool-js $1 -> $2, lib/targets/stub_flasher/stub_flasher_$3.json (text, data)" \
    Apache-2.0 "$work/stub-$3-$1.bin" "$work/stub-$3-$2.bin"
}

# rollup OLD NEW TRIPLE HALF ISA
rollup() {
  local old new
  old="$(pack "@rollup/rollup-linux-$3@$1")"
  new="$(pack "@rollup/rollup-linux-$3@$2")"
  pair "$4" "rollup-$3-$1-$2" "$5" \
    "npm @rollup/rollup-linux-$3 $1 -> $2, rollup.linux-$3.node" MIT \
    "$old/rollup.linux-$3.node" "$new/rollup.linux-$3.node"
}

# Tuned on: one release step of each source and instruction set.
pybricks 7.27.0 7.28.0 cityhub tune "Thumb-2 (Cortex-M0)"
pybricks 7.27.0 7.28.0 primehub tune "Thumb-2 (Cortex-M4)"
pybricks 7.27.0 7.28.0 nxt tune "ARMv4T (ARM7TDMI)"
stub 0.5.0 0.5.4 32 tune "Xtensa LX6"
stub 0.5.0 0.5.4 32c3 tune "RISC-V RV32IMC"
rollup 4.40.0 4.40.1 x64-gnu tune "x86-64"
rollup 4.40.0 4.40.1 arm64-gnu tune "AArch64"
rollup 4.40.0 4.40.1 arm-gnueabihf tune "ARMv7-A (Thumb-2, hard float)"
rollup 4.40.0 4.40.1 riscv64-gnu tune "RISC-V RV64GC"
pybricks 7.22.0 7.27.0 movehub tune "Thumb-2 (Cortex-M0)"
pybricks 7.22.0 7.27.0 essentialhub tune "Thumb-2 (Cortex-M4)"

# Held out: other chips, hubs and release steps of the same sources, never tuned on.
pybricks 7.27.0 7.28.0 technichub holdout "Thumb-2 (Cortex-M4)"
pybricks 7.27.0 7.28.0 essentialhub holdout "Thumb-2 (Cortex-M4)"
pybricks 7.22.0 7.27.0 primehub holdout "Thumb-2 (Cortex-M4)"
pybricks 7.22.0 7.27.0 cityhub holdout "Thumb-2 (Cortex-M0)"
stub 0.5.0 0.5.4 32s3 holdout "Xtensa LX7"
stub 0.5.0 0.5.4 8266 holdout "Xtensa LX106"
stub 0.5.0 0.5.4 32c6 holdout "RISC-V RV32IMAC"
rollup 4.41.0 4.41.1 x64-gnu holdout "x86-64"
rollup 4.41.0 4.41.1 arm64-gnu holdout "AArch64"
rollup 4.41.0 4.41.1 arm-gnueabihf holdout "ARMv7-A (Thumb-2, hard float)"
rollup 4.41.0 4.41.1 riscv64-gnu holdout "RISC-V RV64GC"

echo "corpus in $dir ($(find "$dir" -name '*.old' | wc -l) pairs); see $manifest" >&2
