#!/usr/bin/env bash
# vkcnn on a borrowed NVIDIA machine, in one prepared run: op tests, benchmarks, PyTorch beside.
#
#   bench/device-check.sh build            here: builds what travels, then says how to carry it
#   bench/device-check.sh run OUTDIR [--short]
#                                          there, from the repository root: runs everything and
#                                          writes OUTDIR/results.md, OUTDIR/logs.txt, OUTDIR/raw.tar.gz
#
# The machine this is for has the NVIDIA driver, CUDA PyTorch (with torchvision) as python3, and
# nothing else: no Vulkan loader, no GStreamer, no OpenCV, no compiler we rely on, no network.
# So:
# - "build" configures build-device/ with libstdc++ linked statically and without the plugin
#   and tools (no GStreamer or OpenCV needed), builds only engine_tests (the op tests against
#   the double-precision CPU reference; GoogleTest is linked statically) and vkcnn-bench, and
#   puts them in build-device/carry/ together with the Vulkan loader's Debian packages
#   (libvulkan1, and the GL dispatch libraries NVIDIA's Vulkan driver library loads), fetched
#   with apt-get download. The engine dlopens libvulkan.so.1 at run time (volk), so a missing
#   loader is an error message, not a failed start.
# - "run" unpacks those packages into / with dpkg -x and runs ldconfig, unless the loader is
#   already there (it is on a development machine, where this runs against lavapipe). If the
#   loader then finds no Vulkan driver, it points VK_DRIVER_FILES (and the EGL vendor file) at
#   the driver's own manifest under /usr/local/nvidia, where that machine mounts the driver.
#   Then each step runs under `timeout`, all of them within 8 minutes (a step starts only with
#   enough time left; what did not run says so in the table):
#     engine_tests, vkcnn-bench forward for refcnn, ResNet-18 and MobileNetV2 at batch 1 and 64 in fp32
#     (and ResNet-18, MobileNetV2 in fp16),
#     the element's per-frame path for 1920x1080 BGRA and NV12 frames, vkcnn-bench --train for
#     refcnn at batch 64 (AdamW), and bench/torch_bench.py for the same work on the same GPU
#     (fp32 and fp16).
#   --short: fewer runs, no batch 64 for the 224x224 models, a subset of the op tests: a check of
#   the script itself on a slow machine (lavapipe), not a measurement.
# PYTHON names the Python with torch and torchvision (default python3, which holds them there).
# OUTDIR gets three files (a borrowed machine may hand back only a few): the results table,
# every step's output in one text file, and a tarball of the raw JSON and logs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
carry_dir="build-device/carry"
gl_packages=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libgles2 libopengl0)

usage() {
  echo "usage: bench/device-check.sh build | run OUTDIR [--short]" >&2
  exit 2
}

build() {
  cd "$root"
  cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKCNN_STATIC_LIBSTDCXX=ON \
    -DVKCNN_BUILD_PLUGIN=OFF -DVKCNN_BUILD_TOOLS=OFF -DVKCNN_BUILD_TESTS=ON -DVKCNN_BUILD_BENCH=ON
  cmake --build build-device -j"${JOBS:-2}" --target engine_tests vkcnn-bench
  rm -rf "$carry_dir"
  mkdir -p "$carry_dir/gl"
  cp build-device/tests/engine_tests build-device/tools/bench/vkcnn-bench "$carry_dir/"
  # The loader packages for x86-64 whatever this machine is; a private package list, so the
  # system's own is untouched.
  local lists="$root/build-device/apt-amd64"
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists" -oAPT::Sandbox::User=root)
  mkdir -p "$lists/partial"
  apt-get "${o[@]}" update >/dev/null ||
    { echo "device-check: apt-get update failed: cannot fetch ${gl_packages[*]}" >&2; exit 1; }
  (cd "$carry_dir/gl" && apt-get "${o[@]}" download "${gl_packages[@]}") ||
    { echo "device-check: apt-get download ${gl_packages[*]} failed" >&2; exit 1; }

  # What the binaries need from the machine they go to: only the C library and the loader.
  echo "== shared libraries the carried binaries link:"
  for b in "$carry_dir"/engine_tests "$carry_dir"/vkcnn-bench; do
    echo "$(basename "$b"): $(objdump -p "$b" | awk '/NEEDED/ {printf "%s ", $2}')"
  done
  # The C library is the one thing that must be new enough there (libstdc++ is linked in).
  objdump -T "$carry_dir"/engine_tests "$carry_dir"/vkcnn-bench | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' |
    sort -Vu | tail -n1 >"$carry_dir/glibc-needed"
  echo "needs glibc >= $(cat "$carry_dir/glibc-needed") there"
  du -sh "$carry_dir"
  cat <<EOF

Built. To run on the device machine: carry "$carry_dir" (an ignored path; everything else the
run needs is tracked: bench/, models/) and run from the repository root, with OUT the folder
that comes back:
    bash bench/device-check.sh run "\$OUT"
It needs about 8 minutes; give it a 9-minute limit.
EOF
}

# --- run ---------------------------------------------------------------------------------------

outdir=""
short=0
work=""
deadline=0
table=()       # manifest lines for bench/bench_table.py
notes=()       # lines under the table: failures, timeouts, test summary

# Make the Vulkan loader available and find the driver; prints the devices it sees.
vulkan_setup() {
  # grep reads all of ldconfig's output (no -q): an early exit would fail the pipeline under
  # pipefail and look like a missing loader.
  if ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null; then
    echo "device-check: the Vulkan loader is installed; not unpacking"
  else
    local debs=("$root/$carry_dir"/gl/*.deb)
    [ -e "${debs[0]}" ] || { echo "device-check: no Vulkan loader and no $carry_dir/gl/*.deb to unpack" >&2; return 1; }
    [ "$(id -u)" = 0 ] || { echo "device-check: no Vulkan loader, and unpacking one into / needs root" >&2; return 1; }
    for f in "${debs[@]}"; do dpkg -x "$f" /; done
    ldconfig
    echo "device-check: unpacked ${#debs[@]} packages from $carry_dir/gl"
  fi
  if ! "$bench" --list-devices >/dev/null 2>&1 && [ -z "${VK_DRIVER_FILES:-}" ]; then
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    if [ -f "$icd" ]; then
      echo "device-check: the loader found no driver; using $icd"
      export VK_DRIVER_FILES="$icd"
      [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
    fi
  fi
  "$bench" --list-devices
}

# step NAME CAP_SECONDS COMMAND...: runs COMMAND under timeout with its stdout in $work/NAME.out
# and stderr in $work/NAME.err; never fails the script. Returns the command's status.
step() {
  local name="$1" cap="$2"
  shift 2
  local left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    echo "not run: out of time" >"$work/$name.err"
    notes+=("- $name: not run, the time budget (${DEVICE_CHECK_SECONDS:-480} s) was used up")
    echo "device-check: $name: skipped (no time left)" >&2
    return 124
  fi
  local limit=$((cap < left ? cap : left))
  echo "device-check: $name (at most ${limit}s)" >&2
  local t0=$SECONDS status=0
  timeout --kill-after=5 "$limit" "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
  echo "device-check: $name: exit $status after $((SECONDS - t0))s" >&2
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    notes+=("- $name: stopped after its ${limit}s limit")
  elif [ "$status" -ne 0 ]; then
    notes+=("- $name: failed (exit $status): $(tail -n 1 "$work/$name.err" | cut -c1-200)")
  fi
  return "$status"
}

# row LABEL KIND BATCH VK_STEP TORCH_STEP (TORCH_STEP "-" for vkcnn-only rows)
row() {
  local pt="-"
  [ "$5" != "-" ] && pt="$work/$5.out"
  table+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$work/$4.out"$'\t'"$pt")
}

run() {
  cd "$root"
  mkdir -p "$outdir"
  outdir="$(cd "$outdir" && pwd)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  deadline=$((SECONDS + ${DEVICE_CHECK_SECONDS:-480}))  # 8 minutes; smaller to test the cut-off
  bench="$root/$carry_dir/vkcnn-bench"
  local tests="$root/$carry_dir/engine_tests"
  local python="${PYTHON:-python3}"
  # shellcheck disable=SC2015  # both present, or one message naming the fix
  [ -x "$bench" ] && [ -x "$tests" ] ||
    { echo "device-check: $carry_dir/ lacks vkcnn-bench or engine_tests: run 'bench/device-check.sh build' first and carry it" >&2; exit 1; }
  local need have
  need="$(cat "$root/$carry_dir/glibc-needed" 2>/dev/null || echo 0)"
  have="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    echo "device-check: the carried binaries need glibc >= $need, this machine has $have: build on an older distribution" >&2
    exit 1
  fi
  export XDG_CACHE_HOME="$work/cache"  # the engine's pipeline cache: start cold, leave nothing behind

  # Not in a pipeline: the VK_DRIVER_FILES it may export must reach the steps.
  vulkan_setup >"$work/vulkan.out" 2>&1 || true
  cat "$work/vulkan.out"
  local runs=20 warmup=5 big="1,64" filter="*"
  if [ "$short" = 1 ]; then runs=2 warmup=1 big="1" filter="Dense*:Softmax*:Flatten*"; fi

  step engine_tests 90 "$tests" --gtest_filter="$filter" --gtest_brief=1 || true
  local summary
  # No summary line when the tests were stopped: grep's failure must not end the script.
  summary="$(grep -E '^\[  (PASSED|FAILED)  \]' "$work/engine_tests.out" | tr '\n' ' ' || true)"
  notes=("- engine_tests (op tests against the CPU reference, filter '$filter'): ${summary:-no summary, see logs.txt}" "${notes[@]}")

  local m b
  for m in refcnn resnet18 mobilenet_v2; do
    b="$big"
    [ "$m" = refcnn ] && b="1,64"
    step "vk_$m" 45 "$bench" --arch "models/$m.json" --batch "$b" --precision fp32 --runs "$runs" --warmup "$warmup" --json || true
    step "pt_$m" 45 "$python" bench/torch_bench.py --arch "models/$m.json" --batch "$b" --runs "$runs" --warmup "$warmup" || true
  done
  # vkcnn with fp16 storage, beside PyTorch's fp16 column of the same rows.
  for m in resnet18 mobilenet_v2; do
    step "vk16_$m" 45 "$bench" --arch "models/$m.json" --batch "$big" --precision fp16 --runs "$runs" --warmup "$warmup" --json || true
  done
  step vk_frame_bgra 30 "$bench" --model models/fashion-mnist.vkcnn --frame 1920x1080:BGRA --precision fp32 --runs $((runs * 5)) --warmup "$warmup" --json || true
  step vk_frame_nv12 30 "$bench" --model models/fashion-mnist.vkcnn --frame 1920x1080:NV12 --precision fp32 --runs $((runs * 5)) --warmup "$warmup" --json || true
  if [ "$short" = 0 ]; then
    step vk_frame_resnet18 40 "$bench" --arch models/resnet18.json --frame 1920x1080:BGRA --precision fp32 --runs "$runs" --warmup "$warmup" --json || true
  fi
  step vk_train 45 "$bench" --arch models/refcnn.json --train --batch 64 --runs "$runs" --warmup "$warmup" --json || true
  step pt_train 45 "$python" bench/torch_bench.py --arch models/refcnn.json --train --batch 64 --runs "$runs" --warmup "$warmup" || true

  row "refcnn forward, batch 1" latency 1 vk_refcnn pt_refcnn
  row "refcnn forward, batch 64" latency 64 vk_refcnn pt_refcnn
  row "ResNet-18 224², batch 1" latency 1 vk_resnet18 pt_resnet18
  [ "$short" = 0 ] && row "ResNet-18 224², batch 64" latency 64 vk_resnet18 pt_resnet18
  row "MobileNetV2 224², batch 1" latency 1 vk_mobilenet_v2 pt_mobilenet_v2
  [ "$short" = 0 ] && row "MobileNetV2 224², batch 64" latency 64 vk_mobilenet_v2 pt_mobilenet_v2
  row "ResNet-18 224², batch 1, vkcnn fp16" latency 1 vk16_resnet18 pt_resnet18
  [ "$short" = 0 ] && row "ResNet-18 224², batch 64, vkcnn fp16" latency 64 vk16_resnet18 pt_resnet18
  row "MobileNetV2 224², batch 1, vkcnn fp16" latency 1 vk16_mobilenet_v2 pt_mobilenet_v2
  [ "$short" = 0 ] && row "MobileNetV2 224², batch 64, vkcnn fp16" latency 64 vk16_mobilenet_v2 pt_mobilenet_v2
  row "element path, 1920x1080 BGRA, fashion-mnist refcnn" frame 1 vk_frame_bgra -
  row "element path, 1920x1080 NV12, fashion-mnist refcnn" frame 1 vk_frame_nv12 -
  [ "$short" = 0 ] && row "element path, 1920x1080 BGRA, ResNet-18" frame 1 vk_frame_resnet18 -
  row "refcnn training step, batch 64, AdamW" train 64 vk_train pt_train

  local cpu
  cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1)"
  printf '%s\n' "${table[@]}" >"$work/manifest"
  local title
  title="vkcnn device check, $(date -u '+%Y-%m-%d %H:%M UTC')"
  [ "$short" = 1 ] && title="$title (--short: a check of the script, not a measurement)"
  {
    echo "# $title"
    echo
    echo "Vulkan devices: $(grep -E '^[0-9]+: ' "$work/vulkan.out" | tr '\n' ';' | sed 's/;$//')"
    command -v nvidia-smi >/dev/null && echo "nvidia-smi:  $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1)"
    echo
    "$python" bench/bench_table.py "$work/manifest" --cpu "${cpu:-unknown CPU}" --cores "$(nproc)" --allow-missing
    echo
    echo "Runs: $runs timed after $warmup warmup per batch size (frames: $((runs * 5))). Steps:"
    printf '%s\n' "${notes[@]}"
  } >"$outdir/results.md" 2>>"$work/table.err" || echo "device-check: the results table failed: $(cat "$work/table.err")" >&2

  for f in "$work"/*.out "$work"/*.err "$work"/manifest; do
    [ -e "$f" ] || continue
    echo "===== $(basename "$f")"
    cat "$f"
  done >"$outdir/logs.txt"
  tar -czf "$outdir/raw.tar.gz" -C "$work" --exclude=cache .
  cat "$outdir/results.md"
}

case "${1:-}" in
  build) [ $# -eq 1 ] || usage; build ;;
  run)
    [ $# -ge 2 ] || usage
    outdir="$2"
    [ "${3:-}" = "--short" ] && short=1
    [ $# -le 3 ] || usage
    [ $# -eq 2 ] || [ "$short" = 1 ] || usage
    run
    ;;
  *) usage ;;
esac
