// Frame → model input on the GPU: color conversion, bilinear resize (stretch, letterbox,
// center-crop) and mean/std normalisation, from the model's InputSpec. Used by the GStreamer
// element and by vkcnn-classify, so both see exactly the same input for the same pixels.
//
// What one output pixel (x, y) of a (C, H, W) model input is, exactly (the CPU reference in
// tests/reference/preprocess.cpp follows the same words):
// - Geometry, per axis, with the source size S, destination size D and source pixels per
//   destination pixel `inv` (stretch: S/D per axis; center-crop: min over both axes of S/D times
//   the input's crop share, so the short side (or that share of it) fits and the middle is cut
//   out; letterbox: max of S/D, so the whole frame
//   fits, centered): the destination pixel's center lands on source coordinate
//   (x + 0.5) * inv + (S - D * inv) / 2 (pixel centers at +0.5, as cv2.resize INTER_LINEAR
//   without antialiasing). Pixels whose center lands outside [0, S) — the letterbox borders —
//   are black (value 0 before normalisation).
// - Sampling: bilinear between the four nearest source pixels, indices clamped to the edge.
// - Source pixel → RGB in [0, 255]: packed formats by their byte order; GRAY8 as (g, g, g);
//   NV12/I420 by ITU-R BT.601 limited range (videoconvert's conversion for SD) with the chroma
//   sample at (x / 2, y / 2) (nearest, no chroma interpolation), each of R, G, B clamped to
//   [0, 255]. Conversion happens per source pixel, before interpolation.
// - Gray models read luma 0.299 R + 0.587 G + 0.114 B (GRAY8 frames: the byte itself).
// - Value = (pixel / 255 - mean[c]) / std[c] in the model's channel order (RGB or BGR).
// - A region (crop) of the frame is preprocessed as if its rectangle were the whole frame: S is
//   the region's size, source pixel (x, y) is frame pixel (region.x + x, region.y + y) (its
//   color converted as in the frame, so NV12/I420 chroma stays where it is in the frame) and
//   the bilinear neighbours are clamped to the region's edge, so nothing outside it is read.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <vkcnn/model/spec.h>
#include <vkcnn/tensor.h>
#include <vkcnn/vk/buffer.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

// The numbers are the shader's FORMAT specialization constant (shaders/preprocess.comp).
enum class PixelFormat { RGB, BGR, RGBA, BGRA, RGBx, BGRx, GRAY8, NV12, I420 };

const char* to_string(PixelFormat f);
// Planes the format stores (1 for packed and gray, 2 for NV12, 3 for I420).
uint32_t plane_count(PixelFormat f);

struct FrameLayout {
  PixelFormat format = PixelFormat::RGB;
  uint32_t width = 0, height = 0;
  std::array<uint32_t, 3> stride{};     // bytes per row of each plane (unused planes 0)
  std::array<std::size_t, 3> offset{};  // byte offset of each plane in the frame
  std::size_t size = 0;                 // bytes of the whole frame

  // Tightly packed planes (stride = width * bytes per pixel, planes back to back), as
  // OpenCV's Mat and GStreamer's default layouts for even sizes produce them. Chroma planes
  // of odd-sized NV12/I420 frames are ceil(width / 2) x ceil(height / 2) samples.
  static FrameLayout packed(PixelFormat format, uint32_t width, uint32_t height);

  // Throws Error naming the problem when a plane's rows do not fit inside `size`, a stride is
  // shorter than a row, or the frame is empty.
  void validate() const;
};

// A rectangle of a frame in pixels; it must lie inside the frame and be non-empty.
struct FrameRegion {
  uint32_t x = 0, y = 0, width = 0, height = 0;
};

class Preprocessor {
 public:
  // Throws Error when the layout is invalid (see FrameLayout::validate) or larger than the
  // shader can address (4 GiB).
  Preprocessor(Context& ctx, const InputSpec& input, const FrameLayout& layout);

  const FrameLayout& layout() const { return layout_; }
  const InputSpec& input() const { return input_; }
  // Host-visible memory of layout().size bytes: put the frame here before submitting.
  void* frame_memory() const { return upload_.mapped(); }
  std::size_t frame_bytes() const { return layout_.size; }

  // Records: the frame's move to device memory where that is not where it already is, then one
  // dispatch writing image `index` of dst, a (N, C, H, W) tensor matching the InputSpec. The
  // frame is read from frame_memory(), or from `frame` when given: a buffer holding the frame in
  // layout() (Buffer::import_host of the frame where it lies, so nothing copies it on the host).
  // Throws Error when dst's shape does not match the InputSpec, index >= N, or `frame` is
  // smaller than the layout.
  void record(Recorder& rec, const TensorView& dst, uint32_t index, const Buffer* frame = nullptr) const;

  // Bytes of the per-region parameters record_regions reads (a host-visible buffer).
  static std::size_t region_params_bytes(std::size_t regions);
  // Records the frame's move to device memory as record() does, then ONE dispatch writing image
  // i of dst from regions[i] (see the header comment), for every i. The regions' parameters are
  // written to `params` now (host-visible, at least region_params_bytes(regions.size()) bytes)
  // and read by the GPU when the recording runs, so it must not change before then. The frame
  // is read from frame_memory() or `frame`, as for record().
  // Throws Error when dst's shape does not match the InputSpec or holds fewer than
  // regions.size() images, a region is empty or reaches outside the frame (naming it), or
  // `frame` is smaller than the layout.
  void record_regions(Recorder& rec, const TensorView& dst, std::span<const FrameRegion> regions,
                      const Buffer& params, const Buffer* frame = nullptr) const;

 private:
  void check_destination(const TensorView& dst, uint32_t images, const char* what) const;
  void check_frame_buffer(const Buffer* frame) const;
  const Buffer& frame_on_device(Recorder& rec, const Buffer* source = nullptr) const;

  Context* ctx_;
  InputSpec input_;
  FrameLayout layout_;
  Buffer upload_;  // host-visible frame bytes, (size + 3) / 4 words
  Buffer device_;  // device-local copy (only when upload_ is not device-local)
};

}  // namespace vkcnn
