#!/usr/bin/env bash
# vkcnn beside PyTorch on this machine: the same CNN work, measured one right after the other,
# joined into one markdown table (bench/bench_table.py).
#   bench/compare.sh [quick]
# Rows: refcnn forward at batch 1 and 256, ResNet-18 and MobileNetV2 at 224x224 batch 1 (not
# with "quick"), refcnn training at batch 64 with AdamW. Both sides use random weights. Each
# row runs vkcnn-bench, then bench/torch_bench.py, so both see the same machine load.
# Environment: VKCNN_BUILD_DIR (default build/), PYTHON (default /usr/bin/python3 where it
# exists: Debian's, which python3-torch and python3-torchvision install into).
# Exits non-zero, naming the step, when anything is missing or fails: never a partial table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
quick="${1:-}"
case "$quick" in ""|quick) ;; *) echo "usage: bench/compare.sh [quick]" >&2; exit 2 ;; esac

bench="$build/tools/bench/vkcnn-bench"
[ -x "$bench" ] || { echo "compare: $bench is not built (scripts/setup.sh, or set VKCNN_BUILD_DIR)" >&2; exit 1; }
if ! "$PYTHON" -c 'import torch, torchvision' 2>/dev/null; then
  echo "compare: $PYTHON cannot import torch and torchvision; install python3-torch and python3-torchvision" \
       "(Debian), or point PYTHON at a Python that has them. No table without both sides." >&2
  exit 1
fi

# Other work on the machine slows both sides; the load averages around the run say how much.
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: >"$work/manifest"
n=0

# row LABEL KIND ARCH BATCH RUNS WARMUP [extra flags for both tools]
row() {
  local label="$1" kind="$2" arch="$root/models/$3" batch="$4" runs="$5" warmup="$6"
  shift 6
  n=$((n + 1))
  local flags=(--arch "$arch" --batch "$batch" --runs "$runs" --warmup "$warmup" "$@")
  echo "compare: $label: vkcnn" >&2
  # fp32 on both sides: vkcnn's default (auto) would store fp16 on a GPU.
  local precision=(--precision fp32)
  [ "$kind" = train ] && precision=()
  "$bench" "${flags[@]}" "${precision[@]}" --json >"$work/vk$n.json" 2>"$work/vk$n.log" ||
    { echo "compare: vkcnn-bench failed on \"$label\":" >&2; cat "$work/vk$n.log" >&2; exit 1; }
  echo "compare: $label: PyTorch" >&2
  "$PYTHON" "$root/bench/torch_bench.py" "${flags[@]}" >"$work/pt$n.json" 2>"$work/pt$n.log" ||
    { echo "compare: torch_bench.py failed on \"$label\":" >&2; cat "$work/pt$n.log" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$kind" "$batch" "$work/vk$n.json" "$work/pt$n.json" >>"$work/manifest"
}

row "refcnn forward, batch 1" latency refcnn.json 1 50 5
row "refcnn forward, batch 256" latency refcnn.json 256 10 2
if [ "$quick" != quick ]; then
  row "ResNet-18 224², batch 1" latency resnet18.json 1 10 2
  row "MobileNetV2 224², batch 1" latency mobilenet_v2.json 1 10 2
fi
row "refcnn training step, batch 64, AdamW" train refcnn.json 64 20 3 --train --optimizer adamw

cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1)"
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
"$PYTHON" "$root/bench/bench_table.py" "$work/manifest" --cpu "${cpu:-unknown CPU}" --cores "$(nproc)" \
  --note "Load average (1, 5, 15 min) before the run: $load_before; after: $load_after."
