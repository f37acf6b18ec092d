#include "layers/cast.h"

#include "layers/activation.h"  // elementwise_groups

namespace vkcnn {

void record_cast(Recorder& rec, const TensorView& from, const TensorView& to) {
  if (from.fp16 == to.fp16 || from.shape.count() != to.shape.count())
    throw Error("cast: from " + from.shape.str() + " " +
                std::string(precision_name(from.fp16 ? Precision::Fp16 : Precision::Fp32)) + " to " + to.shape.str() +
                " " + std::string(precision_name(to.fp16 ? Precision::Fp16 : Precision::Fp32)) +
                ": needs the same element count and the other precision");
  const uint32_t spec[] = {to.fp16 ? 1u : 0u};
  const std::size_t count = from.shape.count();
  const Kernel& k = rec.context().kernel(ShaderId::cast, spec);
  rec.dispatch(k, {from.reads(), to.writes()}, static_cast<uint32_t>(count), elementwise_groups(count));
}

}  // namespace vkcnn
