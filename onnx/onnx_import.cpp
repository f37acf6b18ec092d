#include "onnx_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/json_text.h>
#include <vkcnn/vk/check.h>

#include "onnx_attributes.h"
#include "onnx_file.h"
#include "onnx_fold.h"
#include "onnx_ops.h"

namespace vkcnn {
namespace {

using onnx_import::Dims;
using onnx_import::GraphTranslator;

// The opsets whose op definitions the translation follows (Softmax's axis changed in 13,
// Clip's bounds became inputs in 11, ReduceMean's axes become an input in 18).
constexpr int64_t kFirstOpset = 11, kLastOpset = 17;

Dims dims_of(const onnx::ValueInfoProto& v) {
  Dims d;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return d;
  for (const auto& dim : v.type().tensor_type().shape().dim()) d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  return d;
}

std::string dims_text(const Dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i)
    s += (i ? ", " : "") + (d[i] < 0 ? std::string("?") : std::to_string(d[i]));
  return s + ")";
}

// The graph inputs that are not initializers (weights, or inputs bound to constants).
std::vector<const onnx::ValueInfoProto*> computed_inputs(const onnx::GraphProto& g) {
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& v : g.input())
    if (!initializers.count(v.name())) inputs.push_back(&v);
  return inputs;
}

// The one graph input that is not an initializer: a float (N, C, H, W) image.
const onnx::ValueInfoProto& image_input(const onnx::GraphProto& g, const std::string& path) {
  const std::vector<const onnx::ValueInfoProto*> inputs = computed_inputs(g);
  if (inputs.size() != 1)
    throw Error(path + ": the model has " + std::to_string(inputs.size()) +
                " inputs besides its weights; vkcnn imports models with one image input");
  const auto& in = *inputs[0];
  const Dims d = dims_of(in);
  const bool is_float = in.type().has_tensor_type() && in.type().tensor_type().elem_type() == onnx::TensorProto::FLOAT;
  if (!is_float || d.size() != 4 || d[1] < 1 || d[2] < 1 || d[3] < 1)
    throw Error(path + ": input '" + in.name() + "' " + dims_text(d) +
                " is not an image: vkcnn needs a float (N, C, H, W) tensor with C, H and W fixed");
  if (d[1] != 1 && d[1] != 3)
    throw Error(path + ": input '" + in.name() + "' has " + std::to_string(d[1]) +
                " channels; vkcnn's preprocessing feeds 1 (gray) or 3 (rgb, bgr)");
  return in;
}

// Test mode's input: the one graph input that is not an initializer, a float tensor of rank 1
// to 4 with every dim fixed. Returns its dims padded to (N, C, H, W) with trailing 1s.
Dims tensor_input(const onnx::GraphProto& g, const std::string& path, const onnx::ValueInfoProto*& input) {
  const std::vector<const onnx::ValueInfoProto*> inputs = computed_inputs(g);
  if (inputs.size() != 1)
    throw Error(path + ": the model has " + std::to_string(inputs.size()) +
                " inputs besides its weights and bound constants; vkcnn runs one input tensor");
  input = inputs[0];
  Dims d = dims_of(*input);
  const bool is_float =
      input->type().has_tensor_type() && input->type().tensor_type().elem_type() == onnx::TensorProto::FLOAT;
  const bool fixed = std::all_of(d.begin(), d.end(), [](int64_t v) { return v >= 1; });
  if (!is_float || d.empty() || d.size() > 4 || !fixed)
    throw Error(path + ": input '" + input->name() + "' " + dims_text(d) +
                " is not a float tensor of rank 1 to 4 with fixed, non-zero dims");
  d.resize(4, 1);
  return d;
}

// Test mode's output: one float tensor with every dim fixed; returns its element count.
int64_t tensor_output(const onnx::GraphProto& g, const std::string& path) {
  if (g.output_size() != 1)
    throw Error(path + ": the model has " + std::to_string(g.output_size()) +
                " outputs; vkcnn computes one output tensor");
  const auto& output = g.output(0);
  const Dims d = dims_of(output);
  const bool is_float =
      output.type().has_tensor_type() && output.type().tensor_type().elem_type() == onnx::TensorProto::FLOAT;
  int64_t count = 1;
  for (int64_t v : d) count = v < 1 || count < 1 ? -1 : count * v;
  if (!is_float || count < 1)
    throw Error(path + ": output '" + output.name() + "' " + dims_text(d) +
                " is not a float tensor with fixed, non-zero dims");
  return count;
}

// Graph inputs given values: they become initializers, and the shapes are inferred again with
// them (a Reshape's output shape depends on its shape input's value).
void bind_inputs(onnx::ModelProto& model, const std::vector<onnx::TensorProto>& tensors, const std::string& path) {
  auto& g = *model.mutable_graph();
  for (const onnx::TensorProto& t : tensors) {
    const bool is_input = std::any_of(g.input().begin(), g.input().end(),
                                      [&](const onnx::ValueInfoProto& v) { return v.name() == t.name(); });
    const bool is_initializer = std::any_of(g.initializer().begin(), g.initializer().end(),
                                            [&](const onnx::TensorProto& i) { return i.name() == t.name(); });
    if (!is_input || is_initializer)
      throw Error(path + ": cannot bind '" + t.name() + "' to a constant: the graph has no such input" +
                  (is_initializer ? " (it is an initializer)" : ""));
    *g.add_initializer() = t;
  }
  g.clear_value_info();
  check_and_infer_shapes(model, path);
}

// Preprocessing, labels and a declared output kind that vkcnn-export stored in the model's metadata.
void apply_metadata(const onnx::ModelProto& model, ModelSpec& spec, const std::string& path) {
  for (const auto& kv : model.metadata_props()) {
    if (kv.key() == "vkcnn.input") {
      nlohmann::json input = parse_json(kv.value(), path, "metadata vkcnn.input");
      input["channels"] = spec.input.channels;
      input["height"] = spec.input.height;
      input["width"] = spec.input.width;
      nlohmann::json probe = {{"input", input}, {"layers", {{{"type", "relu"}}}}};
      spec.input = parse_model_spec(probe.dump(), path + " (metadata vkcnn.input)").input;
    } else if (kv.key() == "vkcnn.name") {
      spec.name = kv.value();
    } else if (kv.key() == "vkcnn.labels") {
      nlohmann::json labels = parse_json(kv.value(), path, "metadata vkcnn.labels");
      nlohmann::json probe = {{"input", {{"channels", 1}, {"height", 1}, {"width", 1}}},
                              {"labels", labels},
                              {"layers", {{{"type", "relu"}}}}};
      spec.labels = parse_model_spec(probe.dump(), path + " (metadata vkcnn.labels)").labels;
    } else if (kv.key() == "vkcnn.output") {
      spec.output = output_kind_from_string(kv.value());
      if (!spec.output)
        throw Error(path + ": metadata vkcnn.output \"" + kv.value() + "\" is not one of " + output_kind_names());
    }
  }
}

void apply_options(const ImportOptions& o, ModelSpec& spec, const std::string& path) {
  InputSpec& in = spec.input;
  if (o.color) {
    if ((*o.color == ColorOrder::Gray) != (in.channels == 1))
      throw Error(path + ": --color " + to_string(*o.color) + " does not fit the model's " +
                  std::to_string(in.channels) + " input channel(s)");
    in.color = *o.color;
  }
  auto per_channel = [&](const std::optional<std::vector<float>>& v, std::vector<float>& into, const char* flag) {
    if (!v) return;
    if (v->size() != in.channels)
      throw Error(path + ": " + flag + " has " + std::to_string(v->size()) + " values; the model has " +
                  std::to_string(in.channels) + " input channel(s)");
    into = *v;
  };
  per_channel(o.mean, in.mean, "--mean");
  per_channel(o.std, in.std, "--std");
  if (o.resize) in.resize = *o.resize;
  if (o.crop && in.resize != ResizeMode::CenterCrop)
    throw Error(path + ": --crop keeps a share of the shorter side for --resize center-crop; the resize is " +
                to_string(in.resize));
  if (o.crop) in.crop = *o.crop;  // its range is checked with the rest of the spec below
  if (o.name) spec.name = *o.name;
  if (o.labels) spec.labels = *o.labels;
  if (o.output) spec.output = *o.output;
}

}  // namespace

std::vector<std::string> read_labels_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the labels file");
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw Error(path + ": the labels file holds no labels");
  return labels;
}

ModelFile import_onnx(const std::string& path, const ImportOptions& options) {
  return import_onnx(read_onnx_model(path), path, options);
}

ModelFile import_onnx(onnx::ModelProto model, const std::string& path, const ImportOptions& options) {
  const auto& g = model.graph();
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < kFirstOpset || opset > kLastOpset)
    throw Error(path + ": ONNX opset " + std::to_string(opset) + " is not supported (vkcnn-import reads opsets " +
                std::to_string(kFirstOpset) + " to " + std::to_string(kLastOpset) +
                "; convert it with "
                "onnx.version_converter)");

  if (!options.constant_inputs.empty()) bind_inputs(model, options.constant_inputs, path);
  const onnx::ValueInfoProto* input = nullptr;
  Dims in;
  if (options.tensor_io) {
    in = tensor_input(g, path, input);
  } else {
    input = &image_input(g, path);
    in = dims_of(*input);
  }
  const int64_t out_count = options.tensor_io ? tensor_output(g, path) : 0;
  if (!options.tensor_io && g.output_size() != 1)
    throw Error(path + ": the model has " + std::to_string(g.output_size()) +
                " outputs; vkcnn imports classifiers with one (N, classes) output");
  const auto& output = g.output(0);
  const Dims out = dims_of(output);
  if (!options.tensor_io && (out.size() != 2 || out[1] < 1))
    throw Error(path + ": output '" + output.name() + "' " + dims_text(out) + " is not (N, classes)");

  fold_shape_arithmetic(model, path);
  GraphTranslator t(model, input->name());
  t.translate();
  if (!t.problems().empty()) {
    std::string ops, list;
    for (const auto& op : t.problem_ops()) ops += (ops.empty() ? "" : ", ") + op;
    for (const auto& p : t.problems()) list += "\n  " + p;
    throw Error(path + ": " + std::to_string(t.problems().size()) + " node(s) cannot be imported (" + ops +
                "):" + list);
  }
  const auto producer = t.producer(output.name());
  if (t.layers().empty() || !producer || *producer != t.layers().back().name)
    throw Error(path + ": output '" + output.name() + "' is not computed by the last layer of the graph");

  ModelFile file;
  file.spec.input.channels = static_cast<uint32_t>(in[1]);
  file.spec.input.height = static_cast<uint32_t>(in[2]);
  file.spec.input.width = static_cast<uint32_t>(in[3]);
  file.spec.input.color = in[1] == 1 ? ColorOrder::Gray : ColorOrder::RGB;
  file.spec.input.mean.assign(in[1], 0.f);
  file.spec.input.std.assign(in[1], 1.f);
  file.spec.name = g.name().empty() ? std::filesystem::path(path).stem().string() : g.name();
  file.spec.layers = t.layers();
  file.weights = t.weights();
  if (!options.tensor_io) {
    apply_metadata(model, file.spec, path);
    apply_options(options, file.spec, path);
  }

  // The same checks read_model_file applies, so that what is written reads back. ONNX's names
  // are protobuf proto2 strings, which nothing forces to be UTF-8; JSON text must be.
  // Test mode's input may have any number of channels, which the file format's input does not
  // allow: the layers are checked with a stand-in input, and the real one is put back.
  const InputSpec tensor_input_spec = file.spec.input;
  if (options.tensor_io) file.spec.input = InputSpec{};
  std::string spec_text;
  try {
    spec_text = to_json(file.spec).dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": a node, initializer or metadata string is not valid UTF-8");
  }
  file.spec = parse_model_spec(spec_text, path);
  if (options.tensor_io) file.spec.input = tensor_input_spec;
  const Graph graph(file.spec, path);
  if (options.tensor_io) {
    const std::size_t count = graph.output_shape(static_cast<uint32_t>(in[0])).count();
    if (count != static_cast<std::size_t>(out_count))
      throw Error(path + ": the translated graph computes " + std::to_string(count) + " values for output '" +
                  output.name() + "' " + dims_text(out) + ", ONNX says " + std::to_string(out_count));
  } else if (graph.classes() != static_cast<uint32_t>(out[1])) {
    throw Error(path + ": the translated graph has " + std::to_string(graph.classes()) + " outputs, ONNX says " +
                std::to_string(out[1]));
  }
  for (const ParamEntry& p : graph.params()) {
    auto w = file.weights.find(p.name);
    if (w == file.weights.end() || w->second.dims != p.dims)
      throw Error(path + ": tensor '" + p.name + "' has dims " +
                  (w == file.weights.end() ? std::string("(missing)") : onnx_import::list_text(w->second.dims)) +
                  ", the layer needs " + onnx_import::list_text(p.dims));
  }
  check_weight_values(graph, file.weights, path);
  return file;
}

}  // namespace vkcnn
