// The descriptor bindings a compute shader declares, read from its SPIR-V: the shader is the
// one place that says how many buffers it takes and of which kind, so callers never repeat it.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>
#include <volk.h>

namespace vkcnn {

// Descriptor type of binding 0, 1, ... of set 0. Throws Error (naming `shader`) when the
// bindings are not numbered 0..n-1 in set 0, or a binding is of a kind vkcnn does not bind
// (anything but storage buffers, uniform texel buffers and storage texel buffers).
std::vector<VkDescriptorType> descriptor_bindings(std::span<const uint32_t> spirv, std::string_view shader);

}  // namespace vkcnn
