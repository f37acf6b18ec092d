#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test suite.
#   scripts/test.sh              (build directory: build/, or $VKCNN_BUILD_DIR)
#   scripts/test.sh --sanitize   the same suite built with AddressSanitizer and UBSan
#                                (build directory: build-sanitize/, or $VKCNN_BUILD_DIR)
#   scripts/test.sh --validate   the suite of build/ again under the Khronos validation layer
#                                with synchronization validation: any error, warning or
#                                hazard it reports fails the run
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "${1:-}" in
  "") build="${VKCNN_BUILD_DIR:-$root/build}" ;;
  --sanitize)
    build="${VKCNN_BUILD_DIR:-$root/build-sanitize}"
    export VKCNN_CMAKE_ARGS="-DVKCNN_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo ${VKCNN_CMAKE_ARGS:-}"
    # Any report fails the test that caused it. Leaks that libraries outside the project keep
    # until exit (Mesa, GLib, GStreamer, OpenCV) are suppressed by library, in
    # tests/sanitizers/lsan.supp; leaks in vkcnn's own code are not.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    # GStreamer scans plugins in a helper process, which is not built with ASan and so cannot
    # load the sanitized plugin: scan in the (sanitized) test process instead.
    export GST_REGISTRY_FORK=no
    ;;
  --validate) build="${VKCNN_BUILD_DIR:-$root/build}" ;;
  *) echo "usage: scripts/test.sh [--sanitize | --validate]" >&2; exit 2 ;;
esac

"$root/scripts/setup.sh" "$build"
if [ "${1:-}" = --validate ]; then
  # Every test process (and the tools they start) loads the layer; its reports go to the
  # tests' output, which ctest keeps for all of them in one log.
  log="$build/validation.log"
  VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation VK_LAYER_SETTINGS_PATH="$root/tests/validation" \
    ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 1800 -V --output-log "$log" >/dev/null
  reports="$(grep -cE 'Validation (Error|Warning)|SYNC-HAZARD' "$log" || true)"
  if [ "$reports" != 0 ]; then
    grep -E 'Validation (Error|Warning)|SYNC-HAZARD' "$log" | sort | uniq -c | sort -rn | head -20 >&2
    echo "test: the validation layer reported $reports problems (all in $log)" >&2
    exit 1
  fi
  echo "test: the whole suite ran under the validation layer (synchronization validation on): no reports"
  exit 0
fi
# Tests run wherever Vulkan does: a GPU if there is one, else Mesa's lavapipe on the CPU.
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900
