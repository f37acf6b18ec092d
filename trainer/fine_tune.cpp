#include "fine_tune.h"

#include <sstream>

#include <vkcnn/model/init.h>
#include <vkcnn/train/training_plan.h>
#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {
namespace {

std::string join(const std::vector<std::string>& names, std::size_t at_most = 12) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < at_most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > at_most) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

std::string describe_format(uint32_t channels, uint32_t height, uint32_t width, ColorOrder color) {
  return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width) + " (" +
         (channels == 1 ? "gray" : to_string(color)) + ")";
}

}  // namespace

std::string head_layer(const Graph& graph, const std::string& origin) {
  const std::vector<std::string> layers = layers_with_parameters(graph);
  if (layers.empty()) throw Error(origin + ": the model has no layer with parameters, so no head to replace");
  for (const GraphNode& n : graph.nodes())
    if (n.layer->name() == layers.back()) {
      if (n.layer->type() != "dense" && n.layer->type() != "conv2d")
        throw Error(origin + ": the last layer with parameters, " + std::string(n.layer->type()) + " '" +
                    layers.back() + "', is not a dense or conv2d classifier head");
      break;
    }
  return layers.back();
}

void reset_head(ModelSpec& spec, Weights& weights, const std::vector<std::string>& labels, uint32_t seed,
                const std::string& origin) {
  if (labels.empty()) throw Error(origin + ": --reset-head needs at least one class");
  const std::string head = head_layer(Graph(spec, origin), origin);
  spec.labels.clear();  // the old ones, for the old class count
  for (LayerSpec& l : spec.layers)
    if (l.name == head) l.attributes[l.type == "dense" ? "out_features" : "out_channels"] = labels.size();
  const Graph graph(spec, origin);
  const uint32_t classes = static_cast<uint32_t>(labels.size());
  if (graph.classes() != classes)
    throw Error(origin + ": with its head '" + head + "' resized to " + std::to_string(classes) +
                " outputs the model outputs " + std::to_string(graph.classes()) +
                " values per image: the head is not what sets the class count");
  // The new head, and anything after it whose shape followed it, starts as a fresh model would.
  const Weights fresh = initialize_weights(graph, seed);
  for (const ParamEntry& p : graph.params()) {
    auto it = weights.find(p.name);
    const bool is_head = p.name.rfind(head + ".", 0) == 0;
    if (is_head || it == weights.end() || it->second.dims != p.dims) weights[p.name] = fresh.at(p.name);
  }
  spec.labels = labels;
}

std::vector<std::string> freeze_list(const std::string& text, const Graph& graph, const std::string& origin) {
  if (text == "all-but-head") {
    std::vector<std::string> names = layers_with_parameters(graph);
    const std::string head = head_layer(graph, origin);
    std::erase(names, head);
    return names;
  }
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name.empty())
      throw Error("--freeze \"" + text + "\": an empty layer name (a comma list of layer names, or all-but-head)");
    names.push_back(name);
  }
  return names;
}

std::vector<float> parse_channel_values(const std::string& text, uint32_t channels, const std::string& flag) {
  std::vector<float> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      std::size_t used = 0;
      values.push_back(std::stof(item, &used));
      if (item.find_first_not_of(" \t", used) != std::string::npos) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(flag + " \"" + text + "\": \"" + item + "\" is not a number");
    }
  }
  if (values.size() != channels)
    throw Error(flag + " \"" + text + "\": " + std::to_string(values.size()) + " values for a model with " +
                std::to_string(channels) + " input channels");
  return values;
}

void check_classes(const std::vector<std::string>& model_labels, uint32_t model_outputs, const std::string& model,
                   const Dataset& data, const std::string& source) {
  if (data.classes.size() != model_outputs)
    throw Error(source + ": " + std::to_string(data.classes.size()) + " classes (" + join(data.classes) + "), but " +
                model + " outputs " + std::to_string(model_outputs) +
                ": --reset-head replaces its last layer for the dataset's classes");
  if (!model_labels.empty() && model_labels != data.classes)
    throw Error(source + ": the class names (" + join(data.classes) + ") differ from the labels of " + model + " (" +
                join(model_labels) + "): --reset-head replaces its last layer for the dataset's classes");
}

void check_input_format(const DataSplits& s, const InputSpec& in, const std::string& model, const std::string& source) {
  if (!s.file_channels) return;
  // A different channel order (RGB / BGR) is converted losslessly; size and channel count are not.
  if (s.file_channels == in.channels && s.file_height == in.height && s.file_width == in.width) return;
  throw Error(source + ": images are " + describe_format(s.file_channels, s.file_height, s.file_width, s.file_color) +
              ", but " + model + " takes " + describe_format(in.channels, in.height, in.width, in.color) +
              " input: fine-tuning keeps the model's input (an image folder, folder:DIR, is resized to it as it "
              "is read)");
}

}  // namespace vkcnn::trainer
