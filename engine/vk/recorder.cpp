#include <vkcnn/vk/context.h>
#include <vkcnn/vk/recorder.h>

namespace vkcnn {
namespace {
constexpr uint32_t kMaxSections = 1024;
}

Recorder::Recorder(Context& ctx) : ctx_(&ctx) {
  // Each recorder has its own pool: pools are externally synchronised, and the plugin records
  // on the streaming thread while a model reload records on another.
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = ctx.queue_family();
  vk_check(vkCreateCommandPool(ctx.device(), &pci, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkResult r = vkAllocateCommandBuffers(ctx.device(), &ai, &cmd_);
  if (r == VK_SUCCESS && ctx.profiling()) {
    VkQueryPoolCreateInfo qci{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qci.queryCount = kMaxSections + 1;
    r = vkCreateQueryPool(ctx.device(), &qci, nullptr, &queries_);
    query_capacity_ = kMaxSections + 1;
  }
  if (r != VK_SUCCESS) {
    vkDestroyCommandPool(ctx.device(), pool_, nullptr);
    vk_check(r, "creating a command buffer");
  }
}

Recorder::~Recorder() {
  destroy_views();
  if (queries_) vkDestroyQueryPool(ctx_->device(), queries_, nullptr);
  vkDestroyCommandPool(ctx_->device(), pool_, nullptr);
}

void Recorder::begin() {
  vk_check(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  vk_check(vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
  written_.clear();
  read_.clear();
  labels_.clear();
  destroy_views();
  recording_ = true;
  ended_ = false;
  if (queries_) {
    vkCmdResetQueryPool(cmd_, queries_, 0, query_capacity_);
    vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
  }
}

void Recorder::after_earlier_submissions() {
  // A barrier's first scope holds every command earlier in submission order, across command
  // buffers, so one barrier at the start orders this recording after all earlier submissions.
  full_barrier();
}

void Recorder::full_barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                     VK_ACCESS_TRANSFER_WRITE_BIT;
  constexpr VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
  written_.clear();
  read_.clear();
}

VkBufferView Recorder::texel_view(const Kernel& k, size_t slot, const Binding& b) {
  const std::string what = std::string("dispatch of ") + k.name + ": binding " + std::to_string(slot);
  if (b.texels == VK_FORMAT_UNDEFINED) throw Error(what + " is a texel buffer; bind it with a texel format");
  VkBufferViewCreateInfo ci{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  ci.buffer = b.buffer;
  ci.format = b.texels;
  ci.offset = b.offset;
  ci.range = b.range;
  VkBufferView view = VK_NULL_HANDLE;
  vk_check(vkCreateBufferView(ctx_->device(), &ci, nullptr, &view), (what + ": vkCreateBufferView").c_str());
  views_.push_back(view);
  return view;
}

void Recorder::destroy_views() {
  for (VkBufferView v : views_) vkDestroyBufferView(ctx_->device(), v, nullptr);
  views_.clear();
}

void Recorder::barrier_if_needed(const Binding* bindings, size_t count) {
  bool needed = false;
  for (size_t i = 0; i < count && !needed; ++i) {
    const Binding& b = bindings[i];
    needed = written_.count(b.buffer) || (b.write && read_.count(b.buffer));
  }
  if (needed) full_barrier();
  for (size_t i = 0; i < count; ++i) (bindings[i].write ? written_ : read_).insert(bindings[i].buffer);
}

void Recorder::dispatch_raw(const Kernel& k, const Binding* bindings, size_t count, const void* push,
                            uint32_t push_bytes, Groups groups) {
  if (count != k.bindings.size())
    throw Error(std::string("dispatch of ") + k.name + ": " + std::to_string(count) + " buffers bound, shader has " +
                std::to_string(k.bindings.size()));
  if (count > 16) throw Error(std::string("dispatch of ") + k.name + ": more than 16 buffers");
  VkDescriptorBufferInfo infos[16];
  VkBufferView views[16];
  VkWriteDescriptorSet writes[16];
  for (size_t i = 0; i < count; ++i) {
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstBinding = static_cast<uint32_t>(i);
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = k.bindings[i];
    if (k.bindings[i] == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER) {
      infos[i] = {bindings[i].buffer, bindings[i].offset, bindings[i].range};
      writes[i].pBufferInfo = &infos[i];
    } else {
      views[i] = texel_view(k, i, bindings[i]);
      writes[i].pTexelBufferView = &views[i];
    }
  }
  barrier_if_needed(bindings, count);
  vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
  vkCmdPushDescriptorSetKHR(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0, static_cast<uint32_t>(count), writes);
  if (push_bytes) vkCmdPushConstants(cmd_, k.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  if (groups.x && groups.y && groups.z) vkCmdDispatch(cmd_, groups.x, groups.y, groups.z);
  // Indented under the layer whose section then closes (its own time: what is left, ~0).
  if (ctx_->profiling_dispatches()) mark(std::string("  ") + k.name);
}

void Recorder::copy(const Buffer& src, const Buffer& dst, VkDeviceSize bytes, VkDeviceSize src_offset,
                    VkDeviceSize dst_offset) {
  Binding b[2] = {reads(src), writes(dst)};
  barrier_if_needed(b, 2);
  VkBufferCopy region{src_offset, dst_offset, bytes};
  vkCmdCopyBuffer(cmd_, src.handle(), dst.handle(), 1, &region);
}

void Recorder::fill(const Buffer& dst, uint32_t word) {
  Binding b = writes(dst);
  barrier_if_needed(&b, 1);
  vkCmdFillBuffer(cmd_, dst.handle(), 0, VK_WHOLE_SIZE, word);
}

void Recorder::mark(const std::string& label) {
  if (!queries_ || labels_.size() + 1 >= query_capacity_) return;
  labels_.push_back(label);
  vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, static_cast<uint32_t>(labels_.size()));
}

void Recorder::end() {
  // Make every device write visible to the host, which maps results after the fence.
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  vk_check(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  recording_ = false;
  ended_ = true;
}

void Recorder::submit_and_wait() {
  if (!ended_) throw Error("Recorder::submit_and_wait called before end()");
  ctx_->submit_and_wait(cmd_);
}

void Recorder::submit(VkFence fence) {
  if (!ended_) throw Error("Recorder::submit called before end()");
  ctx_->submit(cmd_, fence);
}

std::vector<std::pair<std::string, double>> Recorder::section_times() const {
  std::vector<std::pair<std::string, double>> out;
  if (!queries_ || labels_.empty()) return out;
  std::vector<uint64_t> ticks(labels_.size() + 1);
  vk_check(vkGetQueryPoolResults(ctx_->device(), queries_, 0, static_cast<uint32_t>(ticks.size()),
                                 ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                                 VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
           "vkGetQueryPoolResults");
  double ns = ctx_->info().timestamp_period_ns;
  for (size_t i = 0; i < labels_.size(); ++i)
    out.emplace_back(labels_[i], static_cast<double>(ticks[i + 1] - ticks[i]) * ns * 1e-6);
  return out;
}

}  // namespace vkcnn
