#!/usr/bin/env bash
# libFuzzer over the file readers: the model file, the architecture JSON, IDX data and images.
#   scripts/fuzz.sh [minutes-per-target]      (default 2; build directory build-fuzz/)
# Builds with clang (-fsanitize=fuzzer,address,undefined), runs each target for the given time
# on its corpus (tests/fuzz/corpus/<target>, seeds committed; new inputs land in
# build-fuzz/corpus/<target>), and exits non-zero at the first crash, leak or sanitizer report,
# leaving the input that caused it as build-fuzz/crash-* (rerun: build-fuzz/tests/fuzz/<t>_fuzz FILE).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_FUZZ_BUILD_DIR:-$root/build-fuzz}"
minutes="${1:-2}"

packages=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$root/scripts/setup.sh" >/dev/null  # the project's own packages
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKCNN_FUZZ=ON \
  -DVKCNN_BUILD_PLUGIN=OFF -DVKCNN_BUILD_BENCH=OFF -DVKCNN_BUILD_TESTS=OFF >/dev/null
targets=(model_file spec idx image)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OPENCV_LOG_LEVEL=OFF  # the image target feeds broken files on purpose
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "fuzz: $t for $minutes minute(s)"
  (cd "$build" && "$build/tests/fuzz/${t}_fuzz" -max_total_time=$((minutes * 60)) -max_len=65536 -rss_limit_mb=2048 \
     -print_final_stats=1 "$build/corpus/$t" "$root/tests/fuzz/corpus/$t")
done
echo "fuzz: no findings"
