// Which variant of a shader a layer runs.
//
// Shaders built on shaders/texel_inputs.glsl exist twice: <name> reads its inputs from storage
// buffers, <name>_texel from texel buffers. Lavapipe executes a storage load lane by lane but a
// texel fetch as one gather, so the texel variant is several times faster there; GPUs keep the
// storage variant. Context::texel_inputs() decides per device (overridable, for tests), and a
// tensor past the device's texel-view limit always takes the storage variant.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include <vkcnn/shader_ids.h>
#include <vkcnn/tensor.h>
#include <vkcnn/vk/check.h>
#include <vkcnn/vk/context.h>

namespace vkcnn {

// Whether to run the _texel variant for inputs of these element counts.
inline bool use_texel_inputs(const Context& ctx, std::initializer_list<uint64_t> counts) {
  if (!ctx.texel_inputs()) return false;
  for (uint64_t c : counts)
    if (c > ctx.info().max_texel_elements) return false;
  return true;
}

// An input bound as the chosen variant reads it: a storage buffer or a view of floats (uints).
inline Binding input(const TensorView& v, bool texel) { return texel ? v.reads_floats() : v.reads(); }
// The same input for a shader that reads it with READ4 where `vec4` (a count that is a multiple
// of 4: vec4 texels, or the whole buffer), else with READ.
inline Binding input(const TensorView& v, bool texel, bool vec4) {
  if (!vec4) return input(v, texel);
  return texel ? v.reads_vec4s(0, v.shape.count()) : v.reads();
}
inline Binding uint_input(const TensorView& v, bool texel) {
  Binding b = input(v, texel);
  if (texel) b.texels = VK_FORMAT_R32_UINT;
  return b;
}

// Shaders built on shaders/precision.glsl also have an _fp16 twin (of each texel variant) that
// stores tensors as 16-bit floats. A layer runs it when the plan gave it a 16-bit output (its
// inputs and params are then 16-bit as well: ForwardPlan keeps each layer's tensors in one
// precision, converting between layers where needed).
inline ShaderId in_precision_of(const TensorView& output, ShaderId id) {
  if (!output.fp16) return id;
  if (const auto twin = shader_fp16_variant(id)) return *twin;
  throw Error(std::string("shader ") + std::string(shader_name(id)) + " has no fp16 variant");
}

}  // namespace vkcnn
