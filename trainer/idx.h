// MNIST-style IDX files (http://yann.lecun.com/exdb/mnist/): big-endian header, magic
// 0x00000803 for (N, rows, cols) ubyte images, 0x00000801 for (N) ubyte labels; gzipped or not.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"

namespace vkcnn::trainer {

// The most bytes read_maybe_gzip returns (Fashion-MNIST's largest file is 47 MB).
inline constexpr uint64_t kMaxIdxBytes = uint64_t(2) << 30;

// The whole file, decompressed when it starts with the gzip magic. Errors name the path
// (missing, unreadable, truncated or corrupt gzip stream, more than kMaxIdxBytes).
std::vector<uint8_t> read_maybe_gzip(const std::string& path, uint64_t max_bytes = kMaxIdxBytes);

// An images file and a labels file: magic, dimensions and sizes checked, counts must agree,
// labels < classes.size(). Errors name the offending file.
Dataset read_idx(const std::string& images_path, const std::string& labels_path, std::vector<std::string> classes);

// "<dir>/<prefix>-<kind>-idx<N>-ubyte" or the "<prefix>-<kind>.idx<N>-ubyte" spelling, with or
// without ".gz"; kind is "images" (idx3) or "labels" (idx1). nullopt when none exists.
std::optional<std::string> find_idx_file(const std::string& dir, const std::string& prefix, const std::string& kind);

// find_idx_file for both files of a split ("train" or "t10k"), then read_idx. `required`:
// a missing split is an Error naming the folder and the names tried; otherwise nullopt.
std::optional<Dataset> load_idx_split(const std::string& dir, const std::string& prefix,
                                      const std::vector<std::string>& classes, bool required);

}  // namespace vkcnn::trainer
