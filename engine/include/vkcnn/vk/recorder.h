// A command buffer that records dispatches and copies, inserting a barrier only where a
// dispatch touches a buffer that an earlier, not yet fenced-off command wrote (or reads
// one it is about to overwrite). Record once, submit as often as wanted.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>
#include <volk.h>

#include <vkcnn/vk/buffer.h>
#include <vkcnn/vk/kernel.h>

namespace vkcnn {

class Context;

// One buffer (or a range of it) for one binding of a dispatch. For a shader's texel-buffer
// bindings (`uniform samplerBuffer`), `texels` is the format the recorder makes a view with.
struct Binding {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize range = VK_WHOLE_SIZE;
  bool write = false;
  VkFormat texels = VK_FORMAT_UNDEFINED;
};
inline Binding reads(const Buffer& b) { return {b.handle(), 0, VK_WHOLE_SIZE, false}; }
inline Binding writes(const Buffer& b) { return {b.handle(), 0, VK_WHOLE_SIZE, true}; }

struct Groups {
  uint32_t x = 1, y = 1, z = 1;
};
inline uint32_t div_up(uint64_t n, uint64_t d) { return static_cast<uint32_t>((n + d - 1) / d); }

class Recorder {
 public:
  explicit Recorder(Context& ctx);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  Context& context() const { return *ctx_; }

  // Starts a new recording (discarding the previous one).
  void begin();
  // Orders what follows after every command submitted to the queue before this recording (a
  // barrier on all compute and transfer work): for recordings that may be submitted while an
  // earlier one touching the same buffers still runs (frames in flight).
  void after_earlier_submissions();
  // Push constants are any trivially copyable struct of at most 128 bytes.
  template <class Push>
  void dispatch(const Kernel& k, std::initializer_list<Binding> bindings, const Push& push, Groups groups) {
    static_assert(sizeof(Push) <= kMaxPushConstantBytes, "push constants are limited to 128 bytes");
    dispatch_raw(k, bindings.begin(), bindings.size(), &push, sizeof(Push), groups);
  }
  void dispatch_raw(const Kernel& k, const Binding* bindings, size_t count, const void* push, uint32_t push_bytes,
                    Groups groups);
  void copy(const Buffer& src, const Buffer& dst, VkDeviceSize bytes, VkDeviceSize src_offset = 0,
            VkDeviceSize dst_offset = 0);
  void fill(const Buffer& dst, uint32_t word = 0);
  // A GPU timestamp closing the section called label (recorded only when profiling).
  void mark(const std::string& label);
  void end();

  // Submits what was recorded and waits for it; the recording can be submitted again.
  void submit_and_wait();
  // Submits what was recorded without waiting: `fence` signals when it is done. The recording
  // must not be submitted again before then.
  void submit(VkFence fence);
  // After submit_and_wait of a profiled recording: (label, milliseconds) per section.
  std::vector<std::pair<std::string, double>> section_times() const;

 private:
  void barrier_if_needed(const Binding* bindings, size_t count);
  VkBufferView texel_view(const Kernel& k, size_t slot, const Binding& b);
  void destroy_views();
  void full_barrier();

  Context* ctx_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t query_capacity_ = 0;
  std::vector<std::string> labels_;
  std::unordered_set<VkBuffer> written_, read_;
  std::vector<VkBufferView> views_;  // texel views of this recording: they live until the next begin()
  bool recording_ = false;
  bool ended_ = false;
};

// Records fn(Recorder&) into a fresh command buffer, submits it and waits: for setup work.
template <class Fn>
void run_once(Context& ctx, Fn&& fn) {
  Recorder rec(ctx);
  rec.begin();
  fn(rec);
  rec.end();
  rec.submit_and_wait();
}

}  // namespace vkcnn
