#include <algorithm>
#include <string>

#include <vkcnn/model/region_batch.h>
#include <vkcnn/vk/context.h>

namespace vkcnn {

RegionBatch::RegionBatch(const Model& model, const FrameLayout& layout, uint32_t max_batch, Precision precision,
                         uint32_t slots)
    : model_(&model), layout_(layout), max_batch_(max_batch), precision_(precision) {
  if (max_batch == 0) throw Error(model.origin() + ": region batches need a maximum batch of at least 1");
  if (slots == 0) throw Error(model.origin() + ": frames in flight need at least one slot");
  Context& ctx = model.context();
  slots_.resize(slots);
  for (Slot& s : slots_) {
    s.pre = std::make_unique<Preprocessor>(ctx, model.spec().input, layout);
    if (!s.pre->frame_memory()) throw Error("the Vulkan device offers no host-visible memory for frames");
    layout_ = s.pre->layout();
    s.fence = ctx.make_fence("vkCreateFence for a region frame slot");
    s.rec = std::make_unique<Recorder>(ctx);
  }
}

RegionBatch::~RegionBatch() {
  for (Slot& s : slots_) {
    if (!s.ticket) continue;
    VkFence fence = s.fence.get();
    // Nothing to report from a destructor; a lost device frees everything anyway.
    vkWaitForFences(model_->context().device(), 1, &fence, VK_TRUE, model_->context().fence_timeout_ns());
  }
}

ForwardPlan& RegionBatch::plan_for(uint32_t regions) {
  uint32_t batch = 1;
  while (batch < regions) batch *= 2;
  batch = std::min(batch, max_batch_);
  auto& plan = plans_[batch];
  if (!plan) plan = std::make_unique<ForwardPlan>(*model_, batch, precision_);
  return *plan;
}

RegionBatch::Slot& RegionBatch::free_slot() {
  for (Slot& s : slots_)
    if (!s.ticket) return s;
  throw Error(model_->origin() + ": all " + std::to_string(slots()) +
              " region frame slots are in flight; wait for one before submitting another frame");
}

void* RegionBatch::frame_memory() { return free_slot().pre->frame_memory(); }

RegionBatch::Ticket RegionBatch::submit(std::span<const FrameRegion> regions) {
  return submit(free_slot(), regions, Buffer());
}

RegionBatch::Ticket RegionBatch::submit_in_place(const void* data, std::span<const FrameRegion> regions) {
  Slot& s = free_slot();
  Buffer imported = Buffer::import_host(model_->context(), data, layout_.size);
  if (!imported.valid()) return 0;
  return submit(s, regions, std::move(imported));
}

RegionBatch::Ticket RegionBatch::submit(Slot& s, std::span<const FrameRegion> regions, Buffer imported) {
  Context& ctx = model_->context();
  const std::size_t classes = model_->classes();
  const std::size_t chunks = (regions.size() + max_batch_ - 1) / max_batch_;
  while (s.params.size() < chunks) s.params.emplace_back(ctx, Preprocessor::region_params_bytes(max_batch_), MemoryKind::Upload);
  const std::size_t out_bytes = std::max<std::size_t>(regions.size(), 1) * classes * sizeof(float);
  if (s.readback.bytes() < out_bytes) s.readback = Buffer(ctx, out_bytes, MemoryKind::Readback);

  s.rec->begin();
  // An earlier slot's frame may still use the plans' buffers (and this slot's own last frame
  // is waited for before its slot is free, so its buffers are not in use).
  s.rec->after_earlier_submissions();
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t first = c * max_batch_;
    const auto chunk = regions.subspan(first, std::min<std::size_t>(max_batch_, regions.size() - first));
    ForwardPlan& plan = plan_for(static_cast<uint32_t>(chunk.size()));
    s.pre->record_regions(*s.rec, plan.input(), chunk, s.params[c], imported.valid() ? &imported : nullptr);
    s.rec->mark("preprocess");
    plan.record(*s.rec);
    s.rec->copy(*plan.output().buffer, s.readback, chunk.size() * classes * sizeof(float), 0,
                first * classes * sizeof(float));
  }
  s.rec->end();
  s.rec->submit(s.fence.get());
  s.regions = regions.size();
  s.imported = std::move(imported);
  s.ticket = next_ticket_++;
  ++in_flight_;
  passes_ += chunks;
  return s.ticket;
}

void RegionBatch::wait_for_fence(Slot& s) {
  model_->context().wait_and_reset(s.fence.get(), "waiting for a frame's regions in flight");
  s.ticket = 0;
  --in_flight_;
}

std::vector<float> RegionBatch::wait(Ticket ticket) {
  for (Slot& s : slots_) {
    if (s.ticket != ticket || !ticket) continue;
    wait_for_fence(s);
    std::vector<float> out(s.regions * model_->classes());
    s.readback.read(std::as_writable_bytes(std::span(out)));
    s.imported = Buffer();  // the GPU is done with the frame's memory
    return out;
  }
  throw Error(model_->origin() + ": region frame ticket " + std::to_string(ticket) + " is not in flight");
}

void RegionBatch::discard() {
  for (Slot& s : slots_) {
    if (s.ticket) wait_for_fence(s);
    s.imported = Buffer();
  }
}

}  // namespace vkcnn
