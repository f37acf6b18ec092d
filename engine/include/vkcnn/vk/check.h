// Errors from Vulkan calls carry the operation that failed and the VkResult's name.
#pragma once
#include <stdexcept>
#include <string>
#include <volk.h>

namespace vkcnn {

// Every failure inside libvkcnn is reported as this (or a std::runtime_error subclass of it),
// with a message a user can act on.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class VulkanError : public Error {
 public:
  VulkanError(const std::string& what, VkResult result);
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

const char* vk_result_name(VkResult result);

// Throws VulkanError("<what>: VK_ERROR_...") unless result is VK_SUCCESS.
inline void vk_check(VkResult result, const char* what) {
  if (result != VK_SUCCESS) throw VulkanError(what, result);
}

}  // namespace vkcnn
