#!/usr/bin/python3
"""Small ONNX models of each torchvision family's building blocks, exported by PyTorch itself.

Each family is a stem, torchvision's own block classes (resnet.BasicBlock and Bottleneck,
mobilenetv2.InvertedResidual, mobilenetv3.InvertedResidual with SE and hardswish, efficientnet.MBConv,
squeezenet.Fire, googlenet.Inception, densenet._DenseBlock and _Transition,
shufflenetv2.InvertedResidual, mnasnet._InvertedResidual, regnet.AnyStage of ResBottleneckBlock
with SE) and the family's head, written the way the family's forward() writes it (Flatten or
x.mean([2, 3]), dropout, a final softmax in some), so that torch.onnx.export produces the same
kinds of nodes (Shape arithmetic, Clip, Pad, Split, channel shuffle) as for the full model.
Weights are random with fixed seeds; batchnorm running statistics are randomised (a wrong fold
shows) and the last layer scaled so that the outputs are far from flat.

Writes into OUTDIR (default tests/data/onnx-blocks):
  FAMILY.onnx           the exported model (opset 13, as scripts/check-torchvision.sh)
  FAMILY.input.f32      the input tensor, NCHW, little-endian float32
  FAMILY.expected.f64   PyTorch's output for it, (1, classes), little-endian float64, computed
                        in float64 (the model converted with .double())
  manifest.json         per family: the blocks, input and output shapes, whether the output is
                        probabilities (ends in softmax)
ctest (tests/onnx/onnx_torchvision_blocks_test.cpp) imports each model, runs the input through
the engine and compares with the expected output; it reads these files and does not need torch.
Needs Debian's python3-torch and python3-torchvision:
  /usr/bin/python3 scripts/make-onnx-blocks.py [OUTDIR]
"""
import copy
import functools
import importlib
import json
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F
from torchvision.ops.misc import Conv2dNormActivation

# torchvision.models.googlenet etc. are also the names of functions: import the modules by path.
tv = {name: importlib.import_module(f"torchvision.models.{name}")
      for name in ["resnet", "mobilenetv2", "mobilenetv3", "efficientnet", "squeezenet", "googlenet",
                   "densenet", "shufflenetv2", "mnasnet", "regnet"]}
CLASSES = 10


def flatten_linear_head(channels, dropout=None):
    layers = [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(1)]
    if dropout is not None:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(channels, CLASSES))


class Family(nn.Module):
    """features -> head [-> softmax], as the family's forward() composes them."""

    def __init__(self, features, head, softmax, head_fn=None):
        super().__init__()
        self.features = features
        self.head = head
        self.softmax = softmax
        self.head_fn = head_fn  # what the family's forward() does between features and head

    def forward(self, x):
        x = self.features(x)
        x = self.head_fn(x) if self.head_fn is not None else x
        x = self.head(x)
        return torch.softmax(x, dim=1) if self.softmax else x


def resnet():
    m = tv["resnet"]
    down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    features = nn.Sequential(
        nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1),
        m.BasicBlock(8, 8), m.BasicBlock(8, 16, stride=2, downsample=down),
        m.Bottleneck(16, 4))  # expansion 4: 16 -> 16, identity shortcut
    return Family(features, flatten_linear_head(16), softmax=True), "resnet.BasicBlock, resnet.Bottleneck", (29, 31)


def mobilenet_v2():
    m = tv["mobilenetv2"]
    features = nn.Sequential(
        Conv2dNormActivation(3, 8, stride=2, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU6),
        m.InvertedResidual(8, 8, 1, expand_ratio=1), m.InvertedResidual(8, 12, 2, expand_ratio=6),
        m.InvertedResidual(12, 12, 1, expand_ratio=6),
        Conv2dNormActivation(12, 32, kernel_size=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU6))
    # MobileNetV2.forward: adaptive_avg_pool2d(x, (1, 1)), torch.flatten(x, 1), then Dropout + Linear.
    head = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, CLASSES))
    return (Family(features, head, softmax=False,
                   head_fn=lambda x: torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)),
            "mobilenetv2.InvertedResidual", (32, 32))


def mobilenet_v3():
    m = tv["mobilenetv3"]
    cfg = functools.partial(m.InvertedResidualConfig, dilation=1, width_mult=1.0)
    norm = functools.partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
    configs = [cfg(16, 3, 16, 16, True, "RE", 2), cfg(16, 5, 48, 24, True, "HS", 1),
               cfg(24, 3, 64, 24, False, "HS", 1)]
    features = nn.Sequential(
        Conv2dNormActivation(3, 16, stride=2, norm_layer=norm, activation_layer=nn.Hardswish),
        *[m.InvertedResidual(c, norm) for c in configs],
        Conv2dNormActivation(24, 48, kernel_size=1, norm_layer=norm, activation_layer=nn.Hardswish))
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(48, 32), nn.Hardswish(inplace=True),
                         nn.Dropout(0.2, inplace=True), nn.Linear(32, CLASSES))
    return (Family(features, head, softmax=True), "mobilenetv3.InvertedResidual (SE, hardswish)",
            (27, 33))


def efficientnet():
    m = tv["efficientnet"]
    norm = functools.partial(nn.BatchNorm2d, eps=1e-3)
    configs = [m.MBConvConfig(1, 3, 1, 16, 16, 1), m.MBConvConfig(4, 3, 2, 16, 24, 1),
               m.MBConvConfig(4, 5, 1, 24, 24, 1)]
    features = nn.Sequential(
        Conv2dNormActivation(3, 16, stride=2, norm_layer=norm, activation_layer=nn.SiLU),
        *[m.MBConv(c, 0.2, norm) for c in configs],  # stochastic depth is the identity in eval
        Conv2dNormActivation(24, 48, kernel_size=1, norm_layer=norm, activation_layer=nn.SiLU))
    return Family(features, flatten_linear_head(48, dropout=0.2), softmax=True), "efficientnet.MBConv (SiLU, SE)", (31, 29)


def squeezenet():
    m = tv["squeezenet"]
    features = nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, ceil_mode=True),
        m.Fire(16, 4, 8, 8), m.Fire(16, 4, 8, 8), nn.MaxPool2d(3, stride=2, ceil_mode=True), m.Fire(16, 6, 12, 12))
    # SqueezeNet's classifier: Dropout, 1x1 conv to the classes, ReLU, adaptive pool; then flatten.
    head = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(24, CLASSES, 1), nn.ReLU(inplace=True),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(1))
    return Family(features, head, softmax=False), "squeezenet.Fire", (31, 31)


def googlenet():
    m = tv["googlenet"]
    features = nn.Sequential(
        m.BasicConv2d(3, 16, kernel_size=7, stride=2, padding=3), nn.MaxPool2d(3, stride=2, ceil_mode=True),
        m.Inception(16, 8, 8, 12, 4, 6, 6), m.Inception(32, 8, 8, 12, 4, 6, 6))
    return Family(features, flatten_linear_head(32, dropout=0.2), softmax=True), "googlenet.Inception, googlenet.BasicConv2d", (32, 30)


def densenet():
    m = tv["densenet"]
    features = nn.Sequential(
        nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1),
        m._DenseBlock(num_layers=2, num_input_features=16, bn_size=2, growth_rate=8, drop_rate=0),
        m._Transition(32, 16),
        m._DenseBlock(num_layers=2, num_input_features=16, bn_size=2, growth_rate=8, drop_rate=0),
        nn.BatchNorm2d(32))
    # DenseNet.forward: F.relu, adaptive_avg_pool2d(out, (1, 1)), torch.flatten(out, 1), classifier.
    return (Family(features, nn.Linear(32, CLASSES), softmax=False,
                   head_fn=lambda x: torch.flatten(F.adaptive_avg_pool2d(F.relu(x), (1, 1)), 1)),
            "densenet._DenseBlock, densenet._Transition", (32, 32))


def shufflenet_v2():
    m = tv["shufflenetv2"]
    features = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True)),
        nn.MaxPool2d(3, stride=2, padding=1),
        m.InvertedResidual(24, 48, 2), m.InvertedResidual(48, 48, 1), m.InvertedResidual(48, 48, 1),
        nn.Sequential(nn.Conv2d(48, 64, 1, 1, 0, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)))
    # ShuffleNetV2.forward: x.mean([2, 3]) (ReduceMean), then fc.
    return (Family(features, nn.Linear(64, CLASSES), softmax=True, head_fn=lambda x: x.mean([2, 3])),
            "shufflenetv2.InvertedResidual (channel shuffle, chunk)", (29, 31))


def mnasnet():
    m = tv["mnasnet"]
    momentum = 1 - 0.9997
    features = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, stride=2, bias=False), nn.BatchNorm2d(16, momentum=momentum),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, 16, 3, padding=1, stride=1, groups=16, bias=False), nn.BatchNorm2d(16, momentum=momentum),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, 8, 1, padding=0, stride=1, bias=False), nn.BatchNorm2d(8, momentum=momentum),
        m._InvertedResidual(8, 16, 3, 2, 3, momentum), m._InvertedResidual(16, 16, 5, 1, 3, momentum),
        nn.Conv2d(16, 64, 1, padding=0, stride=1, bias=False), nn.BatchNorm2d(64, momentum=momentum),
        nn.ReLU(inplace=True))
    head = nn.Sequential(nn.Dropout(p=0.2, inplace=True), nn.Linear(64, CLASSES))
    return (Family(features, head, softmax=False, head_fn=lambda x: x.mean([2, 3])), "mnasnet._InvertedResidual",
            (28, 25))


def regnet():
    m = tv["regnet"]
    features = nn.Sequential(
        m.SimpleStemIN(3, 16, nn.BatchNorm2d, nn.ReLU),
        m.AnyStage(16, 24, 2, 2, m.ResBottleneckBlock, nn.BatchNorm2d, nn.ReLU, group_width=8,
                   bottleneck_multiplier=1.0, se_ratio=0.25))
    return (Family(features, flatten_linear_head(24), softmax=True),
            "regnet.AnyStage of regnet.ResBottleneckBlock (grouped, SE)", (30, 27))


FAMILIES = {f.__name__: f for f in [resnet, mobilenet_v2, mobilenet_v3, efficientnet, squeezenet, googlenet,
                                    densenet, shufflenet_v2, mnasnet, regnet]}


def randomise(model, x):
    """Batchnorm statistics and affine parameters far from the identity, and the last layer scaled
    so that its output on x has a standard deviation of 2 (a peaked, not saturated, softmax)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
        last = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]
        softmax, model.softmax = model.softmax, False
        scale = 2.0 / model(x).std().item()
        model.softmax = softmax
        last.weight.mul_(scale)
        if last.bias is not None:
            last.bias.mul_(scale)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "onnx-blocks")
    os.makedirs(out, exist_ok=True)
    manifest = {"format": "FAMILY.onnx; FAMILY.input.f32 (NCHW float32 LE); "
                          "FAMILY.expected.f64 (PyTorch's output in float64, float64 LE)",
                "torch": torch.__version__, "opset": 13, "families": []}
    for seed, (name, make) in enumerate(FAMILIES.items()):
        torch.manual_seed(seed)
        model, blocks, (h, w) = make()
        model.eval()
        x = torch.empty(1, 3, h, w).uniform_(-2, 2)
        randomise(model, x)
        path = os.path.join(out, f"{name}.onnx")
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
        with torch.no_grad():
            expected = copy.deepcopy(model).double()(x.double())
        x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.input.f32"))
        expected.numpy().astype("<f8").tofile(os.path.join(out, f"{name}.expected.f64"))
        manifest["families"].append({"name": name, "blocks": blocks,
                                     "input_shape": [1, 3, h, w], "output_shape": list(expected.shape),
                                     "probabilities": model.softmax,
                                     "max_output": round(expected.max().item(), 4)})
        print(f"{name:14} {blocks:55} input 3x{h}x{w} -> {list(expected.shape)} "
              f"{'softmax' if model.softmax else 'logits'} max {expected.max().item():.3f} "
              f"{os.path.getsize(path)} bytes")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
