#include "image_file.h"

#include <array>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include <vkcnn/vk/check.h>

namespace vkcnn::tools {
namespace {

uint32_t big_endian(const uint8_t* b, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | b[i];
  return v;
}

uint32_t little_endian32(const uint8_t* b) { return b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24; }

// JPEG: markers from the start of the file to the first start-of-frame, whose segment holds
// the height and width. Bounded by the file's size: every step moves forward.
std::optional<ImageSize> jpeg_size(std::ifstream& in, const std::string& path) {
  in.seekg(2);
  for (;;) {
    uint8_t marker[2];
    if (!in.read(reinterpret_cast<char*>(marker), 2)) break;
    if (marker[0] != 0xFF) break;
    if (marker[1] == 0xFF) {  // fill byte: the marker code follows
      in.seekg(-1, std::ios::cur);
      continue;
    }
    const uint8_t m = marker[1];
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length field
    uint8_t segment[7];
    if (!in.read(reinterpret_cast<char*>(segment), 2)) break;
    const uint32_t length = big_endian(segment, 2);
    if (length < 2) break;
    const bool start_of_frame = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (start_of_frame) {
      if (length < 7 || !in.read(reinterpret_cast<char*>(segment + 2), 5)) break;
      return ImageSize{big_endian(segment + 5, 2), big_endian(segment + 3, 2)};
    }
    in.seekg(length - 2, std::ios::cur);
  }
  throw Error(path + ": a JPEG file without a readable frame header");
}

}  // namespace

std::optional<ImageSize> image_size_from_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the image");
  std::array<uint8_t, 26> h{};
  in.read(reinterpret_cast<char*>(h.data()), h.size());
  const auto got = static_cast<std::size_t>(in.gcount());
  in.clear();

  static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (got >= 24 && std::equal(std::begin(kPng), std::end(kPng), h.begin()))
    return ImageSize{big_endian(&h[16], 4), big_endian(&h[20], 4)};  // IHDR comes first
  if (got >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) return jpeg_size(in, path);
  if (got >= 26 && h[0] == 'B' && h[1] == 'M') {
    // Height is negative for top-down bitmaps.
    const auto height = static_cast<int32_t>(little_endian32(&h[22]));
    return ImageSize{little_endian32(&h[18]), height < 0 ? 0u - static_cast<uint32_t>(height) : uint32_t(height)};
  }
  return std::nullopt;
}

cv::Mat read_image(const std::string& path, int flags) {
  if (auto size = image_size_from_header(path)) {
    const uint64_t pixels = uint64_t(size->width) * size->height;
    if (pixels == 0) throw Error(path + ": the image header announces no pixels (corrupt file)");
    if (pixels > kMaxImagePixels)
      throw Error(path + ": the image is " + std::to_string(size->width) + "x" + std::to_string(size->height) +
                  ", above the limit of " + std::to_string(kMaxImagePixels >> 20) + " megapixels");
  }
  cv::Mat img;
  try {
    img = cv::imread(path, flags);
  } catch (const cv::Exception& e) {
    throw Error(path + ": cannot decode the image: " + e.what());
  }
  if (img.empty()) throw Error(path + ": cannot read or decode the image");
  return img;
}

}  // namespace vkcnn::tools
