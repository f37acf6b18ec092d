// The architecture half of a model: input description, labels, layers (docs/design.md, "Model files").
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vkcnn {

inline constexpr const char* kModelFormat = "vkcnn-model/1";

enum class ColorOrder { Gray, RGB, BGR };
enum class ResizeMode { Stretch, Letterbox, CenterCrop };
// What the model's output is, and so how vkcnn::probabilities() turns it into scores: logits
// (softmax of them), softmax (as they are), sigmoid (independent per-class scores, as they are),
// log_softmax (log-probabilities: exp of them). The one list is output_kinds().
enum class OutputKind { Logits, Softmax, Sigmoid, LogSoftmax };

struct InputSpec {
  uint32_t channels = 1, height = 28, width = 28;
  ColorOrder color = ColorOrder::Gray;
  std::vector<float> mean{0.f}, std{1.f};  // one per channel, applied after scaling pixels to [0, 1]
  ResizeMode resize = ResizeMode::Stretch;
  // center-crop only: the share of the shorter side the crop keeps. 1 keeps all of it;
  // torchvision's Resize(256) + CenterCrop(224) keeps 224/256 = 0.875.
  float crop = 1.f;
};

struct LayerSpec {
  std::string type;
  std::string name;                 // given, or "<type><index>" when the spec leaves it out
  std::vector<std::string> inputs;  // names of the layers this one reads; empty = the previous layer
  nlohmann::json attributes;        // the layer's JSON object as written
};

struct ModelSpec {
  std::string name;
  InputSpec input;
  std::vector<std::string> labels;
  std::vector<LayerSpec> layers;
  // "output": declared by the file, or (absent) inferred from the last layer: softmax,
  // sigmoid, log_softmax, else logits (see output_kind() in <vkcnn/model/scores.h>).
  std::optional<OutputKind> output;
};

// Parses and checks an architecture (JSON text); `origin` (a file name) prefixes every error.
// Checks syntax, required fields, value ranges, duplicate names and dangling `inputs`, not
// shapes (Graph does those).
ModelSpec parse_model_spec(const std::string& json_text, const std::string& origin);
ModelSpec load_model_spec(const std::string& path);  // a .json architecture file
nlohmann::json to_json(const ModelSpec& spec);

const char* to_string(ColorOrder c);
const char* to_string(ResizeMode r);
const char* to_string(OutputKind k);
// Every output kind, in the order of the enum; output_kind_from_string reads their names.
std::span<const OutputKind> output_kinds();
std::optional<OutputKind> output_kind_from_string(std::string_view name);
std::string output_kind_names();  // "logits, softmax, sigmoid, log_softmax", for messages

}  // namespace vkcnn
