// Converting a tensor between fp32 and fp16 storage: where a Precision::Fp16 plan passes a
// tensor from a layer that stores 16-bit floats to one that does not (or from the fp32 input),
// and to make 16-bit copies of a layer's params. Not a layer: plans insert it, specs cannot.
#pragma once
#include <vkcnn/tensor.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

// Records to = from, converted (round to nearest even; beyond 65504 the fp16 value is
// infinite). The views hold the same number of elements and differ in TensorView::fp16.
void record_cast(Recorder& rec, const TensorView& from, const TensorView& to);

}  // namespace vkcnn
