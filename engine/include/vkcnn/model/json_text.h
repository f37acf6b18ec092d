// JSON that comes from files: parsing with a nesting limit, and bounded quotes for messages.
// nlohmann's parser is iterative, but copying, comparing and dump() recurse: a header nesting
// arrays 100,000 deep would overflow the stack the first time an error message quoted it. So
// every JSON text read from a file goes through parse_json(), and messages quote values only
// through json_excerpt().
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vkcnn {

// Deeper than any architecture or header needs (a model spec nests 4 levels).
inline constexpr int kMaxJsonDepth = 64;

struct JsonParseOptions {
  bool reject_duplicate_keys = false;  // safetensors forbids a key twice in one object
};

// Parses `text`, which is `what` in `origin` (e.g. "header" of "m.vkcnn"). Throws Error
// "<origin>: <what> ..." for invalid JSON, nesting deeper than kMaxJsonDepth, or a duplicate key.
nlohmann::json parse_json(std::string_view text, const std::string& origin, const std::string& what,
                          JsonParseOptions options = {});

// At most `max_chars` bytes of `text`, cut on a UTF-8 character boundary, "..." marking a cut:
// names and values quoted from a file may be megabytes long.
std::string excerpt(std::string_view text, std::size_t max_chars = 80);

// `value` as compact JSON, at most `max_chars` characters ("..." marks a cut); invalid UTF-8 in
// strings is replaced, never thrown.
std::string json_excerpt(const nlohmann::json& value, std::size_t max_chars = 80);

}  // namespace vkcnn
