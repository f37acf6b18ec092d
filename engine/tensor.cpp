#include <vkcnn/tensor.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {

std::string_view precision_name(Precision p) { return p == Precision::Fp16 ? "fp16" : "fp32"; }

std::string Shape::str() const {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "(" + std::to_string(...).
  std::string s = "(";
  s += std::to_string(n) + ", " + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
  return s;
}

Tensor::Tensor(Context& ctx, Shape shape, MemoryKind kind)
    : shape_(shape), buffer_(ctx, shape.count() * sizeof(float), kind) {}

TensorView Tensor::view(Shape reshaped) const {
  if (reshaped.count() != shape_.count())
    throw Error("cannot view a tensor of shape " + shape_.str() + " as " + reshaped.str());
  return {reshaped, &buffer_};
}

void Tensor::upload(std::span<const float> values) {
  if (values.size() != shape_.count())
    throw Error("uploading " + std::to_string(values.size()) + " values into a tensor of shape " + shape_.str());
  buffer_.write(std::as_bytes(values));
}

std::vector<float> Tensor::download() const {
  std::vector<float> out(shape_.count());
  buffer_.read(std::as_writable_bytes(std::span(out)));
  return out;
}

}  // namespace vkcnn
