// Generic safetensors reading and writing (https://github.com/huggingface/safetensors#format):
//   8 bytes  header length N, u64 little-endian
//   N bytes  JSON object: {"__metadata__": {string: string}, "<name>": {"dtype": "F32",
//            "shape": [..], "data_offsets": [begin, end)}, ...}, may be padded with spaces
//   rest     the byte buffer; offsets are relative to its first byte, little-endian, row-major.
// The reader enforces the format's rules, each with its own message starting with the origin
// (the file path): header begins with '{', no duplicate keys, every byte of the buffer belongs
// to exactly one tensor (no holes, no overlaps, nothing trailing), shape x dtype size == span.
// Files are read with plain reads and size checks (no mmap), so a truncated file is an error,
// never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkcnn::safetensors {

// The reference implementation's cap: a corrupt length must not make us allocate gigabytes.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorInfo {
  std::string dtype;            // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;   // [] is a scalar (one element)
  uint64_t begin = 0, end = 0;  // [begin, end) in the byte buffer
};

struct File {
  std::string origin;                                          // prefixes every error
  std::optional<std::map<std::string, std::string>> metadata;  // "__metadata__", when present
  std::map<std::string, TensorInfo> tensors;
  std::vector<std::byte> buffer;  // the byte buffer (everything after the header)

  std::span<const std::byte> data(const TensorInfo& t) const {
    return std::span<const std::byte>(buffer).subspan(t.begin, t.end - t.begin);
  }
};

// Bytes per element of a safetensors dtype; 0 for a dtype this reader does not know.
std::size_t dtype_size(std::string_view dtype);
// Element count of a shape; nullopt on overflow or a negative dim.
std::optional<uint64_t> element_count(std::span<const int64_t> shape);
// "[64, 32, 3, 3]", the way PyTorch prints a size.
std::string shape_str(std::span<const int64_t> shape);

// Parses and validates a whole file image; `origin` starts every error message.
File parse(std::span<const std::byte> bytes, const std::string& origin);
// Reads `path` (a regular file) and parses it. The header is read and checked against the file
// size first, so a corrupt header never makes it allocate more than the file holds.
File read_file(const std::string& path);

// Tensor `name` as float32 values: F32 as stored, F16 and BF16 widened (exactly). Any other
// dtype is an Error naming the tensor and its dtype.
std::vector<float> to_f32(const File& file, const std::string& name);

struct TensorRef {
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;  // little-endian, row-major; shape x dtype size bytes
};

// The file image the way Python's safetensors lays it out: tensors sorted by name with
// contiguous offsets, compact JSON header ("__metadata__" first, left out when empty) padded
// with spaces to a multiple of 8 so the data is 8-byte aligned. Errors name `origin`.
std::vector<std::byte> serialize(const std::map<std::string, std::string>& metadata,
                                 const std::map<std::string, TensorRef>& tensors, const std::string& origin);
// Writes serialize()'s bytes atomically: a temporary file in the same directory, fsync, rename.
// On failure the temporary file is removed, an existing `path` is left untouched, and the
// Error names `path`.
void write_file(const std::string& path, const std::map<std::string, std::string>& metadata,
                const std::map<std::string, TensorRef>& tensors);

// Writes `bytes` to `path` atomically as above (what write_file does after serialize).
void write_bytes_atomically(const std::string& path, std::span<const std::byte> bytes);

}  // namespace vkcnn::safetensors
