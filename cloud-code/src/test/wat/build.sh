#!/usr/bin/env bash
# Compiles the cloud code test functions (*.wat, WebAssembly text) into the binaries the tests load
# (../resources/wasm/*.wasm) with wabt's wat2wasm, from the wabt npm package (1.0.39). The binaries
# are committed so the tests need no toolchain; WatSourcesTest checks they match these sources
# whenever node and npm are there.
#
#   cloud-code/src/test/wat/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
(cd "$tools" && npm install --silent --no-audit --no-fund wabt@1.0.39 >/dev/null)
NODE_PATH="$tools/node_modules" node "$here/wat2wasm.js" "$here" "$here/../resources/wasm"
