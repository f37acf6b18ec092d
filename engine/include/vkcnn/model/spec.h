// The architecture half of a model: input description, labels, layers (docs/design.md, "Model files").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vkcnn {

inline constexpr const char* kModelFormat = "vkcnn-model/1";

enum class ColorOrder { Gray, RGB, BGR };
enum class ResizeMode { Stretch, Letterbox, CenterCrop };

struct InputSpec {
  uint32_t channels = 1, height = 28, width = 28;
  ColorOrder color = ColorOrder::Gray;
  std::vector<float> mean{0.f}, std{1.f};  // one per channel, applied after scaling pixels to [0, 1]
  ResizeMode resize = ResizeMode::Stretch;
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
};

// Parses and checks an architecture (JSON text); `origin` (a file name) prefixes every error.
// Checks syntax, required fields, value ranges, duplicate names and dangling `inputs`, not
// shapes (Graph does those).
ModelSpec parse_model_spec(const std::string& json_text, const std::string& origin);
ModelSpec load_model_spec(const std::string& path);  // a .json architecture file
nlohmann::json to_json(const ModelSpec& spec);

const char* to_string(ColorOrder c);
const char* to_string(ResizeMode r);

}  // namespace vkcnn
