#!/usr/bin/env bash
# The plugin's soak test at length: caps changes, flushes, model swaps and state cycles on one
# vkcnnclassify, every result checked; prints frames/s and resident memory at start and end.
#   bench/soak.sh [scale]     (default 50: 25,000 frames, 1,000 model swaps, 200 state cycles; build/,
#                              or $VKCNN_BUILD_DIR; the ctest run of the same test is scale 1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
tests="$build/tests/plugin/plugin_tests"
[ -x "$tests" ] || { echo "soak: $tests is not built (run scripts/setup.sh)" >&2; exit 1; }
VKCNN_SOAK_SCALE="${1:-50}" exec "$tests" --gtest_filter='ClassifySoak.*'
