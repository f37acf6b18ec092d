#include <unistd.h>

#include <cstring>
#include <utility>

#include <vkcnn/vk/buffer.h>
#include <vkcnn/vk/context.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {

Buffer::Buffer(Context& ctx, std::size_t bytes, MemoryKind kind) : ctx_(&ctx), bytes_(bytes) {
  // Zero-sized tensors exist (an empty batch slot); Vulkan does not allow zero-sized buffers.
  VkDeviceSize size = bytes ? (bytes + 3) & ~VkDeviceSize(3) : 4;
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkDevice dev = ctx.device();
  vk_check(vkCreateBuffer(dev, &bi, nullptr, &buffer_), "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, buffer_, &req);

  constexpr auto kDevice = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  constexpr auto kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
  constexpr auto kCoherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  constexpr auto kCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  uint32_t type = UINT32_MAX;
  switch (kind) {
    case MemoryKind::Device:
      type = ctx.memory_type(req.memoryTypeBits, kDevice);
      break;
    case MemoryKind::Upload:
      type = ctx.memory_type(req.memoryTypeBits, kHost | kCoherent);
      break;
    case MemoryKind::Readback:
      type = ctx.memory_type(req.memoryTypeBits, kHost | kCached);
      if (type == UINT32_MAX) type = ctx.memory_type(req.memoryTypeBits, kHost | kCoherent);
      break;
  }
  if (type == UINT32_MAX) type = ctx.memory_type(req.memoryTypeBits, 0);
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = type;
  VkResult r = vkAllocateMemory(dev, &ai, nullptr, &memory_);
  if (r != VK_SUCCESS) {
    release();
    throw VulkanError("allocating " + std::to_string(bytes) + " bytes of GPU memory", r);
  }
  vk_check(vkBindBufferMemory(dev, buffer_, memory_, 0), "vkBindBufferMemory");
  VkMemoryPropertyFlags flags = ctx.memory_properties().memoryTypes[type].propertyFlags;
  if (flags & kHost) {
    vk_check(vkMapMemory(dev, memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
    coherent_ = (flags & kCoherent) != 0;
  }
}

Buffer::~Buffer() { release(); }

Buffer Buffer::import_host(Context& ctx, const void* data, std::size_t bytes) {
  Buffer b;
  const std::size_t align = ctx.info().host_import_alignment;
  const auto address = reinterpret_cast<std::uintptr_t>(data);
  if (!align || !data || !bytes || address % align) return b;
  const std::size_t size = (bytes + align - 1) / align * align;
  if (size != bytes && align > static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) return b;
  VkDevice dev = ctx.device();
  constexpr auto kHandle = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  VkMemoryHostPointerPropertiesEXT host{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
  if (vkGetMemoryHostPointerPropertiesEXT(dev, kHandle, data, &host) != VK_SUCCESS) return b;

  b.ctx_ = &ctx;
  b.bytes_ = bytes;
  VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  external.handleTypes = kHandle;
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.pNext = &external;
  bi.size = (bytes + 3) & ~VkDeviceSize(3);  // the shaders read whole words; align is at least 4
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (vkCreateBuffer(dev, &bi, nullptr, &b.buffer_) != VK_SUCCESS) {
    b.buffer_ = VK_NULL_HANDLE;
    return Buffer();
  }
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, b.buffer_, &req);
  // Host writes reach a coherent type without flushes: the frame's writer knows nothing of Vulkan.
  const uint32_t type = ctx.memory_type(req.memoryTypeBits & host.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type == UINT32_MAX || req.size > size) return Buffer();  // b releases the VkBuffer
  VkImportMemoryHostPointerInfoEXT import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
  import.handleType = kHandle;
  import.pHostPointer = const_cast<void*>(data);
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.pNext = &import;
  ai.allocationSize = size;
  ai.memoryTypeIndex = type;
  if (vkAllocateMemory(dev, &ai, nullptr, &b.memory_) != VK_SUCCESS) {
    b.memory_ = VK_NULL_HANDLE;
    return Buffer();
  }
  if (vkBindBufferMemory(dev, b.buffer_, b.memory_, 0) != VK_SUCCESS) return Buffer();
  b.mapped_ = const_cast<void*>(data);
  return b;
}

Buffer::Buffer(Buffer&& o) noexcept
    : ctx_(o.ctx_),
      buffer_(o.buffer_),
      memory_(o.memory_),
      bytes_(o.bytes_),
      mapped_(o.mapped_),
      coherent_(o.coherent_) {
  o.buffer_ = VK_NULL_HANDLE;
  o.memory_ = VK_NULL_HANDLE;
  o.mapped_ = nullptr;
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    ctx_ = o.ctx_;
    buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(o.memory_, VK_NULL_HANDLE);
    mapped_ = std::exchange(o.mapped_, nullptr);
    bytes_ = o.bytes_;
    coherent_ = o.coherent_;
  }
  return *this;
}

void Buffer::release() noexcept {
  if (!ctx_) return;
  VkDevice dev = ctx_->device();
  if (buffer_) vkDestroyBuffer(dev, buffer_, nullptr);
  if (memory_) vkFreeMemory(dev, memory_, nullptr);
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
}

void Buffer::write(std::span<const std::byte> data, std::size_t offset) {
  if (offset + data.size() > bytes_)
    throw Error("Buffer::write of " + std::to_string(data.size()) + " bytes at " + std::to_string(offset) +
                " overflows a " + std::to_string(bytes_) + "-byte buffer");
  if (data.empty()) return;
  if (mapped_) {
    std::memcpy(static_cast<std::byte*>(mapped_) + offset, data.data(), data.size());
    if (!coherent_) {
      VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
      vk_check(vkFlushMappedMemoryRanges(ctx_->device(), 1, &range), "vkFlushMappedMemoryRanges");
    }
    return;
  }
  Buffer staging(*ctx_, data.size(), MemoryKind::Upload);
  staging.write(data);
  run_once(*ctx_, [&](Recorder& rec) { rec.copy(staging, *this, data.size(), 0, offset); });
}

void Buffer::read(std::span<std::byte> out, std::size_t offset) const {
  if (offset + out.size() > bytes_)
    throw Error("Buffer::read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) +
                " overflows a " + std::to_string(bytes_) + "-byte buffer");
  if (out.empty()) return;
  if (mapped_) {
    if (!coherent_) {
      VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
      vk_check(vkInvalidateMappedMemoryRanges(ctx_->device(), 1, &range), "vkInvalidateMappedMemoryRanges");
    }
    std::memcpy(out.data(), static_cast<const std::byte*>(mapped_) + offset, out.size());
    return;
  }
  Buffer staging(*ctx_, out.size(), MemoryKind::Readback);
  run_once(*ctx_, [&](Recorder& rec) { rec.copy(*this, staging, out.size(), offset, 0); });
  staging.read(out);
}

}  // namespace vkcnn
