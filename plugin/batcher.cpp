#include "batcher.h"

#include <algorithm>
#include <cstring>
#include <exception>

namespace vkcnn::plugin {

namespace {
uint32_t power_of_two_at_least(uint32_t n) {
  uint32_t p = 1;
  while (p < n) p *= 2;
  return p;
}

// The plan for `batch` images with its recordings, made on first use. Plans are kept per power
// of two, so a batcher of batch-size 64 holds at most seven sets of activations, not 64.
LoadedModel::BatchPass& batch_pass(LoadedModel& m, uint32_t batch) {
  auto& slot = m.passes[batch];
  if (slot) return *slot;
  auto p = std::make_unique<LoadedModel::BatchPass>();
  Context& ctx = *m.ctx;
  p->plan = std::make_unique<ForwardPlan>(*m.model, batch, m.precision);
  const std::size_t out_bytes = p->plan->output().shape.count() * sizeof(float);
  p->readback = Buffer(ctx, out_bytes, MemoryKind::Readback);
  p->fence = ctx.make_fence("vkCreateFence for a batch");
  p->preprocess = std::make_unique<Recorder>(ctx);
  p->forward = std::make_unique<Recorder>(ctx);
  p->forward->begin();
  p->forward->after_earlier_submissions();  // the batch's preprocessing, submitted just before
  p->plan->record(*p->forward);
  p->forward->copy(*p->plan->output().buffer, p->readback, out_bytes);
  p->forward->end();
  slot = std::move(p);
  return *slot;
}
}  // namespace

void prepare_batch_passes(LoadedModel& m, uint32_t max_batch) {
  for (uint32_t batch = 1; batch < power_of_two_at_least(max_batch) * 2; batch *= 2) batch_pass(m, batch);
}

Batcher::Batcher(uint32_t max_batch, std::chrono::microseconds timeout)
    : max_batch_(std::max<uint32_t>(max_batch, 1)), timeout_(timeout) {
  thread_ = std::thread([this] { run(); });
}

Batcher::~Batcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

Batcher::Statistics Batcher::statistics() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<Batcher::Request*> Batcher::next_batch(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (stop_) return {};
    if (queue_.empty()) {
      work_.wait(lock);
      continue;
    }
    // The oldest frame decides the model; frames of another (a reload under way) wait for the
    // next batch. Taking same-model frames from anywhere keeps each stream's order, since a
    // stream's frames are all of one model.
    const LoadedModel* model = queue_.front()->model.get();
    const auto same_model = [&](const Request* r) { return r->model.get() == model; };
    const auto count = static_cast<uint32_t>(std::count_if(queue_.begin(), queue_.end(), same_model));
    const auto deadline = queue_.front()->queued + timeout_;
    if (count < max_batch_ && waiting_ < streams_ && std::chrono::steady_clock::now() < deadline) {
      work_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Request*> batch;
    for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_;) {
      if (!same_model(*it)) {
        ++it;
        continue;
      }
      (*it)->state = Request::State::Running;
      batch.push_back(*it);
      it = queue_.erase(it);
    }
    return batch;
  }
}

void Batcher::execute(const std::vector<Request*>& batch) {
  LoadedModel& model = *batch.front()->model;
  const auto n = static_cast<uint32_t>(batch.size());
  try {
    LoadedModel::BatchPass& pass = batch_pass(model, power_of_two_at_least(n));
    // Images n.. of a rounded-up batch hold whatever an earlier batch left: their rows are not
    // read, and no image's result depends on another's.
    pass.preprocess->begin();
    pass.preprocess->after_earlier_submissions();  // the previous batch's forward pass read the input
    for (uint32_t i = 0; i < n; ++i) {
      const Buffer& own = batch[i]->imported;
      batch[i]->pre->record(*pass.preprocess, pass.plan->input(), i, own.valid() ? &own : nullptr);
    }
    pass.preprocess->end();
    pass.preprocess->submit(VK_NULL_HANDLE);
    pass.forward->submit(pass.fence.get());
    model.ctx->wait_and_reset(pass.fence.get(), "waiting for a batch of frames");
    const std::size_t per_frame = pass.readback.bytes() / sizeof(float) / pass.plan->batch();
    std::vector<float> all(pass.readback.bytes() / sizeof(float));
    pass.readback.read(std::as_writable_bytes(std::span(all)));
    for (uint32_t i = 0; i < n; ++i)
      batch[i]->output.assign(all.begin() + i * per_frame, all.begin() + (i + 1) * per_frame);
  } catch (const std::exception& e) {
    for (Request* r : batch) r->error = model.path + ": batch of " + std::to_string(n) + " frames: " + e.what();
  }
}

void Batcher::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    std::vector<Request*> batch = next_batch(lock);
    if (batch.empty()) return;
    lock.unlock();
    execute(batch);
    lock.lock();
    for (Request* r : batch) r->state = Request::State::Done;
    ++stats_.batches;
    stats_.frames += batch.size();
    stats_.largest = std::max(stats_.largest, static_cast<uint32_t>(batch.size()));
    done_.notify_all();
  }
}

BatchStream::BatchStream(std::shared_ptr<Batcher> batcher, std::shared_ptr<LoadedModel> model,
                         const FrameLayout& layout, uint32_t slots)
    : batcher_(std::move(batcher)), model_(std::move(model)), layout_(layout) {
  if (slots == 0) throw Error(model_->path + ": frames in flight need at least one slot");
  slots_.resize(slots);  // never resized again: the batcher's queue points into it
  for (Slot& s : slots_) {
    s.pre = std::make_unique<Preprocessor>(*model_->ctx, model_->model->spec().input, layout);
    if (!s.pre->frame_memory()) throw Error("the Vulkan device offers no host-visible memory for frames");
    layout_ = s.pre->layout();
    s.request.pre = s.pre.get();
    s.request.model = model_;
  }
  std::lock_guard lock(batcher_->mutex_);
  ++batcher_->streams_;
}

BatchStream::~BatchStream() {
  discard();
  {
    std::lock_guard lock(batcher_->mutex_);
    --batcher_->streams_;
  }
  batcher_->work_.notify_all();  // the others may now be all the streams there are, all waiting
}

BatchStream::Slot& BatchStream::free_slot() {
  for (Slot& s : slots_)
    if (!s.ticket) return s;
  throw Error(model_->path + ": all " + std::to_string(slots()) +
              " frame slots are in flight; wait for one before submitting another frame");
}

void* BatchStream::frame_memory() { return free_slot().pre->frame_memory(); }

uint64_t BatchStream::submit() { return submit(free_slot()); }

uint64_t BatchStream::submit_in_place(const void* data) {
  Slot& s = free_slot();
  s.request.imported = Buffer::import_host(*model_->ctx, data, layout_.size);
  if (!s.request.imported.valid()) return 0;
  return submit(s);
}

uint64_t BatchStream::submit(Slot& s) {
  {
    std::lock_guard lock(batcher_->mutex_);
    s.request.state = Batcher::Request::State::Queued;
    s.request.queued = std::chrono::steady_clock::now();
    s.request.error.clear();
    batcher_->queue_.push_back(&s.request);
  }
  batcher_->work_.notify_all();
  s.ticket = next_ticket_++;
  ++in_flight_;
  return s.ticket;
}

std::vector<float> BatchStream::wait(uint64_t ticket) {
  for (Slot& s : slots_) {
    if (s.ticket != ticket || !ticket) continue;
    std::unique_lock lock(batcher_->mutex_);
    if (s.request.state != Batcher::Request::State::Done) {
      ++batcher_->waiting_;
      batcher_->work_.notify_all();
      batcher_->done_.wait(lock, [&] { return s.request.state == Batcher::Request::State::Done; });
      --batcher_->waiting_;
    }
    s.request.state = Batcher::Request::State::Free;
    s.request.imported = Buffer();  // the GPU is done with the frame's memory
    s.ticket = 0;
    --in_flight_;
    std::vector<float> output = std::move(s.request.output);
    if (!s.request.error.empty()) throw Error(s.request.error);
    return output;
  }
  throw Error(model_->path + ": frame ticket " + std::to_string(ticket) + " is not in flight");
}

void BatchStream::discard() {
  std::unique_lock lock(batcher_->mutex_);
  auto& queue = batcher_->queue_;
  for (Slot& s : slots_) {
    if (s.request.state != Batcher::Request::State::Queued) continue;
    queue.erase(std::find(queue.begin(), queue.end(), &s.request));
    s.request.state = Batcher::Request::State::Done;
  }
  // A frame in a running batch is written by the GPU and then by the batcher's thread.
  batcher_->done_.wait(lock, [&] {
    return std::none_of(slots_.begin(), slots_.end(),
                        [](const Slot& s) { return s.request.state == Batcher::Request::State::Running; });
  });
  for (Slot& s : slots_) {
    s.request.state = Batcher::Request::State::Free;
    s.request.output.clear();
    s.request.imported = Buffer();
    s.ticket = 0;
  }
  in_flight_ = 0;
}

}  // namespace vkcnn::plugin
