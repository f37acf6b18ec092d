#!/usr/bin/env bash
# Aggregate frames/s of N streams through vkcnnclassify, N = 1, 2, 4, 8, each stream
#   videotestsrc ! video/x-raw,format=BGRA,320x240 ! vkcnnclassify ... ! fakesink sync=false
# all in one process: N separate elements (N models, N Vulkan contexts) against N elements
# sharing one batched instance (model-instance-id, batch-size N, batch-timeout 0); and one
# stream with max-in-flight 1 against 3. Start-up (devices, models, pipeline cache) is taken out
# by timing a long and a short run of the same pipeline:
#   fps = N * (long - short frames) / (long - short seconds).
# Configurations alternate within each repeat, so machine load hits them alike; the median of
# the repeats is printed as a markdown table, with the shared instance's mean batch size (from
# the element's log) and the CPU time per frame (user + system, same subtraction): on a machine
# that others load, wall-clock rates depend on how many threads compete for the cores, while the
# CPU spent per frame does not.
#   bench/streams.sh [models...]     (default: refcnn = models/fashion-mnist.vkcnn, and ResNet-18
#                                     from models/resnet18.json with random weights, if present)
# Environment: VKCNN_BENCH_FRAMES (long run, per stream; default 240, ResNet-18 12),
# VKCNN_BENCH_REPEATS (default 3), VKCNN_BENCH_STREAMS (default "1 2 4 8"), VKCNN_BUILD_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
repeats="${VKCNN_BENCH_REPEATS:-3}"
streams_list="${VKCNN_BENCH_STREAMS:-1 2 4 8}"
[ -f "$build/plugin/libgstvkcnn.so" ] || { echo "streams: $build/plugin/libgstvkcnn.so is not built" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH="$build/plugin" GST_REGISTRY="$work/registry.bin" XDG_CACHE_HOME="${XDG_CACHE_HOME:-$build/cache}"

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$root/models/fashion-mnist.vkcnn")
  [ -f "$root/models/resnet18.json" ] && models+=("$root/models/resnet18.json")
fi

# seconds MODEL N FRAMES MODE: "wall cpu" seconds of N streams of FRAMES frames each, in one
# gst-launch. MODE: separate | shared | mif1 | mif3. The run's log (batch statistics): $work/log.
seconds() {
  local model="$1" n="$2" frames="$3" mode="$4" extra="" pipeline=() t0 t1
  case "$mode" in
    shared) extra="model-instance-id=bench batch-size=$n batch-timeout=0" ;;
    mif1) extra="max-in-flight=1" ;;
    mif3) extra="max-in-flight=3" ;;
  esac
  for ((i = 0; i < n; i++)); do
    pipeline+=(videotestsrc "pattern=$((i % 20))" num-buffers="$frames" ! "video/x-raw,format=BGRA,width=320,height=240"
      ! vkcnnclassify model="$model" $extra ! fakesink sync=false)
  done
  GST_DEBUG=vkcnnclassify:4 GST_DEBUG_NO_COLOR=1 /usr/bin/time -o "$work/time" -f "%e %U %S" \
    gst-launch-1.0 -q "${pipeline[@]}" >/dev/null 2>"$work/log"
  awk '{print $1, $2 + $3}' "$work/time"
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

load_before="$(cut -d" " -f1-3 /proc/loadavg)"
echo "| model | streams | separate elements, frames/s (CPU ms/frame) | one shared batched instance, frames/s (CPU ms/frame) | shared / separate, frames/s | mean batch |"
echo "|---|---|---|---|---|---|"
inflight_rows=()
for model in "${models[@]}"; do
  frames="${VKCNN_BENCH_FRAMES:-240}"
  if [[ "$model" == *.json ]]; then
    name="$(basename "$model" .json) (random weights)"
    "$build/tools/bench/vkcnn-bench" --arch "$model" --write-model "$work/$(basename "$model" .json).vkcnn" >/dev/null
    model="$work/$(basename "$model" .json).vkcnn"
    frames="${VKCNN_BENCH_FRAMES:-12}"
  else
    name="$(basename "$model")"
  fi
  short=$((frames / 6 > 2 ? frames / 6 : 2))
  seconds "$model" 2 2 shared >/dev/null  # compiles and caches the pipelines
  seconds "$model" 1 2 separate >/dev/null
  declare -A fps=() batch=() cpu=()
  for ((r = 0; r < repeats; r++)); do
    for n in $streams_list; do
      for mode in separate shared; do
        read -r long long_cpu < <(seconds "$model" "$n" "$frames" "$mode")
        if [ "$mode" = shared ]; then
          # "N batches, mean size M" at each element's stop; the last line covers the whole run.
          batch[$n]+="$(grep -o 'mean batch size [0-9.]*' "$work/log" | tail -1 | awk '{print $4}') "
        fi
        read -r brief brief_cpu < <(seconds "$model" "$n" "$short" "$mode")
        fps[$mode,$n]+="$(echo "$n * ($frames - $short) / ($long - $brief)" | bc -l) "
        cpu[$mode,$n]+="$(echo "1000 * ($long_cpu - $brief_cpu) / ($n * ($frames - $short))" | bc -l) "
      done
    done
    for mode in mif1 mif3; do
      read -r long _ < <(seconds "$model" 1 "$frames" "$mode")
      read -r brief _ < <(seconds "$model" 1 "$short" "$mode")
      fps[$mode]+="$(echo "($frames - $short) / ($long - $brief)" | bc -l) "
    done
  done
  for n in $streams_list; do
    sep="$(median "${fps[separate,$n]}")" sha="$(median "${fps[shared,$n]}")"
    printf "| %s | %d | %.1f (%.2f) | %.1f (%.2f) | %.2f | %s |\n" "$name" "$n" "$sep" "$(median "${cpu[separate,$n]}")" \
      "$sha" "$(median "${cpu[shared,$n]}")" "$(echo "$sha / $sep" | bc -l)" "$(median "${batch[$n]}")"
  done
  inflight_rows+=("$(printf "| %s | %.1f | %.1f |" "$name" "$(median "${fps[mif1]}")" "$(median "${fps[mif3]}")")")
  unset fps batch cpu
done
echo
echo "| model | one stream, max-in-flight=1, frames/s | max-in-flight=3, frames/s |"
echo "|---|---|---|"
printf "%s\n" "${inflight_rows[@]}"
echo
echo "320x240 BGRA videotestsrc, ${VKCNN_BENCH_FRAMES:-240 (ResNet-18: 12)} frames per stream, median of $repeats;" \
  "device: $(grep -o 'running on .*' "$work/log" | head -1 | cut -c12-); load before/after: $load_before / $(cut -d" " -f1-3 /proc/loadavg)"
