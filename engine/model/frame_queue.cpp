#include <vkcnn/model/frame_queue.h>
#include <vkcnn/vk/context.h>

namespace vkcnn {

FrameQueue::FrameQueue(const Model& model, const ForwardPlan& plan, const FrameLayout& layout, uint32_t slots)
    : model_(&model), plan_(&plan), layout_(layout) {
  if (slots == 0) throw Error(model.origin() + ": frames in flight need at least one slot");
  if (plan.batch() != 1)
    throw Error(model.origin() + ": frames in flight need a batch-1 plan, got batch " + std::to_string(plan.batch()));
  Context& ctx = model.context();
  const std::size_t out_bytes = plan.output().shape.count() * sizeof(float);
  slots_.resize(slots);
  for (Slot& s : slots_) {
    s.pre = std::make_unique<Preprocessor>(ctx, model.spec().input, layout);
    if (!s.pre->frame_memory()) throw Error("the Vulkan device offers no host-visible memory for frames");
    layout_ = s.pre->layout();
    s.readback = Buffer(ctx, out_bytes, MemoryKind::Readback);
    s.fence = ctx.make_fence("vkCreateFence for a frame slot");
    s.rec = std::make_unique<Recorder>(ctx);
    s.rec->begin();
    s.rec->after_earlier_submissions();  // the previous slot's frame may still use the plan's buffers
    s.pre->record(*s.rec, plan.input(), 0);
    s.rec->mark("preprocess");
    plan.record(*s.rec);
    s.rec->copy(*plan.output().buffer, s.readback, out_bytes);
    s.rec->end();
  }
}

FrameQueue::~FrameQueue() {
  for (Slot& s : slots_) {
    if (!s.ticket) continue;
    VkFence fence = s.fence.get();
    // Nothing to report from a destructor; a lost device frees everything anyway.
    vkWaitForFences(model_->context().device(), 1, &fence, VK_TRUE, model_->context().fence_timeout_ns());
  }
}

FrameQueue::Slot& FrameQueue::free_slot() {
  for (Slot& s : slots_)
    if (!s.ticket) return s;
  throw Error(model_->origin() + ": all " + std::to_string(slots()) +
              " frame slots are in flight; wait for one before submitting another frame");
}

void* FrameQueue::frame_memory() { return free_slot().pre->frame_memory(); }

FrameQueue::Ticket FrameQueue::submit() {
  Slot& s = free_slot();
  s.rec->submit(s.fence.get());
  s.ticket = next_ticket_++;
  ++in_flight_;
  return s.ticket;
}

FrameQueue::Ticket FrameQueue::submit_in_place(const void* data) {
  Slot& s = free_slot();
  Context& ctx = model_->context();
  Buffer imported = Buffer::import_host(ctx, data, layout_.size);
  if (!imported.valid()) return 0;
  if (!s.forward_rec) {
    const std::size_t out_bytes = plan_->output().shape.count() * sizeof(float);
    s.forward_rec = std::make_unique<Recorder>(ctx);
    s.forward_rec->begin();
    s.forward_rec->after_earlier_submissions();  // this frame's preprocessing, submitted just before
    plan_->record(*s.forward_rec);
    s.forward_rec->copy(*plan_->output().buffer, s.readback, out_bytes);
    s.forward_rec->end();
    s.import_rec = std::make_unique<Recorder>(ctx);
  }
  // The import is a new buffer every frame, so its preprocessing is recorded every frame.
  s.import_rec->begin();
  s.import_rec->after_earlier_submissions();  // the previous slot's frame may still use the plan's buffers
  s.pre->record(*s.import_rec, plan_->input(), 0, &imported);
  s.import_rec->mark("preprocess");
  s.import_rec->end();
  s.import_rec->submit(VK_NULL_HANDLE);
  s.forward_rec->submit(s.fence.get());
  s.imported = std::move(imported);
  s.ticket = next_ticket_++;
  ++in_flight_;
  return s.ticket;
}

void FrameQueue::wait_for_fence(Slot& s) {
  model_->context().wait_and_reset(s.fence.get(), "waiting for a frame in flight");
  s.ticket = 0;
  --in_flight_;
}

std::vector<std::pair<std::string, double>> FrameQueue::sections(const Slot& s) const {
  if (!s.imported.valid()) return s.rec->section_times();
  auto sections = s.import_rec->section_times();
  for (auto& section : s.forward_rec->section_times()) sections.push_back(std::move(section));
  return sections;
}

FrameQueue::Result FrameQueue::wait(Ticket ticket) {
  for (Slot& s : slots_) {
    if (s.ticket != ticket || !ticket) continue;
    wait_for_fence(s);
    Result r;
    r.output.resize(s.readback.bytes() / sizeof(float));
    s.readback.read(std::as_writable_bytes(std::span(r.output)));
    r.sections = sections(s);
    s.imported = Buffer();  // the GPU is done with the frame's memory
    return r;
  }
  throw Error(model_->origin() + ": frame ticket " + std::to_string(ticket) + " is not in flight");
}

void FrameQueue::discard() {
  for (Slot& s : slots_) {
    if (s.ticket) wait_for_fence(s);
    s.imported = Buffer();
  }
}

}  // namespace vkcnn
