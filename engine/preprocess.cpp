#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <vkcnn/preprocess.h>
#include <vkcnn/vk/context.h>

namespace vkcnn {
namespace {

// Mirrors the push-constant block of shaders/preprocess.comp.
struct Push {
  uint32_t src_w, src_h;
  uint32_t stride[3];
  uint32_t offset[3];
  uint32_t dst_w, dst_h, dst_base;
  int32_t box_x0, box_y0, box_x1, box_y1;
  float scale_x, base_x, scale_y, base_y;
  float mul[3], add[3];
};
static_assert(sizeof(Push) <= kMaxPushConstantBytes);

// Mirror shaders/preprocess_regions.comp: push constants and one Item per region (std430).
struct RegionsPush {
  uint32_t stride[3];
  uint32_t offset[3];
  uint32_t dst_w, dst_h, count;
  float mul[3], add[3];
};
static_assert(sizeof(RegionsPush) <= kMaxPushConstantBytes);
struct RegionItem {
  int32_t box_x0, box_y0, box_x1, box_y1;
  float scale_x, base_x, scale_y, base_y;
  uint32_t crop_x, crop_y, crop_w, crop_h;
};
static_assert(sizeof(RegionItem) == 48);

// One axis of the destination → source mapping (see the header): the source coordinate of
// destination pixel x is x * scale + base, and pixels [lo, hi) see the frame.
struct Axis {
  double scale, base;
  int32_t lo, hi;
};

Axis map_axis(uint32_t src, uint32_t dst, double inv) {
  const double shift = (double(src) - double(dst) * inv) / 2;  // < 0 on a letterbox's padded axis
  Axis a;
  a.scale = inv;
  a.base = 0.5 * inv + shift - 0.5;
  // Pixel centers (x + 0.5) * inv + shift inside [0, src).
  double lo = std::ceil(-shift / inv - 0.5), hi = std::ceil((double(src) - shift) / inv - 0.5);
  a.lo = static_cast<int32_t>(std::clamp(lo, 0.0, double(dst)));
  a.hi = static_cast<int32_t>(std::clamp(hi, 0.0, double(dst)));
  return a;
}

// Both axes of a (src_w, src_h) source onto a (dst_w, dst_h) image for the input's resize mode.
std::pair<Axis, Axis> map_geometry(uint32_t src_w, uint32_t src_h, uint32_t dst_w, uint32_t dst_h,
                                   const InputSpec& in) {
  const double sx = double(src_w) / dst_w, sy = double(src_h) / dst_h;
  double inv_x = sx, inv_y = sy;
  if (in.resize == ResizeMode::CenterCrop) inv_x = inv_y = std::min(sx, sy) * in.crop;
  if (in.resize == ResizeMode::Letterbox) inv_x = inv_y = std::max(sx, sy);
  return {map_axis(src_w, dst_w, inv_x), map_axis(src_h, dst_h, inv_y)};
}

uint32_t bytes_per_pixel(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB:
    case PixelFormat::BGR:
      return 3;
    case PixelFormat::RGBA:
    case PixelFormat::BGRA:
    case PixelFormat::RGBx:
    case PixelFormat::BGRx:
      return 4;
    default:
      return 1;  // GRAY8 and the luma plane of NV12/I420
  }
}

// Bytes of one row and number of rows of plane `i`.
std::pair<std::size_t, std::size_t> plane_extent(const FrameLayout& l, uint32_t i) {
  if (i == 0) return {std::size_t(l.width) * bytes_per_pixel(l.format), l.height};
  const std::size_t cw = (l.width + 1) / 2, ch = (l.height + 1) / 2;
  return {l.format == PixelFormat::NV12 ? 2 * cw : cw, ch};
}

std::string describe(const FrameLayout& l) {
  return std::string(to_string(l.format)) + " " + std::to_string(l.width) + "x" + std::to_string(l.height) + " frame";
}

}  // namespace

const char* to_string(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB:
      return "RGB";
    case PixelFormat::BGR:
      return "BGR";
    case PixelFormat::RGBA:
      return "RGBA";
    case PixelFormat::BGRA:
      return "BGRA";
    case PixelFormat::RGBx:
      return "RGBx";
    case PixelFormat::BGRx:
      return "BGRx";
    case PixelFormat::GRAY8:
      return "GRAY8";
    case PixelFormat::NV12:
      return "NV12";
    case PixelFormat::I420:
      return "I420";
  }
  return "?";
}

uint32_t plane_count(PixelFormat f) {
  if (f == PixelFormat::NV12) return 2;
  if (f == PixelFormat::I420) return 3;
  return 1;
}

FrameLayout FrameLayout::packed(PixelFormat format, uint32_t width, uint32_t height) {
  FrameLayout l;
  l.format = format;
  l.width = width;
  l.height = height;
  std::size_t at = 0;
  for (uint32_t i = 0; i < plane_count(format); ++i) {
    auto [row, rows] = plane_extent(l, i);
    l.stride[i] = static_cast<uint32_t>(row);
    l.offset[i] = at;
    at += row * rows;
  }
  l.size = at;
  return l;
}

void FrameLayout::validate() const {
  if (width == 0 || height == 0) throw Error(describe(*this) + ": the frame is empty");
  for (uint32_t i = 0; i < plane_count(format); ++i) {
    auto [row, rows] = plane_extent(*this, i);
    const std::string plane = describe(*this) + ": plane " + std::to_string(i);
    if (stride[i] < row)
      throw Error(plane + " has a stride of " + std::to_string(stride[i]) + " bytes, shorter than its " +
                  std::to_string(row) + "-byte rows");
    std::size_t end = offset[i] + (rows - 1) * std::size_t(stride[i]) + row;
    if (end > size)
      throw Error(plane + " ends at byte " + std::to_string(end) + ", past the frame's " + std::to_string(size) +
                  " bytes");
  }
}

Preprocessor::Preprocessor(Context& ctx, const InputSpec& input, const FrameLayout& layout)
    : ctx_(&ctx), input_(input), layout_(layout) {
  layout_.validate();
  if (layout_.size > std::numeric_limits<uint32_t>::max() - 4)
    throw Error(describe(layout_) + ": " + std::to_string(layout_.size) + " bytes is more than 4 GiB");
  if ((input_.color == ColorOrder::Gray ? 1u : 3u) != input_.channels || input_.mean.size() != input_.channels ||
      input_.std.size() != input_.channels)
    throw Error(std::string("model input: color \"") + to_string(input_.color) + "\" with " +
                std::to_string(input_.channels) + " channel(s), " + std::to_string(input_.mean.size()) + " mean and " +
                std::to_string(input_.std.size()) + " std values do not fit together");
  upload_ = Buffer(ctx, layout_.size, MemoryKind::Upload);
  // Where frames land in host-visible memory the device cannot read at full speed (a discrete
  // GPU), one copy to device memory per frame beats the shader's scattered reads over the bus.
  const uint32_t type =
      ctx.memory_type(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  const bool device_local = type != UINT32_MAX && (ctx.memory_properties().memoryTypes[type].propertyFlags &
                                                   VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (!device_local) device_ = Buffer(ctx, layout_.size, MemoryKind::Device);
}

void Preprocessor::check_destination(const TensorView& dst, uint32_t images, const char* what) const {
  const Shape& s = dst.shape;
  if (s.c != input_.channels || s.h != input_.height || s.w != input_.width || images > s.n)
    throw Error(std::string("preprocessing writes ") + what + " of a (N, " + std::to_string(input_.channels) + ", " +
                std::to_string(input_.height) + ", " + std::to_string(input_.width) + ") tensor, got " + s.str());
}

void Preprocessor::check_frame_buffer(const Buffer* frame) const {
  if (frame && frame->bytes() < layout_.size)
    throw Error(describe(layout_) + ": the frame's buffer holds " + std::to_string(frame->bytes()) +
                " bytes, the layout needs " + std::to_string(layout_.size));
}

const Buffer& Preprocessor::frame_on_device(Recorder& rec, const Buffer* source) const {
  const Buffer& from = source ? *source : upload_;
  if (!device_.valid()) return from;
  rec.copy(from, device_, (layout_.size + 3) & ~std::size_t(3));
  return device_;
}

void Preprocessor::record(Recorder& rec, const TensorView& dst, uint32_t index, const Buffer* frame_buffer) const {
  check_destination(dst, index + 1, ("image " + std::to_string(index)).c_str());
  check_frame_buffer(frame_buffer);
  const Shape& s = dst.shape;
  const Buffer& frame = frame_on_device(rec, frame_buffer);
  const auto [ax, ay] = map_geometry(layout_.width, layout_.height, s.w, s.h, input_);

  Push p{};
  p.src_w = layout_.width;
  p.src_h = layout_.height;
  for (int i = 0; i < 3; ++i) {
    p.stride[i] = layout_.stride[i];
    p.offset[i] = static_cast<uint32_t>(layout_.offset[i]);
  }
  p.dst_w = s.w;
  p.dst_h = s.h;
  p.dst_base = static_cast<uint32_t>(std::size_t(index) * s.per_image());
  p.box_x0 = ax.lo;
  p.box_x1 = ax.hi;
  p.box_y0 = ay.lo;
  p.box_y1 = ay.hi;
  p.scale_x = static_cast<float>(ax.scale);
  p.base_x = static_cast<float>(ax.base);
  p.scale_y = static_cast<float>(ay.scale);
  p.base_y = static_cast<float>(ay.base);
  for (uint32_t c = 0; c < input_.channels; ++c) {
    p.mul[c] = static_cast<float>(1.0 / (255.0 * input_.std[c]));
    p.add[c] = static_cast<float>(-double(input_.mean[c]) / input_.std[c]);
  }
  const uint32_t spec[] = {static_cast<uint32_t>(layout_.format), static_cast<uint32_t>(input_.color)};
  const Kernel& k = ctx_->kernel(ShaderId::preprocess, spec);
  rec.dispatch(k, {reads(frame), dst.writes()}, p, Groups{div_up(s.w, 16), div_up(s.h, 16), 1});
}

std::size_t Preprocessor::region_params_bytes(std::size_t regions) {
  return std::max<std::size_t>(regions, 1) * sizeof(RegionItem);
}

void Preprocessor::record_regions(Recorder& rec, const TensorView& dst, std::span<const FrameRegion> regions,
                                  const Buffer& params, const Buffer* frame_buffer) const {
  const auto count = static_cast<uint32_t>(regions.size());
  check_destination(dst, count, (std::to_string(count) + " region images").c_str());
  check_frame_buffer(frame_buffer);
  if (!params.mapped() || params.bytes() < region_params_bytes(count))
    throw Error("preprocessing " + std::to_string(count) + " regions needs a host-visible parameter buffer of " +
                std::to_string(region_params_bytes(count)) + " bytes");
  std::vector<RegionItem> items(count);
  for (uint32_t i = 0; i < count; ++i) {
    const FrameRegion& r = regions[i];
    if (r.width == 0 || r.height == 0 || r.x >= layout_.width || r.y >= layout_.height ||
        r.width > layout_.width - r.x || r.height > layout_.height - r.y)
      throw Error("region " + std::to_string(i) + " (" + std::to_string(r.width) + "x" + std::to_string(r.height) +
                  " at " + std::to_string(r.x) + "," + std::to_string(r.y) + ") is empty or not inside the " +
                  describe(layout_));
    const auto [ax, ay] = map_geometry(r.width, r.height, dst.shape.w, dst.shape.h, input_);
    items[i] = RegionItem{ax.lo,
                          ay.lo,
                          ax.hi,
                          ay.hi,
                          static_cast<float>(ax.scale),
                          static_cast<float>(ax.base),
                          static_cast<float>(ay.scale),
                          static_cast<float>(ay.base),
                          r.x,
                          r.y,
                          r.width,
                          r.height};
  }
  if (count == 0) return;
  std::memcpy(params.mapped(), items.data(), items.size() * sizeof(RegionItem));
  const Buffer& frame = frame_on_device(rec, frame_buffer);
  RegionsPush p{};
  for (int i = 0; i < 3; ++i) {
    p.stride[i] = layout_.stride[i];
    p.offset[i] = static_cast<uint32_t>(layout_.offset[i]);
  }
  p.dst_w = dst.shape.w;
  p.dst_h = dst.shape.h;
  p.count = count;
  for (uint32_t c = 0; c < input_.channels; ++c) {
    p.mul[c] = static_cast<float>(1.0 / (255.0 * input_.std[c]));
    p.add[c] = static_cast<float>(-double(input_.mean[c]) / input_.std[c]);
  }
  const uint32_t spec[] = {static_cast<uint32_t>(layout_.format), static_cast<uint32_t>(input_.color)};
  const Kernel& k = ctx_->kernel(ShaderId::preprocess_regions, spec);
  rec.dispatch(k, {reads(frame), dst.writes(), reads(params)}, p,
               Groups{div_up(dst.shape.w, 16), div_up(dst.shape.h, 16), count});
}

}  // namespace vkcnn
