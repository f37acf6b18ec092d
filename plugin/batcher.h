// One forward pass for frames of many streams: the batcher behind a shared model instance
// (vkcnnclassify's model-instance-id). Each stream (BatchStream, one per element and caps) keeps
// its own preprocessing: per frame slot, an upload buffer and a Preprocessor for its own format
// and size. A stream copies a frame into a free slot and queues it; the batcher's thread gathers
// queued frames of one model into a batch of up to `max_batch`, records each frame's
// preprocessing into its own image of the batch input, runs the forward pass once and hands each
// frame its row of the output. Frames leave in queue order, so each stream's results come in the
// order its frames went in.
//
// When a batch leaves: as soon as `max_batch` frames of its model are queued, or every stream
// attached is waiting for a result (no more frames can come before this batch runs), or
// `timeout` after its oldest frame was queued, whichever is first. With timeout 0 a batch leaves
// as soon as the thread is free; the frames queued while the previous batch ran form the next.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/preprocess.h>
#include <vkcnn/vk/context.h>
#include <vkcnn/vk/owned.h>

namespace vkcnn::plugin {

// A model as a shared instance loads it; a reload makes a new one. Requests keep theirs alive,
// so a batch in flight finishes on the model it was queued for.
struct LoadedModel {
  std::shared_ptr<Context> ctx;  // outlives the model's buffers
  std::unique_ptr<Model> model;
  std::string name, path;
  Precision precision = Precision::Fp32;  // of every plan made for it
  // Forward plans per batch size (powers of two up to the instance's batch-size), with the
  // recordings of one batch. Made and used only by the batcher's thread.
  struct BatchPass {
    std::unique_ptr<ForwardPlan> plan;
    std::unique_ptr<Recorder> preprocess;  // re-recorded per batch: which stream's slot goes where
    std::unique_ptr<Recorder> forward;     // recorded once: layers, then the output's readback
    Buffer readback;
    Owned<VkFence> fence;
  };
  std::map<uint32_t, std::unique_ptr<BatchPass>> passes;
};

// Makes the forward plans and recordings of every batch size a batcher of `max_batch` may run
// (the powers of two up to it), which it would otherwise make when a batch of that size first
// comes: mid-stream, stalling every stream of the instance (ResNet-18 at 224x224: a plan takes
// longer than a batch). Called when a shared instance loads a model, before any batch can use it.
// Throws Error when a plan cannot be made (its memory, a device limit).
void prepare_batch_passes(LoadedModel& m, uint32_t max_batch);

class BatchStream;

class Batcher {
 public:
  struct Statistics {
    uint64_t batches = 0, frames = 0;
    uint32_t largest = 0;  // frames in the largest batch
  };

  Batcher(uint32_t max_batch, std::chrono::microseconds timeout);
  // Stops the thread. Every stream must be gone by then (they hold the batcher).
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  uint32_t max_batch() const { return max_batch_; }
  std::chrono::microseconds timeout() const { return timeout_; }
  Statistics statistics() const;

 private:
  friend class BatchStream;
  struct Request {
    enum class State { Free, Queued, Running, Done };
    State state = State::Free;
    const Preprocessor* pre = nullptr;
    Buffer imported;  // the frame's own memory, read in place; else pre's frame memory
    std::shared_ptr<LoadedModel> model;
    std::chrono::steady_clock::time_point queued;
    std::vector<float> output;
    std::string error;
  };

  void run();
  // Under the lock: the requests of the next batch (empty when stopping).
  std::vector<Request*> next_batch(std::unique_lock<std::mutex>& lock);
  // Without the lock: preprocessing of each frame, one forward pass, outputs (or an error).
  void execute(const std::vector<Request*>& batch);

  const uint32_t max_batch_;
  const std::chrono::microseconds timeout_;
  mutable std::mutex mutex_;
  std::condition_variable work_;  // a request was queued, a stream started waiting, or stop
  std::condition_variable done_;  // a batch finished
  std::deque<Request*> queue_;
  uint32_t streams_ = 0, waiting_ = 0;
  bool stop_ = false;
  Statistics stats_;
  std::thread thread_;
};

// One stream's frames through a batcher, with the interface of FrameQueue: up to `slots` frames
// queued or running at once; tickets count from 1 and may be waited for in any order. Used from
// one thread (its element's streaming thread).
class BatchStream {
 public:
  // Throws Error for slots == 0 or a layout the Preprocessor rejects for the model's input.
  BatchStream(std::shared_ptr<Batcher> batcher, std::shared_ptr<LoadedModel> model, const FrameLayout& layout,
              uint32_t slots);
  // Drops what is still queued and waits for what runs.
  ~BatchStream();
  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  uint32_t slots() const { return static_cast<uint32_t>(slots_.size()); }
  bool full() const { return in_flight_ == slots(); }
  const FrameLayout& layout() const { return layout_; }
  const LoadedModel& model() const { return *model_; }

  // Host-visible memory of the slot the next submit() uses. Throws Error when every slot is taken.
  void* frame_memory();
  uint64_t submit();
  // submit() of the frame at `data` (layout().size bytes in layout()) read where it lies
  // (Buffer::import_host); 0, submitting nothing, where the device cannot import that memory.
  // The memory must stay valid and unchanged until wait() or discard() has returned for it.
  uint64_t submit_in_place(const void* data);
  // The model's output for that frame; throws Error for an unknown ticket or a failed batch.
  std::vector<float> wait(uint64_t ticket);
  // Drops the frames still queued and waits for those in a running batch (a flush).
  void discard();

 private:
  struct Slot {
    std::unique_ptr<Preprocessor> pre;
    Batcher::Request request;
    uint64_t ticket = 0;  // 0: free
  };
  Slot& free_slot();
  uint64_t submit(Slot& slot);

  std::shared_ptr<Batcher> batcher_;
  std::shared_ptr<LoadedModel> model_;
  FrameLayout layout_;
  std::vector<Slot> slots_;
  uint32_t in_flight_ = 0;
  uint64_t next_ticket_ = 1;
};

}  // namespace vkcnn::plugin
