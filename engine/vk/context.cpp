#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <vkcnn/vk/context.h>

#include "vk/spirv_bindings.h"

namespace vkcnn {
namespace {

constexpr const char* kHowToGetVulkan =
    "install your GPU's Vulkan driver, or Debian's mesa-vulkan-drivers for a CPU fallback "
    "(lavapipe)";

// Sanitizer builds only. On AMD Zen CPUs Mesa's lavapipe keeps a 128-byte CPU-topology table
// (allocated with realloc) until the process exits, and the Vulkan loader unloads the driver
// before that: LeakSanitizer then reports a leak in an unnamed module, which no suppression
// can match. Keeping the driver loaded keeps its name on the stack, where
// tests/sanitizers/lsan.supp suppresses it like lavapipe's other process-lifetime state.
void keep_lavapipe_loaded_for_leak_checks() {
#ifdef VKCNN_SANITIZED_BUILD
  static void* const handle = dlopen("libvulkan_lvp.so", RTLD_LAZY | RTLD_NODELETE);
  (void)handle;  // absent (another driver): nothing to keep
#endif
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

const char* device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "CPU";
    default:
      return "other";
  }
}

int type_preference(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

void load_loader() {
  static const VkResult loaded = volkInitialize();
  if (loaded != VK_SUCCESS)
    throw Error(std::string("no Vulkan loader (libvulkan.so.1) found: install Debian's libvulkan1 and ") +
                kHowToGetVulkan);
}

VkInstance create_instance() {
  load_loader();
  if (volkGetInstanceVersion() < VK_API_VERSION_1_1)
    throw Error("the Vulkan loader is older than Vulkan 1.1; vkcnn needs 1.1 or newer");
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vkcnn";
  app.pEngineName = "vkcnn";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  VkResult r = vkCreateInstance(&ci, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw VulkanError(std::string("creating a Vulkan instance (no Vulkan driver installed? ") + kHowToGetVulkan + ")",
                      r);
  vk_check(r, "vkCreateInstance");
  volkLoadInstanceOnly(instance);
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t count = 0;
  vk_check(vkEnumeratePhysicalDevices(instance, &count, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> devices(count);
  vk_check(vkEnumeratePhysicalDevices(instance, &count, devices.data()), "vkEnumeratePhysicalDevices");
  return devices;
}

// Whether shaders can read this format through a uniform texel buffer (texelFetch).
bool texel_format_usable(VkPhysicalDevice pd, VkFormat format) {
  VkFormatProperties props{};
  vkGetPhysicalDeviceFormatProperties(pd, format, &props);
  return (props.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT) != 0;
}

bool has_extension(VkPhysicalDevice pd, const char* name) {
  uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> exts(count);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &count, exts.data());
  return std::any_of(exts.begin(), exts.end(),
                     [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

std::string describe(const std::vector<VkPhysicalDevice>& devices) {
  std::string out;
  for (size_t i = 0; i < devices.size(); ++i) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(devices[i], &p);
    out += (out.empty() ? "" : ", ") + std::to_string(i) + ": " + p.deviceName;
  }
  return out;
}

uint32_t pick_device(const std::vector<VkPhysicalDevice>& devices, const std::string& selector) {
  if (devices.empty()) throw Error(std::string("no Vulkan device found: ") + kHowToGetVulkan);
  if (!selector.empty()) {
    if (std::all_of(selector.begin(), selector.end(), [](unsigned char c) { return std::isdigit(c); })) {
      uint32_t index = static_cast<uint32_t>(std::stoul(selector));
      if (index >= devices.size())
        throw Error("Vulkan device index " + selector + " does not exist; devices: " + describe(devices));
      return index;
    }
    for (uint32_t i = 0; i < devices.size(); ++i) {
      VkPhysicalDeviceProperties p;
      vkGetPhysicalDeviceProperties(devices[i], &p);
      if (lower(p.deviceName).find(lower(selector)) != std::string::npos) return i;
    }
    throw Error("no Vulkan device matches \"" + selector + "\"; devices: " + describe(devices));
  }
  uint32_t best = 0;
  int best_rank = 1 << 30;
  for (uint32_t i = 0; i < devices.size(); ++i) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(devices[i], &p);
    int rank = type_preference(p.deviceType);
    if (rank < best_rank) best = i, best_rank = rank;
  }
  return best;
}

std::string cache_directory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/vkcnn";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/vkcnn";
  return {};
}

std::string spec_key(ShaderId shader, std::span<const uint32_t> spec) {
  std::string key(shader_name(shader));
  for (uint32_t v : spec) {
    key += ':';
    key += std::to_string(v);
  }
  return key;
}

}  // namespace

Kernel::~Kernel() {
  if (pipeline) vkDestroyPipeline(device, pipeline, nullptr);
  if (layout) vkDestroyPipelineLayout(device, layout, nullptr);
  if (set_layout) vkDestroyDescriptorSetLayout(device, set_layout, nullptr);
}

std::vector<std::string> Context::list_devices() {
  VkInstance instance = create_instance();
  std::vector<std::string> lines;
  for (VkPhysicalDevice pd : physical_devices(instance)) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(pd, &p);
    lines.push_back(std::to_string(lines.size()) + ": " + p.deviceName + " (" + device_type_name(p.deviceType) + ")");
  }
  vkDestroyInstance(instance, nullptr);
  return lines;
}

Context::Context(const ContextOptions& options) {
  keep_lavapipe_loaded_for_leak_checks();
  instance_ = Owned<VkInstance>(create_instance(), [](VkInstance i) { vkDestroyInstance(i, nullptr); });
  auto devices = physical_devices(instance_.get());
  std::string selector = options.device;
  if (selector.empty())
    if (const char* env = std::getenv("VKCNN_DEVICE")) selector = env;
  uint32_t index = pick_device(devices, selector);
  physical_ = devices[index];

  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceExternalMemoryHostPropertiesEXT host_import{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
  const bool can_import = has_extension(physical_, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
  if (can_import) subgroup.pNext = &host_import;
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(physical_, &props2);
  const VkPhysicalDeviceProperties& props = props2.properties;
  info_.name = props.deviceName;
  info_.type = device_type_name(props.deviceType);
  info_.index = index;
  info_.vendor_id = props.vendorID;
  info_.subgroup_size = subgroup.subgroupSize;
  info_.max_shared_memory = props.limits.maxComputeSharedMemorySize;
  info_.max_texel_elements = props.limits.maxTexelBufferElements;
  info_.texel_offset_alignment = static_cast<uint32_t>(props.limits.minTexelBufferOffsetAlignment);
  info_.timestamp_period_ns = props.limits.timestampPeriod;
  if (can_import) info_.host_import_alignment = static_cast<uint32_t>(host_import.minImportedHostPointerAlignment);
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory_props_);
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features2.pNext = &storage16;
  vkGetPhysicalDeviceFeatures2(physical_, &features2);
  info_.fp16_storage = storage16.storageBuffer16BitAccess && texel_format_usable(physical_, VK_FORMAT_R16_SFLOAT) &&
                       texel_format_usable(physical_, VK_FORMAT_R16G16B16A16_SFLOAT);

  if (!has_extension(physical_, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME))
    throw Error("Vulkan device \"" + info_.name +
                "\" lacks " VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME ", which vkcnn needs; update its driver");

  uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &family_count, families.data());
  // Prefer a compute queue family without graphics: on discrete GPUs it is the async one.
  int chosen = -1;
  for (uint32_t i = 0; i < family_count; ++i) {
    if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (chosen < 0 || !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) chosen = static_cast<int>(i);
    if (!(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) break;
  }
  if (chosen < 0) throw Error("Vulkan device \"" + info_.name + "\" has no compute queue");
  queue_family_ = static_cast<uint32_t>(chosen);
  info_.timestamps = families[queue_family_].timestampValidBits > 0 && props.limits.timestampPeriod > 0;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = queue_family_;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  std::vector<const char*> extensions = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  if (can_import) extensions.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  dci.ppEnabledExtensionNames = extensions.data();
  VkPhysicalDevice16BitStorageFeatures enable16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  enable16.storageBuffer16BitAccess = info_.fp16_storage ? VK_TRUE : VK_FALSE;
  dci.pNext = &enable16;
  VkDevice device = VK_NULL_HANDLE;
  vk_check(vkCreateDevice(physical_, &dci, nullptr, &device), "vkCreateDevice");
  device_ = Owned<VkDevice>(device, [](VkDevice d) { vkDestroyDevice(d, nullptr); });
  volkLoadDevice(device);
  vkGetDeviceQueue(device, queue_family_, 0, &queue_);

  fence_ = make_fence("vkCreateFence");

  std::vector<char> cache_data;
  if (options.persistent_pipeline_cache) {
    if (std::string dir = cache_directory(); !dir.empty()) {
      char uuid[3 * VK_UUID_SIZE + 1] = {};
      for (uint32_t i = 0; i < VK_UUID_SIZE; ++i) std::snprintf(uuid + 2 * i, 3, "%02x", props.pipelineCacheUUID[i]);
      pipeline_cache_path_ = dir + "/pipelines-" + std::to_string(props.vendorID) + "-" +
                             std::to_string(props.deviceID) + "-" + uuid + ".bin";
      std::ifstream in(pipeline_cache_path_, std::ios::binary);
      cache_data.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  VkPipelineCacheCreateInfo cci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  cci.initialDataSize = cache_data.size();
  cci.pInitialData = cache_data.empty() ? nullptr : cache_data.data();
  // A stale or foreign cache is not an error: the driver validates the header; start empty then.
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (vkCreatePipelineCache(device, &cci, nullptr, &cache) != VK_SUCCESS) {
    cci.initialDataSize = 0;
    cci.pInitialData = nullptr;
    vk_check(vkCreatePipelineCache(device, &cci, nullptr, &cache), "vkCreatePipelineCache");
  }
  pipeline_cache_ =
      Owned<VkPipelineCache>(cache, [device](VkPipelineCache c) { vkDestroyPipelineCache(device, c, nullptr); });
  if (const char* p = std::getenv("VKCNN_PROFILE"); p && info_.timestamps) {
    profiling_ = std::string(p) == "1" || std::string(p) == "dispatch";
    profiling_dispatches_ = std::string(p) == "dispatch";
  }
  texel_inputs_ = info_.type == "CPU";
  if (const char* t = std::getenv("VKCNN_TEXEL_INPUTS"); t && (std::string(t) == "0" || std::string(t) == "1"))
    texel_inputs_ = std::string(t) == "1";
  if (options.texel_inputs) texel_inputs_ = *options.texel_inputs;
}

Context::~Context() {
  if (device_) vkDeviceWaitIdle(device_.get());
  save_pipeline_cache();
  kernels_.clear();  // pipelines before the cache and the device; the members go in reverse order
}

void Context::save_pipeline_cache() noexcept {
  if (pipeline_cache_path_.empty() || !pipeline_cache_) return;
  size_t size = 0;
  if (vkGetPipelineCacheData(device_.get(), pipeline_cache_.get(), &size, nullptr) != VK_SUCCESS || size == 0) return;
  std::vector<char> data(size);
  if (vkGetPipelineCacheData(device_.get(), pipeline_cache_.get(), &size, data.data()) != VK_SUCCESS) return;
  // The cache only saves start-up time, so failing to write it is not worth an error.
  std::error_code ec;
  std::filesystem::path path(pipeline_cache_path_);
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return;
  std::string tmp = pipeline_cache_path_ + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(size));
    if (!out) return;
  }
  std::filesystem::rename(tmp, path, ec);
}

uint32_t Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags want, VkMemoryPropertyFlags avoid) const {
  for (uint32_t i = 0; i < memory_props_.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags f = memory_props_.memoryTypes[i].propertyFlags;
    if ((type_bits & (1u << i)) && (f & want) == want && !(f & avoid)) return i;
  }
  return UINT32_MAX;
}

const Kernel& Context::kernel(ShaderId shader, std::span<const uint32_t> spec) {
  std::string key = spec_key(shader, spec);
  std::lock_guard lock(kernel_mutex_);
  if (auto it = kernels_.find(key); it != kernels_.end()) return *it->second;

  auto k = std::make_unique<Kernel>();
  k->device = device_.get();
  k->name = shader_name(shader).data();
  const std::string what = "creating the pipeline for shader " + std::string(shader_name(shader));
  auto words = shader_spirv(shader);
  k->bindings = descriptor_bindings(words, shader_name(shader));

  const auto bindings = static_cast<uint32_t>(k->bindings.size());
  std::vector<VkDescriptorSetLayoutBinding> slots(bindings);
  for (uint32_t i = 0; i < bindings; ++i) slots[i] = {i, k->bindings[i], 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo dli{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dli.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  dli.bindingCount = bindings;
  dli.pBindings = slots.data();
  vk_check(vkCreateDescriptorSetLayout(device_.get(), &dli, nullptr, &k->set_layout), what.c_str());

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kMaxPushConstantBytes};
  VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pli.setLayoutCount = 1;
  pli.pSetLayouts = &k->set_layout;
  pli.pushConstantRangeCount = 1;
  pli.pPushConstantRanges = &push;
  vk_check(vkCreatePipelineLayout(device_.get(), &pli, nullptr, &k->layout), what.c_str());

  VkShaderModuleCreateInfo smi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  smi.codeSize = words.size() * sizeof(uint32_t);
  smi.pCode = words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  vk_check(vkCreateShaderModule(device_.get(), &smi, nullptr, &module), what.c_str());

  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, i * 4u, 4u};
  VkSpecializationInfo si{static_cast<uint32_t>(entries.size()), entries.data(), spec.size() * 4u, spec.data()};
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
              nullptr,
              0,
              VK_SHADER_STAGE_COMPUTE_BIT,
              module,
              "main",
              spec.empty() ? nullptr : &si};
  ci.layout = k->layout;
  VkResult r = vkCreateComputePipelines(device_.get(), pipeline_cache_.get(), 1, &ci, nullptr, &k->pipeline);
  vkDestroyShaderModule(device_.get(), module, nullptr);
  vk_check(r, what.c_str());
  return *kernels_.emplace(key, std::move(k)).first->second;
}

void Context::submit_and_wait(VkCommandBuffer cmd) {
  std::lock_guard lock(queue_mutex_);
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VkFence fence = fence_.get();
  vk_check(vkQueueSubmit(queue_, 1, &si, fence), "vkQueueSubmit");
  wait_for(fence, "waiting for the GPU");
  vk_check(vkResetFences(device_.get(), 1, &fence), "vkResetFences");
}

uint64_t Context::fence_timeout_ns() const {
  constexpr uint64_t kSecond = 1000ull * 1000 * 1000;
  return (info_.type == "CPU" ? 600 : 60) * kSecond;
}

Owned<VkFence> Context::make_fence(const char* what) const {
  const VkDevice device = device_.get();
  VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence = VK_NULL_HANDLE;
  vk_check(vkCreateFence(device, &fci, nullptr, &fence), what);
  return Owned<VkFence>(fence, [device](VkFence f) { vkDestroyFence(device, f, nullptr); });
}

void Context::wait_for(VkFence fence, const char* what) const {
  // Runs per frame and per batch: the message is only built for a failure.
  const VkResult r = vkWaitForFences(device_.get(), 1, &fence, VK_TRUE, fence_timeout_ns());
  if (r != VK_SUCCESS) vk_check(r, (std::string(what) + " (vkWaitForFences)").c_str());
}

void Context::wait_and_reset(VkFence fence, const char* what) const {
  wait_for(fence, what);
  vk_check(vkResetFences(device_.get(), 1, &fence), "vkResetFences");
}

void Context::submit(VkCommandBuffer cmd, VkFence fence) {
  std::lock_guard lock(queue_mutex_);
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  vk_check(vkQueueSubmit(queue_, 1, &si, fence), "vkQueueSubmit");
}

}  // namespace vkcnn
