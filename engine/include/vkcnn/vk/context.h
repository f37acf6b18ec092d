// The Vulkan device vkcnn runs on: instance, one compute queue, pipeline cache, kernels.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <volk.h>

#include <vkcnn/shader_ids.h>
#include <vkcnn/vk/check.h>
#include <vkcnn/vk/kernel.h>
#include <vkcnn/vk/owned.h>

namespace vkcnn {

struct ContextOptions {
  // Device index ("0") or a case-insensitive substring of its name ("llvmpipe", "H100").
  // Empty: the VKCNN_DEVICE environment variable, else the first discrete GPU, else any.
  std::string device;
  // Persist compiled pipelines under $XDG_CACHE_HOME/vkcnn (or ~/.cache/vkcnn).
  bool persistent_pipeline_cache = true;
  // Whether shaders with a texel-input variant run it (layers/texel_inputs.h). Unset: the
  // VKCNN_TEXEL_INPUTS environment variable ("0" or "1"), else on CPU devices only.
  std::optional<bool> texel_inputs;
};

struct DeviceInfo {
  std::string name;
  std::string type;  // "discrete GPU", "integrated GPU", "CPU", ...
  uint32_t index = 0;
  uint32_t vendor_id = 0;
  uint32_t subgroup_size = 0;
  // Tensors stored as 16-bit floats: storage buffers of float16_t (storageBuffer16BitAccess,
  // enabled when present) and texel views of R16 and R16G16B16A16 floats.
  bool fp16_storage = false;
  uint32_t max_shared_memory = 0;
  uint32_t max_texel_elements = 0;      // texels one texel-buffer view may hold
  uint32_t texel_offset_alignment = 0;  // bytes
  float timestamp_period_ns = 0;
  bool timestamps = false;
  // VK_EXT_external_memory_host (enabled when present): host memory the GPU can read in place,
  // if it starts on a multiple of this many bytes (minImportedHostPointerAlignment). 0: none.
  uint32_t host_import_alignment = 0;
};

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Every Vulkan device visible to the loader, as "index: name (type)" lines.
  static std::vector<std::string> list_devices();

  const DeviceInfo& info() const { return info_; }
  VkDevice device() const { return device_.get(); }
  VkPhysicalDevice physical_device() const { return physical_; }
  uint32_t queue_family() const { return queue_family_; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_props_; }

  // The pipeline for a shader with its specialization constants (constant_id 0, 1, ...):
  // created on first use, then served from memory. Its bindings are those the shader declares.
  const Kernel& kernel(ShaderId shader, std::span<const uint32_t> spec = {});

  // Submits a recorded command buffer and waits for it (the queue is shared between threads).
  void submit_and_wait(VkCommandBuffer cmd);
  // Submits without waiting; `fence` (unsignaled, owned by the caller) signals when it is done.
  void submit(VkCommandBuffer cmd, VkFence fence);
  // An unsignaled fence for submit(), destroyed with its owner; `what` names it in an error.
  Owned<VkFence> make_fence(const char* what) const;
  // Waits for a submission's fence, at most fence_timeout_ns(): a hung device becomes an Error
  // naming `what` instead of a hung pipeline. Leaves the fence signalled (the caller resets it).
  void wait_for(VkFence fence, const char* what) const;
  // wait_for, then resets the fence for its next submit.
  void wait_and_reset(VkFence fence, const char* what) const;
  // 60 s on GPUs. CPU devices (lavapipe) compile a shader's machine code when it first runs,
  // inside the submission: a large model's first pass on a loaded machine with an empty Mesa
  // shader cache took over a minute, so they get 10 minutes.
  uint64_t fence_timeout_ns() const;

  // Whether VKCNN_PROFILE=1 (or =dispatch) asked for per-layer timestamps.
  bool profiling() const { return profiling_; }
  // Whether VKCNN_PROFILE=dispatch also asked for one after every dispatch, named by its shader.
  bool profiling_dispatches() const { return profiling_dispatches_; }
  // Whether layers run the texel-input variants of their shaders (ContextOptions::texel_inputs).
  bool texel_inputs() const { return texel_inputs_; }

  uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags want, VkMemoryPropertyFlags avoid = 0) const;

 private:
  void save_pipeline_cache() noexcept;

  // Declared in creation order: destroyed in reverse, children before the device.
  Owned<VkInstance> instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  Owned<VkDevice> device_;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  Owned<VkFence> fence_;
  Owned<VkPipelineCache> pipeline_cache_;
  std::string pipeline_cache_path_;
  VkPhysicalDeviceMemoryProperties memory_props_{};
  DeviceInfo info_;
  bool profiling_ = false;
  bool profiling_dispatches_ = false;
  bool texel_inputs_ = false;

  std::mutex queue_mutex_;  // guards queue_ and fence_
  std::mutex kernel_mutex_;
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;
};

}  // namespace vkcnn
