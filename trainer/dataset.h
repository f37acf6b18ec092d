// Labelled images in memory, as the readers produce them: 8-bit pixels, planar (C, H, W) per
// image, every image the same size. Training turns them into normalised floats batch by batch.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <vkcnn/model/spec.h>

namespace vkcnn::trainer {

struct Dataset {
  std::string origin;  // where it came from (for messages): a file or folder
  uint32_t channels = 1, height = 0, width = 0;
  ColorOrder color = ColorOrder::Gray;  // Gray, or RGB / BGR plane order for 3 channels
  std::vector<uint8_t> pixels;          // size() * channels * height * width
  std::vector<uint32_t> labels;         // size()
  std::vector<std::string> classes;     // label -> name

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const { return std::size_t(channels) * height * width; }
  std::span<const uint8_t> image(std::size_t i) const { return {pixels.data() + i * image_bytes(), image_bytes()}; }
};

// The same images in the model's input format: channel count (gray <-> color by luma, or by
// repeating gray), plane order, and size (stretched with OpenCV, area filter when shrinking).
// A no-op when the dataset already fits. Throws Error when the model has neither 1 nor 3 channels.
Dataset conform(Dataset data, const InputSpec& input);

// The images whose indices are given, in that order (for validation splits).
Dataset subset(const Dataset& data, std::span<const std::size_t> indices);

}  // namespace vkcnn::trainer
