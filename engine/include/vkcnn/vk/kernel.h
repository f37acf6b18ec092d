// A compute pipeline: one shader, its buffer bindings (as the shader declares them) and its
// specialization constants.
#pragma once
#include <cstdint>
#include <vector>
#include <volk.h>

namespace vkcnn {

// Push constants are capped at the 128 bytes every Vulkan device guarantees.
inline constexpr uint32_t kMaxPushConstantBytes = 128;

struct Kernel {
  VkDevice device = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
  std::vector<VkDescriptorType> bindings;  // binding i's descriptor type, read from the SPIR-V
  const char* name = "";

  Kernel() = default;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;
  ~Kernel();
};

}  // namespace vkcnn
