// A device buffer that owns its memory (move-only RAII).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <volk.h>

namespace vkcnn {

class Context;

enum class MemoryKind {
  Device,    // device-local; host-mapped only where the device allows it (UMA, lavapipe, ReBAR)
  Upload,    // host-visible, for data the host writes every pass (frames, batches)
  Readback,  // host-visible and cached, for results the host reads every pass
};

class Buffer {
 public:
  Buffer() = default;
  Buffer(Context& ctx, std::size_t bytes, MemoryKind kind);
  // The host memory [data, data + bytes) as a buffer the GPU reads where it lies
  // (VK_EXT_external_memory_host), so that nothing copies it: an invalid Buffer (valid() false)
  // when the device cannot import it (no extension, data not on a multiple of
  // DeviceInfo::host_import_alignment, a memory type that is not host-coherent). The import
  // covers whole alignment units, so the rest of data's last page must be mapped memory, as it
  // is wherever the alignment is at most the page size (else bytes must be a multiple of it).
  // The memory must outlive the buffer and not change while the GPU reads it.
  static Buffer import_host(Context& ctx, const void* data, std::size_t bytes);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  std::size_t bytes() const { return bytes_; }
  // Non-null when the memory is host-visible; stays mapped for the buffer's life.
  void* mapped() const { return mapped_; }
  bool valid() const { return buffer_ != VK_NULL_HANDLE; }

  // Copies host data in (through a staging buffer and a one-off submit when the memory is not
  // host-visible). For setup work such as weights; per-pass data goes through Recorder::copy.
  void write(std::span<const std::byte> data, std::size_t offset = 0);
  void read(std::span<std::byte> out, std::size_t offset = 0) const;

 private:
  void release() noexcept;

  Context* ctx_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  std::size_t bytes_ = 0;
  void* mapped_ = nullptr;
  bool coherent_ = true;
};

}  // namespace vkcnn
