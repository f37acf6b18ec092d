#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <vkcnn/model/json_text.h>
#include <vkcnn/model/spec.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

using nlohmann::json;

// Layer and model names end up in every error message and in stream metadata.
constexpr std::size_t kMaxNameBytes = 256;

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

class SpecReader {
 public:
  explicit SpecReader(std::string origin) : origin_(std::move(origin)) {}

  Error error(const std::string& what) const { return Error(origin_ + ": " + what); }

  const json& field(const json& obj, const char* key, const char* where) const {
    if (!obj.contains(key)) throw error(std::string(where) + " lacks \"" + key + "\"");
    return obj.at(key);
  }

  uint32_t positive(const json& obj, const char* key, const char* where) const {
    const json& v = field(obj, key, where);
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 65536)
      throw error(std::string(where) + " \"" + key + "\" must be a positive integer, got " + json_excerpt(v));
    return v.get<uint32_t>();
  }

  // An optional string field; anything but a string is an error naming the field.
  std::string text(const json& obj, const char* key, const std::string& fallback, const char* where) const {
    if (!obj.contains(key)) return fallback;
    const json& v = obj.at(key);
    if (!v.is_string()) throw error(std::string(where) + " \"" + key + "\" must be a string, got " + json_excerpt(v));
    return v.get<std::string>();
  }

  // A name that messages and metadata will quote: non-empty and short.
  std::string name(const json& v, const std::string& where) const {
    if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
        v.get_ref<const std::string&>().size() > kMaxNameBytes)
      throw error(where + " must be a non-empty string of at most " + std::to_string(kMaxNameBytes) + " bytes, got " +
                  json_excerpt(v));
    return v.get<std::string>();
  }

  // Per-channel numbers, each finite and within [lo, hi].
  std::vector<float> floats(const json& obj, const char* key, std::size_t count, float fallback, double lo,
                            double hi) const {
    if (!obj.contains(key)) return std::vector<float>(count, fallback);
    const json& v = obj.at(key);
    if (!v.is_array() || v.size() != count)
      throw error(std::string("input \"") + key + "\" must be an array of " + std::to_string(count) +
                  " numbers (one per channel), got " + json_excerpt(v));
    std::vector<float> out;
    for (const json& e : v) {
      if (!e.is_number()) throw error(std::string("input \"") + key + "\" holds a non-number: " + json_excerpt(e));
      // Checked as float, the type it is used in: 1e-45 is a positive double but a denormal
      // float whose reciprocal is infinite.
      const float f = e.get<float>();
      if (!std::isfinite(f) || f < lo || f > hi)
        throw error(std::string("input \"") + key + "\" value " + json_excerpt(e) + " is outside [" + number(lo) +
                    ", " + number(hi) + "]");
      out.push_back(f);
    }
    return out;
  }

  InputSpec input(const json& j) const {
    if (!j.is_object()) throw error("\"input\" must be an object");
    InputSpec in;
    in.channels = positive(j, "channels", "input");
    in.height = positive(j, "height", "input");
    in.width = positive(j, "width", "input");
    std::string color = text(j, "color", in.channels == 1 ? "gray" : "rgb", "input");
    if (color == "gray")
      in.color = ColorOrder::Gray;
    else if (color == "rgb")
      in.color = ColorOrder::RGB;
    else if (color == "bgr")
      in.color = ColorOrder::BGR;
    else
      throw error("input \"color\" must be \"gray\", \"rgb\" or \"bgr\", got \"" + excerpt(color) + "\"");
    // The preprocessing writes one gray or three color planes: no other count can be fed.
    if (in.channels != (in.color == ColorOrder::Gray ? 1u : 3u))
      throw error("input \"color\" \"" + excerpt(color) + "\" does not fit " + std::to_string(in.channels) +
                  " channel(s)");
    // Pixels are normalised on a 0-1 scale (torchvision's convention); these bounds are far
    // outside any real normalisation and keep (x - mean) / std finite.
    in.mean = floats(j, "mean", in.channels, 0.f, -1e3, 1e3);
    in.std = floats(j, "std", in.channels, 1.f, 1e-6, 1e6);
    std::string resize = text(j, "resize", "stretch", "input");
    if (resize == "stretch")
      in.resize = ResizeMode::Stretch;
    else if (resize == "letterbox")
      in.resize = ResizeMode::Letterbox;
    else if (resize == "center-crop")
      in.resize = ResizeMode::CenterCrop;
    else
      throw error("input \"resize\" must be \"stretch\", \"letterbox\" or \"center-crop\", got \"" + excerpt(resize) +
                  "\"");
    if (j.contains("crop")) {
      const json& v = j.at("crop");
      // Below 1/64 a crop of a 1080p frame is a few pixels: surely a mistake.
      if (!v.is_number() || !(v.get<double>() >= 1.0 / 64 && v.get<double>() <= 1))
        throw error("input \"crop\" must be a number in [1/64, 1], got " + json_excerpt(v));
      if (in.resize != ResizeMode::CenterCrop)
        throw error("input \"crop\" needs \"resize\": \"center-crop\", got \"" + excerpt(resize) + "\"");
      in.crop = v.get<float>();
    }
    return in;
  }

  std::vector<LayerSpec> layers(const json& j) const {
    if (!j.is_array() || j.empty()) throw error("\"layers\" must be a non-empty array");
    std::vector<LayerSpec> out;
    std::set<std::string> names{"input"};
    for (std::size_t i = 0; i < j.size(); ++i) {
      const json& l = j[i];
      std::string where = "layer " + std::to_string(i);
      if (!l.is_object()) throw error(where + " must be an object");
      if (!l.contains("type")) throw error(where + " needs a \"type\" string");
      LayerSpec s;
      s.type = name(l.at("type"), where + " \"type\"");
      if (l.contains("name")) {
        s.name = name(l.at("name"), where + " \"name\"");
      } else {
        s.name = s.type + std::to_string(i);
      }
      if (!names.insert(s.name).second) throw error("two layers are named \"" + s.name + "\"");
      if (l.contains("inputs")) {
        const json& ins = l.at("inputs");
        if (!ins.is_array() || ins.empty()) throw error("layer '" + s.name + "': \"inputs\" must be a non-empty array");
        for (const json& e : ins) {
          if (!e.is_string()) throw error("layer '" + s.name + "': \"inputs\" must hold layer names");
          std::string ref = e.get<std::string>();
          if (!names.count(ref) || ref == s.name)
            throw error("layer '" + s.name + "' reads \"" + excerpt(ref) +
                        "\", which is not an earlier layer (or \"input\")");
          s.inputs.push_back(ref);
        }
      }
      s.attributes = l;
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  std::string origin_;
};

}  // namespace

ModelSpec parse_model_spec(const std::string& json_text, const std::string& origin) {
  SpecReader r(origin);
  const json j = parse_json(json_text, origin, "architecture");
  if (!j.is_object()) throw r.error("architecture must be a JSON object");
  if (j.contains("format") && j.at("format") != kModelFormat)
    throw r.error("unsupported format " + json_excerpt(j.at("format")) + " (this vkcnn reads \"" + kModelFormat +
                  "\")");
  ModelSpec spec;
  spec.name = r.text(j, "name", "", "architecture");
  if (spec.name.size() > kMaxNameBytes)
    throw r.error("\"name\" is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  spec.input = r.input(r.field(j, "input", "architecture"));
  if (j.contains("labels")) {
    const json& labels = j.at("labels");
    if (!labels.is_array()) throw r.error("\"labels\" must be an array of strings");
    for (const json& l : labels) {
      if (!l.is_string()) throw r.error("\"labels\" must be an array of strings");
      spec.labels.push_back(l.get<std::string>());
    }
  }
  spec.layers = r.layers(r.field(j, "layers", "architecture"));
  if (j.contains("output")) {
    const json& o = j.at("output");
    auto kind = o.is_string() ? output_kind_from_string(o.get<std::string>()) : std::nullopt;
    if (!kind) throw r.error("\"output\" " + json_excerpt(o) + " is not one of " + output_kind_names());
    spec.output = kind;
  }
  return spec;
}

ModelSpec load_model_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open architecture file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_model_spec(text.str(), path);
}

nlohmann::json to_json(const ModelSpec& spec) {
  json input = {{"channels", spec.input.channels},       {"height", spec.input.height}, {"width", spec.input.width},
                {"color", to_string(spec.input.color)},  {"mean", spec.input.mean},     {"std", spec.input.std},
                {"resize", to_string(spec.input.resize)}};
  if (spec.input.crop != 1.f) input["crop"] = spec.input.crop;
  json layers = json::array();
  for (const LayerSpec& l : spec.layers) {
    json e = l.attributes;
    e["type"] = l.type;
    e["name"] = l.name;
    if (!l.inputs.empty()) e["inputs"] = l.inputs;
    layers.push_back(std::move(e));
  }
  json out = {
      {"format", kModelFormat}, {"name", spec.name}, {"input", input}, {"labels", spec.labels}, {"layers", layers}};
  if (spec.output) out["output"] = to_string(*spec.output);
  return out;
}

const char* to_string(ColorOrder c) {
  switch (c) {
    case ColorOrder::Gray:
      return "gray";
    case ColorOrder::RGB:
      return "rgb";
    case ColorOrder::BGR:
      return "bgr";
  }
  return "?";
}

const char* to_string(ResizeMode r) {
  switch (r) {
    case ResizeMode::Stretch:
      return "stretch";
    case ResizeMode::Letterbox:
      return "letterbox";
    case ResizeMode::CenterCrop:
      return "center-crop";
  }
  return "?";
}

namespace {
struct NamedOutput {
  OutputKind kind;
  const char* name;
};
constexpr NamedOutput kOutputKinds[] = {{OutputKind::Logits, "logits"},
                                        {OutputKind::Softmax, "softmax"},
                                        {OutputKind::Sigmoid, "sigmoid"},
                                        {OutputKind::LogSoftmax, "log_softmax"}};
constexpr OutputKind kOutputKindList[] = {OutputKind::Logits, OutputKind::Softmax, OutputKind::Sigmoid,
                                          OutputKind::LogSoftmax};
}  // namespace

const char* to_string(OutputKind k) {
  for (const NamedOutput& o : kOutputKinds)
    if (o.kind == k) return o.name;
  return "?";
}

std::span<const OutputKind> output_kinds() { return kOutputKindList; }

std::optional<OutputKind> output_kind_from_string(std::string_view name) {
  for (const NamedOutput& o : kOutputKinds)
    if (o.name == name) return o.kind;
  return std::nullopt;
}

std::string output_kind_names() {
  std::string s;
  for (const NamedOutput& o : kOutputKinds) s += (s.empty() ? "" : ", ") + std::string(o.name);
  return s;
}

}  // namespace vkcnn
