// Image files for the tools: the size is read from the file's header and checked before
// OpenCV decodes anything, so that a small crafted file (a 30000x30000 PNG is under 1 MB)
// cannot make a tool allocate gigabytes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace vkcnn::tools {

// 64 megapixels (8192 x 8192): at most 256 MiB decoded as BGRA.
inline constexpr uint64_t kMaxImagePixels = uint64_t(1) << 26;

struct ImageSize {
  uint32_t width = 0, height = 0;
};

// Width and height from a PNG, JPEG or BMP header; nullopt for other formats (OpenCV then
// applies its own limit of 2^30 pixels). Throws Error naming the file for an unreadable file
// or a header that announces no pixels.
std::optional<ImageSize> image_size_from_header(const std::string& path);

// cv::imread(path, flags) after the size check: Error naming the file when the image is larger
// than kMaxImagePixels or cannot be decoded.
cv::Mat read_image(const std::string& path, int flags);

}  // namespace vkcnn::tools
