#!/usr/bin/env bash
# vkcnnclassify's throughput with frames in flight: frames/s of
#   videotestsrc ! video/x-raw,format=BGRA,WxH ! vkcnnclassify max-in-flight=K ! fakesink sync=false
# for K = 1, 2, 3, on one model. Start-up (device, model, pipeline cache) is taken out by timing
# a long and a short run of the same pipeline: fps = (long - short frames) / (long - short seconds).
# K values alternate within each repeat, so machine load hits them alike; the median is printed.
#   bench/in_flight.sh [model.vkcnn | arch.json] [WIDTHxHEIGHT] [frames] [repeats]
# Defaults: models/mobilenet_v2.json (random weights, written with vkcnn-bench --write-model),
# 1280x720, 60 frames, 3 repeats. Build: build/, or $VKCNN_BUILD_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
model="${1:-$root/models/mobilenet_v2.json}"
size="${2:-1280x720}"
frames="${3:-60}"
repeats="${4:-3}"
short=$((frames / 6 > 2 ? frames / 6 : 2))
[ -f "$build/plugin/libgstvkcnn.so" ] || { echo "in_flight: $build/plugin/libgstvkcnn.so is not built" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ "$model" == *.json ]]; then
  "$build/tools/bench/vkcnn-bench" --arch "$model" --write-model "$work/model.vkcnn"
  name="$(basename "$model" .json) (random weights)"
  model="$work/model.vkcnn"
else
  name="$(basename "$model")"
fi
export GST_PLUGIN_PATH="$build/plugin" GST_REGISTRY="$work/registry.bin" XDG_CACHE_HOME="${XDG_CACHE_HOME:-$build/cache}"

# seconds K N: wall time of one run of N frames with max-in-flight=K
seconds() {
  local t0 t1
  t0="$(date +%s.%N)"
  gst-launch-1.0 -q videotestsrc num-buffers="$2" ! "video/x-raw,format=BGRA,width=${size%x*},height=${size#*x},framerate=30/1" \
    ! vkcnnclassify model="$model" max-in-flight="$1" ! fakesink sync=false >/dev/null
  t1="$(date +%s.%N)"
  echo "$t1 - $t0" | bc -l
}

load_before="$(cut -d" " -f1-3 /proc/loadavg)"
seconds 1 2 >/dev/null  # compiles and caches the pipelines
declare -A fps
for ((r = 0; r < repeats; r++)); do
  for k in 1 2 3; do
    long="$(seconds "$k" "$frames")"
    brief="$(seconds "$k" "$short")"
    fps[$k]+="$(echo "($frames - $short) / ($long - $brief)" | bc -l) "
  done
done
echo "vkcnnclassify, $name, ${size} BGRA, $frames frames, median of $repeats; load before/after: $load_before / $(cut -d" " -f1-3 /proc/loadavg)"
for k in 1 2 3; do
  median="$(tr ' ' '\n' <<<"${fps[$k]}" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
  printf "max-in-flight=%d  %6.1f frames/s   (runs: %s)\n" "$k" "$median" "$(for v in ${fps[$k]}; do printf '%.1f ' "$v"; done)"
done
