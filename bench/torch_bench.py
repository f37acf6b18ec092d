#!/usr/bin/env python3
"""PyTorch's side of bench/compare.sh: the same models and work as vkcnn-bench, measured the
same way, printed as JSON lines in vkcnn-bench --json's shape, so the two join on field names:
  {"model", "device", "device_type", "mode", ..., "results": [{"batch", "median_ms", "min_ms",
   "images_per_s", ...}]}
One line per precision (fp32; on CUDA also fp16).

  bench/torch_bench.py --arch models/refcnn.json --batch 1,256
  bench/torch_bench.py --arch models/refcnn.json --train --batch 64

Models come from the vkcnn architecture JSON itself (bench/torch_models.py): every layer built
from its entry, PyTorch's default random initialisation; for torchvision's ResNet-18 and
MobileNetV2 specs, torchvision's own model, checked tensor by tensor against the spec.

Forward: eval mode under torch.inference_mode(), batchnorm not folded (PyTorch eager does not
fold; vkcnn folds it into the conv at load time), final softmax included as in the spec.
Training: train mode, logits (a final softmax in the spec is left out, as vkcnn's TrainingPlan
does), cross-entropy, backward, optimizer step; random images and labels made once on the host
and copied to the device every step, as vkcnn's trainer uploads every batch.

CPU: torch.set_num_threads(--threads, default os.cpu_count()): vkcnn on lavapipe spreads its
work over every core too. CUDA: cudnn.benchmark on, torch.cuda.synchronize() before and after
every timed run; fp16 is .half() for the forward pass and autocast with a GradScaler for
training.
"""
import argparse
import contextlib
import json
import os
import platform
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # compare.sh checks this first; say what to install if run alone
    sys.exit(f"torch_bench: PyTorch is not importable ({e}); on Debian: apt-get install python3-torch python3-torchvision")

from torch_models import build  # beside this file


# --- timing ------------------------------------------------------------------------------------

def timed(fn, warmup, runs, cuda):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(runs):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return ms[len(ms) // 2], ms[0]  # the same median (upper of an even count) as vkcnn-bench


def result(batch, median_ms, min_ms):
    return {"batch": batch, "median_ms": median_ms, "min_ms": min_ms, "images_per_s": batch / (median_ms * 1e-3)}


def measure_forward(spec, batch, dtype, device, args):
    model, source = build(spec, logits=False)
    model = model.to(device).eval()
    x = torch.randn(batch, spec["input"]["channels"], spec["input"]["height"], spec["input"]["width"], device=device)
    if dtype == "fp16":
        model, x = model.half(), x.half()
    with torch.inference_mode():
        med, low = timed(lambda: model(x), args.warmup, args.runs, device.type == "cuda")
    return result(batch, med, low), source


def measure_train(spec, batch, dtype, device, args):
    model, source = build(spec, logits=True)
    model = model.to(device).train()
    if args.optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)  # vkcnn-bench's: no decay
    else:
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    classes = next(l["out_features"] for l in reversed(spec["layers"]) if l["type"] == "dense")
    images = torch.randn(batch, spec["input"]["channels"], spec["input"]["height"], spec["input"]["width"])
    labels = torch.randint(0, classes, (batch,))
    half = dtype == "fp16"
    scaler = None
    if half:  # torch.amp.GradScaler("cuda") from PyTorch 2.3 on; torch.cuda.amp's before
        scaler = torch.amp.GradScaler("cuda") if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()
    last = {}

    def step():
        x, y = images.to(device), labels.to(device)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.float16) if half else contextlib.nullcontext():
            loss = F.cross_entropy(model(x), y)
        if scaler:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        last["loss"] = loss

    med, low = timed(step, args.warmup, args.runs, device.type == "cuda")
    r = result(batch, med, low)
    r["last_loss"] = float(last["loss"])
    return r, source


# --- the command ---------------------------------------------------------------------------------

def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def csv_ints(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got '{text}'")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be at least 1, got '{text}'")
    return values


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--arch", required=True, help="a vkcnn architecture .json (random weights)")
    p.add_argument("--batch", type=csv_ints, default=None, help="batch sizes (default 1,64; with --train 64)")
    p.add_argument("--runs", type=positive_int, default=50, help="timed runs per batch size (median and min reported)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    p.add_argument("--train", action="store_true", help="time training steps instead of forward passes")
    p.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw",
                   help="with --train (sgd: momentum 0.9; no weight decay either way)")
    p.add_argument("--lr", type=float, default=1e-3, help="with --train: learning rate")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when available")
    p.add_argument("--dtype", default=None,
                   help="comma-separated fp32,fp16 (default: fp32 on the CPU, fp32,fp16 on CUDA)")
    p.add_argument("--threads", type=positive_int, default=os.cpu_count() or 1,
                   help="CPU threads (torch.set_num_threads); default: every core, as lavapipe uses")
    p.add_argument("--seed", type=int, default=1, help="seed for weights, inputs and labels")
    args = p.parse_args()

    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
                          else "cpu")
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_bench: --device cuda, but torch.cuda.is_available() is False")
    dtypes = (args.dtype or ("fp32,fp16" if device.type == "cuda" else "fp32")).split(",")
    for d in dtypes:
        if d not in ("fp32", "fp16"):
            sys.exit(f"torch_bench: --dtype: unknown precision '{d}' (known: fp32, fp16)")
        if d == "fp16" and device.type != "cuda":
            sys.exit("torch_bench: --dtype fp16 needs CUDA (PyTorch's CPU kernels are fp32)")
    batches = args.batch or ([64] if args.train else [1, 64])
    try:
        with open(args.arch) as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"torch_bench: {args.arch}: {e}")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        name, kind = torch.cuda.get_device_name(device), "GPU"
    else:
        name, kind = cpu_name(), "CPU"
    mode = "train" if args.train else "forward"
    measure = measure_train if args.train else measure_forward
    print(f"torch_bench: PyTorch {torch.__version__} on {name}, {args.threads} CPU threads "
          f"(vkcnn on lavapipe also uses every core)", file=sys.stderr)

    for dtype in dtypes:
        head = {"model": args.arch, "device": name, "device_type": kind, "mode": mode, "framework": "pytorch",
                "torch": torch.__version__, "threads": args.threads, "dtype": dtype}
        if args.train:
            head.update(optimizer=args.optimizer, lr=args.lr)
        results = []
        for batch in batches:
            try:
                r, source = measure(spec, batch, dtype, device, args)
            except (ValueError, KeyError) as e:
                sys.exit(f"torch_bench: {args.arch}: {e}")
            head["built_from"] = source
            results.append(r)
            print(f"  {mode} {dtype} batch {batch}: {r['median_ms']:.3f} ms (min {r['min_ms']:.3f}), "
                  f"{r['images_per_s']:.0f} images/s", file=sys.stderr)
        head["results"] = results
        print(json.dumps(head), flush=True)


if __name__ == "__main__":
    main()
