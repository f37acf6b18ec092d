"""vkcnn architecture JSON as PyTorch modules, for bench/torch_bench.py.

SpecNet builds any spec layer by layer (same types, shapes and attributes as vkcnn reads them,
PyTorch's default random initialisation). For the specs models/make_specs.py writes from
torchvision (ResNet-18, MobileNetV2: layer names are torchvision's state_dict prefixes),
build() returns torchvision's own network instead, as PyTorch users run it, after checking that
its state_dict holds exactly the spec's tensors with the spec's shapes.
"""
import torch
import torch.nn as nn


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
