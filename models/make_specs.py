#!/usr/bin/env python3
"""Writes the torchvision-layout architecture specs models/resnet18.json and
models/mobilenet_v2.json (layer names = torchvision's state_dict prefixes, so a torchvision
state_dict maps 1:1). Run from anywhere: python3 models/make_specs.py"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGENET = {"channels": 3, "height": 224, "width": 224, "color": "rgb",
            "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "resize": "center-crop"}


def conv(name, out, k, stride=1, pad=0, groups=1, inputs=None):
    layer = {"type": "conv2d", "name": name, "out_channels": out, "kernel": k, "stride": stride,
             "padding": pad, "groups": groups, "bias": False}
    if inputs: layer["inputs"] = inputs
    return layer


def bn(name): return {"type": "batchnorm2d", "name": name}


def resnet18():
    L = [conv("conv1", 64, 7, 2, 3), bn("bn1"), {"type": "relu", "name": "relu"},
         {"type": "maxpool2d", "name": "maxpool", "kernel": 3, "stride": 2, "padding": 1}]
    prev, cin = "maxpool", 64
    for stage, cout in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            p = f"layer{stage}.{block}"
            stride = 2 if stage > 1 and block == 0 else 1
            L += [conv(p + ".conv1", cout, 3, stride, 1, inputs=[prev]), bn(p + ".bn1"),
                  {"type": "relu", "name": p + ".relu1"},
                  conv(p + ".conv2", cout, 3, 1, 1), bn(p + ".bn2")]
            shortcut = prev
            if stride != 1 or cin != cout:
                L += [conv(p + ".downsample.0", cout, 1, stride, 0, inputs=[prev]), bn(p + ".downsample.1")]
                shortcut = p + ".downsample.1"
            L += [{"type": "add", "name": p + ".add", "inputs": [p + ".bn2", shortcut]},
                  {"type": "relu", "name": p + ".relu2"}]
            prev, cin = p + ".relu2", cout
    L += [{"type": "global_avgpool", "name": "avgpool"}, {"type": "flatten", "name": "flatten"},
          {"type": "dense", "name": "fc", "out_features": 1000}, {"type": "softmax", "name": "softmax"}]
    return {"format": "vkcnn-model/1", "name": "resnet18", "input": IMAGENET, "labels": [], "layers": L}


def mobilenet_v2():
    L = [conv("features.0.0", 32, 3, 2, 1), bn("features.0.1"), {"type": "relu6", "name": "features.0.2"}]
    prev, cin, idx = "features.0.2", 32, 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            p, hidden, k = f"features.{idx}.conv", cin * t, 0
            first = True
            def inp():
                return {"inputs": [prev]} if first else {}
            if t != 1:
                L += [dict(conv(f"{p}.0.0", hidden, 1), **inp()), bn(f"{p}.0.1"), {"type": "relu6", "name": f"{p}.0.2"}]
                first, k = False, 1
            L += [dict(conv(f"{p}.{k}.0", hidden, 3, stride, 1, groups=hidden), **inp()), bn(f"{p}.{k}.1"),
                  {"type": "relu6", "name": f"{p}.{k}.2"},
                  conv(f"{p}.{k + 1}", c, 1), bn(f"{p}.{k + 2}")]
            out = f"{p}.{k + 2}"
            if stride == 1 and cin == c:
                L.append({"type": "add", "name": f"features.{idx}.add", "inputs": [out, prev]})
                out = f"features.{idx}.add"
            prev, cin, idx = out, c, idx + 1
    L += [dict(conv("features.18.0", 1280, 1), inputs=[prev]), bn("features.18.1"), {"type": "relu6", "name": "features.18.2"},
          {"type": "global_avgpool", "name": "avgpool"}, {"type": "flatten", "name": "flatten"},
          {"type": "dropout", "name": "classifier.0", "p": 0.2},
          {"type": "dense", "name": "classifier.1", "out_features": 1000}, {"type": "softmax", "name": "softmax"}]
    return {"format": "vkcnn-model/1", "name": "mobilenet_v2", "input": IMAGENET, "labels": [], "layers": L}


for name, spec in [("resnet18", resnet18()), ("mobilenet_v2", mobilenet_v2())]:
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
