// Double-precision reference of frame preprocessing, written from the words in
// engine/include/vkcnn/preprocess.h (geometry, bilinear sampling, BT.601 with nearest chroma, luma, mean/std).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <vkcnn/model/spec.h>
#include <vkcnn/preprocess.h>

namespace vkcnn::reference {

// The source pixel (x, y) of a frame as (R, G, B) in [0, 255].
std::array<double, 3> frame_rgb(std::span<const uint8_t> frame, const FrameLayout& layout, uint32_t x, uint32_t y);

// One (C, H, W) model input image from a frame.
std::vector<double> preprocess(std::span<const uint8_t> frame, const FrameLayout& layout, const InputSpec& input);

// One (C, H, W) model input image from a region of a frame, as if the region were the frame.
std::vector<double> preprocess_region(std::span<const uint8_t> frame, const FrameLayout& layout, const InputSpec& input,
                                      const FrameRegion& region);

}  // namespace vkcnn::reference
