// Shapes and tensors: NCHW, contiguous, in one device buffer; fp32, or fp16 where an inference
// plan stores a layer's tensors in 16 bits (ForwardPlan, Precision::Fp16).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <vkcnn/vk/buffer.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

// The most elements one image may have in any tensor: shaders index with 32-bit integers, and
// a batch multiplies this.
inline constexpr uint64_t kMaxElementsPerImage = uint64_t(1) << 30;

struct Shape {
  uint32_t n = 1, c = 1, h = 1, w = 1;
  std::size_t count() const { return std::size_t(n) * c * h * w; }
  std::size_t per_image() const { return std::size_t(c) * h * w; }
  std::string str() const;  // "(N, C, H, W)"
  bool operator==(const Shape&) const = default;
};

// How a plan stores activations and parameters. Arithmetic is fp32 either way.
enum class Precision { Fp32, Fp16 };
std::string_view precision_name(Precision p);  // "fp32", "fp16"

// A shape and the buffer that holds it, without ownership: what layers record against.
struct TensorView {
  Shape shape;
  const Buffer* buffer = nullptr;
  bool fp16 = false;  // elements are 16-bit floats: layers run their shaders' _fp16 variants

  bool empty() const { return buffer == nullptr; }
  std::size_t element_bytes() const { return fp16 ? 2 : sizeof(float); }
  std::size_t bytes() const { return shape.count() * element_bytes(); }
  Binding reads() const { return {buffer->handle(), 0, VK_WHOLE_SIZE, false}; }
  Binding writes() const { return {buffer->handle(), 0, VK_WHOLE_SIZE, true}; }
  // The tensor as a texel buffer of floats (texelFetch widens 16-bit ones).
  Binding reads_floats() const {
    return {buffer->handle(), 0, bytes(), false, fp16 ? VK_FORMAT_R16_SFLOAT : VK_FORMAT_R32_SFLOAT};
  }
  // Elements [first, first + count) as a texel buffer of vec4s (first and count multiples of 4).
  Binding reads_vec4s(uint64_t first, uint64_t count) const {
    return {buffer->handle(), first * element_bytes(), count * element_bytes(), false,
            fp16 ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT};
  }
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(Context& ctx, Shape shape, MemoryKind kind = MemoryKind::Device);

  const Shape& shape() const { return shape_; }
  const Buffer& buffer() const { return buffer_; }
  Buffer& buffer() { return buffer_; }
  TensorView view() const { return {shape_, &buffer_}; }
  // The same data under another shape with the same element count (flatten, reshape).
  TensorView view(Shape reshaped) const;

  void upload(std::span<const float> values);
  std::vector<float> download() const;

 private:
  Shape shape_;
  Buffer buffer_;
};

}  // namespace vkcnn
