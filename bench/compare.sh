#!/usr/bin/env bash
# vkcnn beside PyTorch on this machine: the same CNN work, measured one after the other.
#   bench/compare.sh [quick]     (build directory: build/, or $VKCNN_BUILD_DIR)
# vkcnn: refcnn forward at batch 1 and 64 (random weights), plus ResNet-18 and MobileNetV2 at
# 224x224 unless "quick". PyTorch: ../shared/bench/torch_reference.py (Debian: python3-torch and
# python3-torchvision for the CPU, PYTHON=/usr/bin/python3 if another python3 comes first; on an
# NVIDIA machine, its own PyTorch).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
reference="${TORCH_REFERENCE:-$root/../shared/bench/torch_reference.py}"
quick="${1:-}"

bench="$build/bench/vkcnn-bench"
[ -x "$bench" ] || { echo "compare: $bench is not built (run scripts/setup.sh)" >&2; exit 1; }

echo "== vkcnn"
"$bench" --arch "$root/models/refcnn.json" --batch 1,64 --runs 50
if [ "$quick" != quick ]; then
  "$bench" --arch "$root/models/resnet18.json" --batch 1 --runs 5 --warmup 1
  "$bench" --arch "$root/models/mobilenet_v2.json" --batch 1 --runs 5 --warmup 1
fi

echo "== PyTorch"
if [ -f "$reference" ]; then
  "${PYTHON:-python3}" "$reference" ${quick:+quick}
else
  echo "compare: $reference not found; set TORCH_REFERENCE" >&2
fi
