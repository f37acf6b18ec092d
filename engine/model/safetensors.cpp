#include "model/safetensors.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <tuple>
#include <unistd.h>
#include <utility>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <vkcnn/model/json_text.h>
#include <vkcnn/vk/check.h>

namespace vkcnn::safetensors {

// Data is copied byte for byte into floats, which is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using nlohmann::json;

Error error(const std::string& origin, const std::string& what) { return Error(origin + ": " + what); }

// A tensor name as messages quote it: names come from the file and may be megabytes long.
std::string in_quotes(const std::string& name) { return "'" + excerpt(name) + "'"; }

// A JSON value that must be an integer in [0, 2^63).
std::optional<int64_t> non_negative(const json& v) {
  if (!v.is_number_unsigned()) return std::nullopt;
  uint64_t u = v.get<uint64_t>();
  if (u > uint64_t(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(u);
}

TensorInfo parse_entry(const std::string& name, const json& entry, uint64_t data_size, const std::string& origin) {
  auto bad = [&](const std::string& what) { return error(origin, "tensor " + in_quotes(name) + ": " + what); };
  if (!entry.is_object()) throw bad("entry must be an object with \"dtype\", \"shape\" and \"data_offsets\"");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(key)) throw bad(std::string("entry has no \"") + key + "\"");

  TensorInfo t;
  if (!entry["dtype"].is_string()) throw bad("\"dtype\" must be a string");
  t.dtype = entry["dtype"].get<std::string>();
  if (dtype_size(t.dtype) == 0) throw bad("unknown dtype \"" + t.dtype + "\"");

  const json& shape = entry["shape"];
  if (!shape.is_array()) throw bad("\"shape\" must be an array of non-negative integers");
  for (const json& d : shape) {
    auto dim = non_negative(d);
    if (!dim) throw bad("\"shape\" must be an array of non-negative integers, got " + json_excerpt(shape));
    t.shape.push_back(*dim);
  }

  const json& offsets = entry["data_offsets"];
  std::optional<int64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) begin = non_negative(offsets[0]), end = non_negative(offsets[1]);
  if (!begin || !end || *begin > *end)
    throw bad("\"data_offsets\" must be [begin, end] with 0 <= begin <= end, got " + json_excerpt(offsets));
  t.begin = static_cast<uint64_t>(*begin);
  t.end = static_cast<uint64_t>(*end);

  auto count = element_count(t.shape);
  if (!count || *count > UINT64_MAX / dtype_size(t.dtype)) throw bad("shape " + shape_str(t.shape) + " is too large");
  uint64_t need = *count * dtype_size(t.dtype);
  if (t.end - t.begin != need)
    throw bad("shape " + shape_str(t.shape) + " of " + t.dtype + " needs " + std::to_string(need) +
              " bytes but data_offsets " + json_excerpt(offsets) + " span " + std::to_string(t.end - t.begin));
  if (t.end > data_size)
    throw bad("data_offsets " + json_excerpt(offsets) + " run past the end of the data (" + std::to_string(data_size) +
              " bytes after the header); the file is truncated or the header is wrong");
  return t;
}

// The format requires every byte of the buffer to belong to exactly one tensor: no overlaps
// (two names for the same bytes), no holes and nothing after the last tensor (room for hidden
// content, "polyglot" files). Zero-size tensors take no room and may sit anywhere between.
void check_coverage(const std::map<std::string, TensorInfo>& tensors, uint64_t data_size, const std::string& origin) {
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> spans;
  for (const auto& [name, t] : tensors) spans.emplace_back(t.begin, t.end, name);
  std::sort(spans.begin(), spans.end());
  uint64_t covered = 0;
  std::string previous;
  for (const auto& [begin, end, name] : spans) {
    if (begin < covered)
      throw error(origin, "tensors " + in_quotes(previous) + " and " + in_quotes(name) + " overlap (" +
                              in_quotes(name) + " starts at byte " + std::to_string(begin) + ", before " +
                              std::to_string(covered) + ")");
    if (begin > covered)
      throw error(origin, "bytes [" + std::to_string(covered) + ", " + std::to_string(begin) +
                              ") of the data belong to no tensor (a hole before " + in_quotes(name) +
                              "); safetensors requires the data to be fully covered");
    covered = end;
    if (begin != end) previous = name;
  }
  if (covered != data_size)
    throw error(origin, std::to_string(data_size - covered) + " bytes after the last tensor belong to no tensor " +
                            "(trailing garbage, or a header that lost some tensors)");
}

// The 8-byte length N, checked against the cap and what the file holds.
uint64_t header_length(std::span<const std::byte> bytes, uint64_t file_size, const std::string& origin) {
  if (file_size < 8)
    throw error(origin, "file is " + std::to_string(file_size) +
                            " bytes, too short to be a safetensors file (the header length alone takes 8)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | std::to_integer<uint64_t>(bytes[i]);
  if (n == 0) throw error(origin, "header length is 0; not a safetensors file");
  if (n > kMaxHeaderBytes) {
    // A JSON architecture passed where a model belongs is the likeliest mix-up; say so.
    std::string hint = bytes[0] == std::byte{'{'} ? " (it starts with '{': a JSON file?)" : "";
    throw error(origin, "header length " + std::to_string(n) + " is above the limit of " +
                            std::to_string(kMaxHeaderBytes) + " bytes; corrupt, or not a safetensors file" + hint);
  }
  if (n > file_size - 8)
    throw error(origin, "header length " + std::to_string(n) + " runs past the end of the file (" +
                            std::to_string(file_size) + " bytes); the file is truncated or not a safetensors file");
  return n;
}

// Everything in the JSON header; `data_size` is what follows the header in the file.
File parse_header(std::string_view text, uint64_t data_size, const std::string& origin) {
  if (text.front() != '{') throw error(origin, "header must be a JSON object starting with '{'");
  // A key twice in one object is valid JSON to nlohmann (it keeps the last), but the format
  // forbids it: a file could otherwise show different tensors to different readers.
  json header = parse_json(text, origin, "header", {.reject_duplicate_keys = true});
  if (!header.is_object()) throw error(origin, "header must be a JSON object starting with '{'");

  File file;
  file.origin = origin;
  for (const auto& [key, value] : header.items()) {
    if (key != "__metadata__") {
      file.tensors.emplace(key, parse_entry(key, value, data_size, origin));
      continue;
    }
    if (!value.is_object()) throw error(origin, "__metadata__ must be an object mapping strings to strings");
    auto& metadata = file.metadata.emplace();
    for (const auto& [mkey, mvalue] : value.items()) {
      if (!mvalue.is_string())
        throw error(origin, "__metadata__ must map strings to strings, but \"" + excerpt(mkey) + "\" holds " +
                                json_excerpt(mvalue));
      metadata.emplace(mkey, mvalue.get<std::string>());
    }
  }
  check_coverage(file.tensors, data_size, origin);
  return file;
}

// IEEE half to float; every half is exactly representable as a float.
float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)  // inf, nan (payload kept)
                                   : sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  return std::bit_cast<float>(bits);
}

// Reads exactly `out.size()` bytes; false at a premature end of file.
bool read_exactly(int fd, std::span<std::byte> out, const std::string& path) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t r = ::read(fd, out.data() + done, out.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw error(path, std::string("cannot read: ") + std::strerror(errno));
    if (r == 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

std::size_t dtype_size(std::string_view dtype) {
  static const std::map<std::string_view, std::size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8},
  };
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::optional<uint64_t> element_count(std::span<const int64_t> shape) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d != 0 && n > UINT64_MAX / uint64_t(d)) return std::nullopt;
    n *= uint64_t(d);
  }
  return n;
}

std::string shape_str(std::span<const int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

File parse(std::span<const std::byte> bytes, const std::string& origin) {
  uint64_t n = header_length(bytes, bytes.size(), origin);
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8, n);
  File file = parse_header(text, bytes.size() - 8 - n, origin);
  file.buffer.assign(bytes.begin() + 8 + n, bytes.end());
  return file;
}

File read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw error(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw error(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw error(path, "not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::string shrank = "the file got shorter while it was being read";

  // Length and header first, so a corrupt length is caught before allocating for the data.
  std::byte prefix[8] = {};
  if (size >= 8 && !read_exactly(fd.get(), prefix, path)) throw error(path, shrank);
  uint64_t n = header_length(prefix, size, path);
  std::string text(n, '\0');
  if (!read_exactly(fd.get(), std::as_writable_bytes(std::span(text)), path)) throw error(path, shrank);
  File file = parse_header(text, size - 8 - n, path);
  file.buffer.resize(size - 8 - n);
  if (!read_exactly(fd.get(), file.buffer, path)) throw error(path, shrank);
  return file;
}

void write_bytes_atomically(const std::string& path, std::span<const std::byte> bytes) {
  auto fail = [&](const std::string& step, int err) {
    return error(path, "cannot write: " + step + ": " + std::strerror(err));
  };
  // A unique name next to the target: rename() is atomic only within one file system.
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int raw = -1;
  while (raw < 0) {
    tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    raw = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // 0666 & ~umask, like any new file
    if (raw < 0 && errno != EEXIST) throw fail("cannot create the temporary file " + tmp, errno);
  }
  Fd fd(raw);
  auto abandon = [&](const std::string& step) {
    int err = errno;
    ::close(fd.release());
    ::unlink(tmp.c_str());
    return fail(step, err);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw abandon("writing " + tmp);
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd.get()) != 0) throw abandon("flushing " + tmp);
  if (::close(fd.release()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw fail("closing " + tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw fail("renaming " + tmp + " over it", err);
  }
  // Make the rename itself durable; a failure here leaves a complete file, so it is not an error.
  std::string dir = std::filesystem::path(path).parent_path().string();
  Fd dfd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
}

std::vector<float> to_f32(const File& file, const std::string& name) {
  auto it = file.tensors.find(name);
  if (it == file.tensors.end()) throw error(file.origin, "no tensor " + in_quotes(name));
  const TensorInfo& t = it->second;
  std::span<const std::byte> data = file.data(t);
  std::vector<float> out(*element_count(t.shape));
  if (t.dtype == "F32") {
    // A zero-size tensor has no storage: memcpy with a null pointer is undefined even for 0 bytes.
    if (!data.empty()) std::memcpy(out.data(), data.data(), data.size());
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    for (std::size_t i = 0; i < out.size(); ++i) {
      uint16_t v = std::to_integer<uint16_t>(data[2 * i]) | std::to_integer<uint16_t>(data[2 * i + 1]) << 8;
      // bfloat16 is the top half of a float32.
      out[i] = t.dtype == "F16" ? half_to_float(v) : std::bit_cast<float>(uint32_t(v) << 16);
    }
  } else {
    throw error(file.origin, "tensor " + in_quotes(name) + " has dtype " + t.dtype +
                                 "; only F32 is read (F16 and BF16 are widened to F32): convert it with .float()");
  }
  return out;
}

std::vector<std::byte> serialize(const std::map<std::string, std::string>& metadata,
                                 const std::map<std::string, TensorRef>& tensors, const std::string& origin) {
  // ordered_json keeps insertion order: __metadata__, then tensors by name = by offset.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw error(origin, "a tensor cannot be named __metadata__");
    auto count = element_count(t.shape);
    std::size_t size = dtype_size(t.dtype);
    if (size == 0) throw error(origin, "tensor " + in_quotes(name) + ": unknown dtype \"" + t.dtype + "\"");
    if (!count || *count > t.bytes.size() || *count * size != t.bytes.size())
      throw error(origin, "tensor " + in_quotes(name) + ": shape " + shape_str(t.shape) + " of " + t.dtype +
                              " does not match its " + std::to_string(t.bytes.size()) + " bytes");
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw error(origin, std::string("tensor names and metadata must be valid UTF-8: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as Python writes it

  std::vector<std::byte> out(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out[i] = std::byte((uint64_t(text.size()) >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::byte* data = out.data() + 8 + text.size();
  for (const auto& [name, t] : tensors) data = std::copy(t.bytes.begin(), t.bytes.end(), data);
  return out;
}

void write_file(const std::string& path, const std::map<std::string, std::string>& metadata,
                const std::map<std::string, TensorRef>& tensors) {
  write_bytes_atomically(path, serialize(metadata, tensors, path));
}

}  // namespace vkcnn::safetensors
