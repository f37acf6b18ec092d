#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test suite.
#   scripts/test.sh            (build directory: build/, or $VKCNN_BUILD_DIR)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" "$build"
# Tests run wherever Vulkan does: a GPU if there is one, else Mesa's lavapipe on the CPU.
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900
