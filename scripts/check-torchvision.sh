#!/usr/bin/env bash
# torchvision classifiers end to end, with random weights and no network:
#   torch.onnx.export -> vkcnn-import -> vkcnn-classify --json, against PyTorch's probabilities
# (computed in float64) on the same random 224x224 image. Prints a table: model, max abs diff
# of the probabilities, the top-1 probability (how peaked the output is, i.e. how much the diff
# can see), PASS (< 1e-4) / FAIL, or "unsupported: <ops>" from the importer's message.
# Needs python3-torch and python3-torchvision (Debian's, found by /usr/bin/python3) and a build
# with vkcnn-import and vkcnn-classify. Slow on lavapipe; not part of ctest.
#   scripts/check-torchvision.sh [model ...]      (default: the list below)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VKCNN_BUILD_DIR:-$root/build}"
python="${PYTHON:-/usr/bin/python3}"
models=("$@")
if ((${#models[@]} == 0)); then
  models=(resnet18 resnet50 mobilenet_v2 mobilenet_v3_small efficientnet_b0 squeezenet1_1 googlenet
          densenet121 shufflenet_v2_x0_5 mnasnet0_5 regnet_x_400mf)
fi
for tool in vkcnn-import vkcnn-classify; do
  [ -x "$build/tools/$tool" ] || { echo "check-torchvision: $build/tools/$tool is missing (build first)" >&2; exit 1; }
done
"$python" -c "import torch, torchvision" 2>/dev/null ||
  { echo "check-torchvision: $python cannot import torch and torchvision (apt install python3-torchvision)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mean=0.485,0.456,0.406
std=0.229,0.224,0.225
failures=0
printf '%-20s %-14s %-10s %s\n' model max_abs_diff top1_prob result
for m in "${models[@]}"; do
  # PyTorch side: the ONNX file, the image (binary PPM, which OpenCV reads) and the probabilities.
  if ! "$python" - "$m" "$work" "$mean" "$std" >"$work/$m.torch.log" 2>&1 <<'PY'
import json, sys
import torch, torchvision
name, work = sys.argv[1], sys.argv[2]
mean = torch.tensor([float(v) for v in sys.argv[3].split(",")]).view(1, 3, 1, 1)
std = torch.tensor([float(v) for v in sys.argv[4].split(",")]).view(1, 3, 1, 1)
torch.manual_seed(0)
kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
# torchvision's initialisation leaves batchnorm as the identity and the head's logits near zero
# (all probabilities ~1/1000): a check that could not see a wrong fold or a wrong head. Random
# running statistics, and the head scaled so that the logits on this image have a standard
# deviation of 2 (a peaked but not saturated softmax), make it see both.
pixels = torch.randint(0, 256, (224, 224, 3), dtype=torch.uint8)
image = pixels.permute(2, 0, 1).unsqueeze(0).float() / 255
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
    head = [m for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))][-1]
    scale = 2.0 / model((image - mean) / std).std().item()
    head.weight.mul_(scale)
    if head.bias is not None:
        head.bias.mul_(scale)
x = torch.zeros(1, 3, 224, 224)
torch.onnx.export(model, x, f"{work}/{name}.onnx", input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
with open(f"{work}/{name}.ppm", "wb") as f:
    f.write(b"P6\n224 224\n255\n" + pixels.numpy().tobytes())
with torch.no_grad():
    p = torch.softmax(model.double()((image.double() - mean.double()) / std.double()), dim=1)[0]
json.dump(p.tolist(), open(f"{work}/{name}.torch.json", "w"))
print(f"top-1 probability {p.max().item():.3f}", file=open(f"{work}/{name}.top1", "w"))
PY
  then
    printf '%-20s %-14s %-10s %s\n' "$m" - - "torch export failed: $(tail -1 "$work/$m.torch.log")"
    failures=$((failures + 1))
    continue
  fi
  if ! "$build/tools/vkcnn-import" "$work/$m.onnx" -o "$work/$m.vkcnn" --mean "$mean" --std "$std" \
      >"$work/$m.import.log" 2>&1; then
    if grep -q "cannot be imported" "$work/$m.import.log"; then
      ops="$(grep -o '^  node .* (\([A-Za-z]*\)):' "$work/$m.import.log" | sed 's/.*(\([A-Za-z]*\)):$/\1/' | sort -u | paste -sd, -)"
      printf '%-20s %-14s %-10s %s\n' "$m" - - "unsupported: $ops"
    else
      printf '%-20s %-14s %-10s %s\n' "$m" - - "import failed: $(head -c 300 "$work/$m.import.log")"
      failures=$((failures + 1))
    fi
    continue
  fi
  "$build/tools/vkcnn-classify" --model "$work/$m.vkcnn" --json --top-k 100000 "$work/$m.ppm" >"$work/$m.vkcnn.json"
  diff="$("$python" - "$work/$m.torch.json" "$work/$m.vkcnn.json" <<'PY'
import json, sys
torch_p = json.load(open(sys.argv[1]))
ours = {e["id"]: e["score"] for e in json.loads(open(sys.argv[2]).readline())["top"]}
assert len(ours) == len(torch_p), f"{len(ours)} scores for {len(torch_p)} classes"
print(f"{max(abs(ours[i] - p) for i, p in enumerate(torch_p)):.3g}")
PY
)"
  if "$python" -c "import sys; sys.exit(0 if float('$diff') < 1e-4 else 1)"; then
    printf '%-20s %-14s %-10s %s\n' "$m" "$diff" "$(cut -d' ' -f3 "$work/$m.top1")" PASS
  else
    printf '%-20s %-14s %-10s %s\n' "$m" "$diff" "$(cut -d' ' -f3 "$work/$m.top1")" FAIL
    failures=$((failures + 1))
  fi
done
exit $((failures > 0))
