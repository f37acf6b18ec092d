// The ops that move values without computing on them: Pad, ShuffleNet's channel shuffle
// (Reshape -> Transpose -> Reshape), Slice and Split on the channel axis (GraphTranslator).
#include <algorithm>
#include <limits>
#include <numeric>

#include "onnx_attributes.h"
#include "onnx_ops.h"

namespace vkcnn::onnx_import {
namespace {

// ONNX's Slice bound clamped as the spec says: negative counts from the end, then into [0, extent].
int64_t slice_bound(int64_t v, int64_t extent) {
  if (v < 0) v += extent;
  return std::clamp<int64_t>(v, 0, extent);
}

}  // namespace

std::optional<LayerPlan> GraphTranslator::pad(const onnx::NodeProto& node) {
  const std::string mode = string_attribute(node, "mode", "constant");
  if (mode != "constant") {
    unsupported(node, "attribute mode \"" + mode + "\": vkcnn pads with a constant only");
    return std::nullopt;
  }
  const Dims* x = image_input(node, 0);
  if (!x) return std::nullopt;
  auto pads = node.input_size() > 1 ? int_constants_.find(node.input(1)) : int_constants_.end();
  if (pads == int_constants_.end()) {
    unsupported(node, "input pads must be a constant (an initializer or a Constant)");
    return std::nullopt;
  }
  const std::vector<int64_t>& p = pads->second;  // [n, c, h, w begins, n, c, h, w ends]
  if (p.size() != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) {
    unsupported(node, "input pads " + list_text(p) + ": vkcnn pads H and W of an (N, C, H, W) tensor only");
    return std::nullopt;
  }
  for (int64_t v : p)
    if (v < 0 || v > (1 << 16)) {
      unsupported(node,
                  "input pads " + list_text(p) + ": negative pads (cropping) or pads over 65536 are not supported");
      return std::nullopt;
    }
  float value = 0.f;
  if (node.input_size() > 2 && !node.input(2).empty()) {
    const HostParam* v = constant_input(node, 2, "constant_value");
    if (!v) return std::nullopt;
    if (v->values.size() != 1) {
      unsupported(node, "input constant_value must be one value");
      return std::nullopt;
    }
    value = v->values[0];
  }
  LayerPlan plan;
  plan.inputs = {node.input(0)};
  if (std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; })) return plan;  // nothing to pad
  plan.type = "pad";
  plan.attributes = {{"padding", {p[3], p[7], p[2], p[6]}}, {"value", value}};  // [left, right, top, bottom]
  return plan;
}

std::optional<LayerPlan> GraphTranslator::reshape(const onnx::NodeProto& node) {
  const std::string& in = node.input(0);
  if (poisoned_.count(in)) {
    for (const auto& o : node.output()) poisoned_.insert(o);
    return std::nullopt;
  }
  const Dims* x = dims(in);
  const Dims* y = dims(node.output(0));
  auto view = shuffle_views_.find(in);
  const bool fixed = y && std::all_of(y->begin() + (y->empty() ? 0 : 1), y->end(), [](int64_t d) { return d > 0; });
  if (view != shuffle_views_.end()) {
    // The shuffle's end: (N, C/g, g, H, W) back to the source's (N, C, H, W).
    const Dims* source = dims(view->second.source);
    if (!view->second.transposed || !fixed || !source || *y != *source) {
      unsupported(node, "input '" + in + "' is a 5-D view of a channel shuffle; only Transpose (0, 2, 1, 3, 4) and " +
                            "a Reshape back to (N, C, H, W) " + (source ? list_text(*source) : "") +
                            " can follow it, not a Reshape to " + (y ? list_text(*y) : "an unknown shape"));
      return std::nullopt;
    }
    LayerPlan p;
    p.type = "channel_shuffle";
    p.inputs = {view->second.source};
    p.attributes = {{"groups", view->second.groups}};
    return p;
  }
  if (x && y && x->size() == 4 && y->size() == 5) {
    // The shuffle's start: (N, C, H, W) -> (N, g, C/g, H, W).
    if (!fixed || (*y)[0] != (*x)[0] || (*y)[1] * (*y)[2] != (*x)[1] || (*y)[3] != (*x)[2] || (*y)[4] != (*x)[3]) {
      unsupported(node, "a reshape of " + list_text(*x) + " to " + list_text(*y) +
                            ": the only 5-D reshape vkcnn reads is a channel shuffle's (N, g, C/g, H, W)");
      return std::nullopt;
    }
    if (is_constant(in) || !image_input(node, 0)) {
      if (is_constant(in)) unsupported(node, "input is a constant");
      return std::nullopt;
    }
    shuffle_views_[node.output(0)] = {in, (*y)[1], false};
    return std::nullopt;
  }
  return flatten(node);
}

std::optional<LayerPlan> GraphTranslator::transpose(const onnx::NodeProto& node) {
  const std::string& in = node.input(0);
  if (poisoned_.count(in)) {
    for (const auto& o : node.output()) poisoned_.insert(o);
    return std::nullopt;
  }
  const auto perm = ints_attribute(node, "perm", {});
  auto view = shuffle_views_.find(in);
  if (view == shuffle_views_.end() || view->second.transposed || perm != std::vector<int64_t>{0, 2, 1, 3, 4}) {
    unsupported(node, "attribute perm " + list_text(perm) +
                          ": vkcnn transposes only inside a channel shuffle (Reshape to (N, g, C/g, H, W), "
                          "Transpose (0, 2, 1, 3, 4), Reshape back)");
    return std::nullopt;
  }
  ShuffleView t = view->second;
  t.transposed = true;
  shuffle_views_[node.output(0)] = t;
  return std::nullopt;
}

std::optional<LayerPlan> GraphTranslator::slice(const onnx::NodeProto& node) {
  const Dims* x = image_input(node, 0);
  if (!x) return std::nullopt;
  auto ints = [&](int k, std::vector<int64_t> fallback) -> std::optional<std::vector<int64_t>> {
    if (k >= node.input_size() || node.input(k).empty()) return fallback;
    auto it = int_constants_.find(node.input(k));
    if (it == int_constants_.end()) return std::nullopt;
    return it->second;
  };
  auto starts = ints(1, {}), ends = ints(2, {}), axes = ints(3, {0}), steps = ints(4, {1});
  if (!starts || !ends || !axes || !steps) {
    unsupported(node, "inputs starts, ends, axes and steps must be constants (or shapes vkcnn-import can fold)");
    return std::nullopt;
  }
  if (node.input_size() <= 3 || node.input(3).empty()) {  // default: axes 0, 1, ...
    axes->assign(starts->size(), 0);
    std::iota(axes->begin(), axes->end(), 0);
  }
  if (steps->size() == 1 && starts->size() > 1) steps->assign(starts->size(), (*steps)[0]);
  if (ends->size() != starts->size() || axes->size() != starts->size() || steps->size() != starts->size()) {
    unsupported(node, "inputs starts, ends, axes and steps differ in length");
    return std::nullopt;
  }
  int64_t start = 0, end = (*x)[1];
  for (std::size_t i = 0; i < starts->size(); ++i) {
    const int64_t axis = (*axes)[i] < 0 ? (*axes)[i] + 4 : (*axes)[i];
    const int64_t extent = axis >= 0 && axis < 4 ? (*x)[axis] : -1;
    const int64_t b = slice_bound((*starts)[i], extent), e = slice_bound((*ends)[i], extent);
    const bool whole = b == 0 && e == extent && (*steps)[i] == 1;
    if (axis == 1 && (*steps)[i] == 1) {
      start = b, end = e;
    } else if (!whole) {
      unsupported(node, "slicing axes " + list_text(*axes) + " with steps " + list_text(*steps) +
                            ": vkcnn slices channels (axis 1, step 1) only");
      return std::nullopt;
    }
  }
  if (start >= end) {
    unsupported(node, "the slice of channels [" + std::to_string(start) + ", " + std::to_string(end) + ") is empty");
    return std::nullopt;
  }
  LayerPlan p;
  p.inputs = {node.input(0)};
  if (start == 0 && end == (*x)[1]) return p;  // all of it
  p.type = "channel_slice";
  p.attributes = {{"start", start}, {"end", end}};
  return p;
}

void GraphTranslator::split(const onnx::NodeProto& node) {
  const Dims* x = image_input(node, 0);
  if (!x) return;
  int64_t axis = int_attribute(node, "axis", 0);
  if (axis < 0) axis += 4;
  if (axis != 1) {
    unsupported(node, "attribute axis " + std::to_string(int_attribute(node, "axis", 0)) +
                          ": vkcnn splits channels (axis 1) only");
    return;
  }
  std::vector<int64_t> sizes;
  if (opset_ >= 13 && node.input_size() > 1 && !node.input(1).empty()) {
    auto it = int_constants_.find(node.input(1));
    if (it == int_constants_.end()) {
      unsupported(node, "input split must be a constant");
      return;
    }
    sizes = it->second;
  } else {
    sizes = ints_attribute(node, "split", {});
  }
  const int64_t outputs = node.output_size(), channels = (*x)[1];
  if (sizes.empty()) {
    if (channels % outputs != 0) {
      unsupported(node, std::to_string(channels) + " channels do not split evenly into " + std::to_string(outputs) +
                            " outputs");
      return;
    }
    sizes.assign(static_cast<std::size_t>(outputs), channels / outputs);
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (static_cast<int64_t>(sizes.size()) != outputs || total != channels ||
      std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s < 1; })) {
    unsupported(node, "split " + list_text(sizes) + " does not cut " + std::to_string(channels) + " channels into " +
                          std::to_string(outputs) + " non-empty outputs");
    return;
  }
  int64_t start = 0;
  for (int i = 0; i < node.output_size(); ++i) {
    LayerPlan p;
    p.inputs = {node.input(0)};
    if (sizes[i] != channels) {
      p.type = "channel_slice";
      p.attributes = {{"start", start}, {"end", start + sizes[i]}};
    }
    start += sizes[i];
    if (!node.output(i).empty()) apply(node, std::move(p), node.output(i));
  }
}

}  // namespace vkcnn::onnx_import
