#include <algorithm>
#include <vector>

#include <vkcnn/model/json_text.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

using nlohmann::json;

// Thrown from inside the parser's callback to stop at the first problem.
struct Rejected {
  std::string why;
};

}  // namespace

json parse_json(std::string_view text, const std::string& origin, const std::string& what, JsonParseOptions options) {
  std::vector<std::vector<std::string>> keys_per_object;  // one list per open object
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        // `depth` counts the enclosing containers; the one opening here is one more.
        if (depth + 1 > kMaxJsonDepth) throw Rejected{"nests deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
        if (event == json::parse_event_t::object_start && options.reject_duplicate_keys) keys_per_object.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (options.reject_duplicate_keys) keys_per_object.pop_back();
        break;
      case json::parse_event_t::key:
        if (options.reject_duplicate_keys) {
          auto& keys = keys_per_object.back();
          const std::string& key = parsed.get_ref<const std::string&>();
          if (std::find(keys.begin(), keys.end(), key) != keys.end())
            throw Rejected{"has the key " + json_excerpt(parsed) + " twice (duplicate keys are not allowed)"};
          keys.push_back(key);
        }
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const Rejected& r) {
    throw Error(origin + ": " + what + " " + r.why);
  } catch (const json::exception& e) {
    throw Error(origin + ": " + what + " is not valid JSON: " + excerpt(e.what(), 200));
  }
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  std::size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string json_excerpt(const json& value, std::size_t max_chars) {
  return excerpt(value.dump(-1, ' ', false, json::error_handler_t::replace), max_chars);
}

}  // namespace vkcnn
