#!/usr/bin/env python3
"""PyTorch's side of bench/compare.sh: the same models and work as vkcnn-bench, measured the
same way, printed as JSON lines in vkcnn-bench --json's shape, so the two join on field names:
  {"model", "device", "device_type", "mode", ..., "results": [{"batch", "median_ms", "min_ms",
   "images_per_s", ...}]}
One line per precision (fp32; on CUDA also fp16).

  bench/torch_bench.py --arch models/refcnn.json --batch 1,256
  bench/torch_bench.py --arch models/refcnn.json --train --batch 64

Models come from the vkcnn architecture JSON itself: every layer is built from its entry (same
types, shapes and attributes), with PyTorch's default random initialisation. Where the spec is
torchvision's ResNet-18 or MobileNetV2 (models/make_specs.py writes those with torchvision's
state_dict names), torchvision's own model is timed instead, as PyTorch users run it, after
checking that its state_dict has exactly the spec's tensors and shapes.

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
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # compare.sh checks this first; say what to install if run alone
    sys.exit(f"torch_bench: PyTorch is not importable ({e}); on Debian: apt-get install python3-torch python3-torchvision")


# --- the vkcnn architecture JSON as a PyTorch module ------------------------------------------

def pair(value):
    return tuple(value) if isinstance(value, list) else (value, value)


class Dense(nn.Linear):
    """vkcnn's dense reads (N, C, H, W) as N rows of C*H*W features."""
    def forward(self, x):
        return super().forward(x.flatten(1))


class Add(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3), keepdim=True)


def make_layer(layer, in_channels, in_features):
    """One spec entry as a module; in_channels / in_features of its (first) input."""
    t = layer["type"]
    if t == "conv2d":
        return nn.Conv2d(in_channels, layer["out_channels"], pair(layer["kernel"]), pair(layer.get("stride", 1)),
                         pair(layer.get("padding", 0)), pair(layer.get("dilation", 1)), layer.get("groups", 1),
                         layer.get("bias", True))
    if t == "dense":
        return Dense(in_features, layer["out_features"], layer.get("bias", True))
    if t == "batchnorm2d":
        return nn.BatchNorm2d(in_channels, layer.get("eps", 1e-5), layer.get("momentum", 0.1))
    if t in ("maxpool2d", "avgpool2d"):
        kernel = pair(layer["kernel"])
        stride = pair(layer["stride"]) if "stride" in layer else kernel
        if t == "maxpool2d":
            return nn.MaxPool2d(kernel, stride, pair(layer.get("padding", 0)), pair(layer.get("dilation", 1)),
                                ceil_mode=layer.get("ceil_mode", False))
        return nn.AvgPool2d(kernel, stride, pair(layer.get("padding", 0)), layer.get("ceil_mode", False),
                            layer.get("count_include_pad", True))
    simple = {"relu": nn.ReLU, "relu6": nn.ReLU6, "sigmoid": nn.Sigmoid, "flatten": lambda: nn.Flatten(1),
              "global_avgpool": GlobalAvgPool, "add": Add}
    if t in simple:
        return simple[t]()
    if t == "leaky_relu":
        return nn.LeakyReLU(layer.get("negative_slope", 0.01))
    if t == "dropout":
        return nn.Dropout(layer.get("p", 0.5))
    if t == "softmax":
        return nn.Softmax(1)
    raise ValueError(f"layer '{layer.get('name', '?')}': type \"{t}\" has no PyTorch counterpart here")


class SpecNet(nn.Module):
    """The layers of a vkcnn spec in order; each reads its "inputs" (layer names) or the
    previous layer, the first one the image. Shapes are found by running a zero image through
    each layer as it is built."""

    def __init__(self, spec, logits=False):
        super().__init__()
        layers = spec["layers"]
        if logits and layers[-1]["type"] == "softmax":
            layers = layers[:-1]
        inp = spec["input"]
        names, self.sources, self.spec_names = {}, [], []
        self.body = nn.ModuleList()
        outs = []
        with torch.no_grad():
            for i, layer in enumerate(layers):
                name = layer.get("name", f"{layer['type']}{i}")
                try:
                    srcs = [names[n] for n in layer["inputs"]] if "inputs" in layer else [i - 1]
                except KeyError as e:
                    raise ValueError(f"layer '{name}': input {e} is not an earlier layer") from None
                args = [outs[s] if s >= 0 else torch.zeros(1, inp["channels"], inp["height"], inp["width"])
                        for s in srcs]
                module = make_layer(layer, args[0].shape[1], args[0][0].numel()).eval()
                outs.append(module(*args))
                self.body.append(module)
                self.sources.append(srcs)
                self.spec_names.append(name)
                names[name] = i

    def forward(self, x):
        outs = []
        for module, srcs in zip(self.body, self.sources):
            outs.append(module(*[outs[s] if s >= 0 else x for s in srcs]))
        return outs[-1]

    def spec_state(self):
        """{vkcnn tensor name: shape}, the names vkcnn's model files use (PyTorch's)."""
        out = {}
        for name, module in zip(self.spec_names, self.body):
            for key, value in module.state_dict().items():
                if not key.endswith("num_batches_tracked"):
                    out[f"{name}.{key}"] = tuple(value.shape)
        return out


def torchvision_model(spec, logits):
    """torchvision's own network for the specs models/make_specs.py writes, else None."""
    builders = {"resnet18": "resnet18", "mobilenet_v2": "mobilenet_v2"}
    if spec.get("name") not in builders:
        return None
    import torchvision
    classes = next(l["out_features"] for l in reversed(spec["layers"]) if l["type"] == "dense")
    model = getattr(torchvision.models, builders[spec["name"]])(num_classes=classes)
    want = SpecNet(spec).spec_state()
    have = {k: tuple(v.shape) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    if want != have:
        diff = sorted(set(want.items()) ^ set(have.items()))[:5]
        raise ValueError(f"torchvision's {spec['name']} differs from the spec's tensors, e.g. {diff}")
    if spec["layers"][-1]["type"] == "softmax" and not logits:
        model = nn.Sequential(model, nn.Softmax(1))
    return model


def build(spec, logits):
    model = torchvision_model(spec, logits)
    return (model, "torchvision") if model is not None else (SpecNet(spec, logits), "spec")


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
