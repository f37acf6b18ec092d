// Frames in flight through one model: up to `slots` frames are on the GPU at once, so the host
// can write frame n+1 while the GPU still runs frame n. Each slot has its own frame memory
// (a Preprocessor), readback buffer, recorded command buffer and fence; the slots share the
// plan's input and activations, so every slot's recording starts with a barrier against earlier
// submissions and the GPU runs the frames one after another, in submission order.
//
//   FrameQueue q(model, plan, layout, 2);
//   write the frame to q.frame_memory();  auto t = q.submit();   ... later: q.wait(t).output
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/preprocess.h>
#include <vkcnn/vk/owned.h>

namespace vkcnn {

class FrameQueue {
 public:
  using Ticket = uint64_t;  // numbered from 1 in submission order

  struct Result {
    std::vector<float> output;                             // the model's output, one value per class
    std::vector<std::pair<std::string, double>> sections;  // GPU milliseconds per section (VKCNN_PROFILE=1)
  };

  // `plan` must be a batch-1 plan of `model`; both must outlive the queue. Throws Error for
  // slots == 0, another batch, or a layout the Preprocessor rejects.
  FrameQueue(const Model& model, const ForwardPlan& plan, const FrameLayout& layout, uint32_t slots);
  // Waits for the frames still in flight (their command buffers must not be freed under the GPU).
  ~FrameQueue();
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  uint32_t slots() const { return static_cast<uint32_t>(slots_.size()); }
  uint32_t in_flight() const { return in_flight_; }
  bool full() const { return in_flight_ == slots(); }
  const FrameLayout& layout() const { return layout_; }

  // Host-visible memory (layout().size bytes) of the slot the next submit() uses: write the
  // frame here. Throws Error when every slot is in flight (wait for one first).
  void* frame_memory();
  // Submits the frame written to frame_memory().
  Ticket submit();
  // Submits the frame at `data` (layout().size bytes in layout(): a mapped video frame, say)
  // where it lies, through Buffer::import_host, instead of copying it into frame_memory().
  // Returns 0 and submits nothing where the device cannot import that memory (see import_host):
  // copy the frame and submit() then. The memory must stay valid and unchanged until wait() or
  // discard() has returned for the ticket. Throws Error when every slot is in flight.
  Ticket submit_in_place(const void* data);
  // Waits for that frame and returns its result; its slot is free again. Tickets may be waited
  // for in any order. Throws Error for a ticket that is not in flight.
  Result wait(Ticket ticket);
  // Waits for every frame in flight and drops their results (a flush): all slots are free.
  void discard();

 private:
  struct Slot {
    std::unique_ptr<Preprocessor> pre;
    Buffer readback;
    std::unique_ptr<Recorder> rec;  // preprocessing from frame_memory(), forward pass, readback
    Owned<VkFence> fence;
    Ticket ticket = 0;  // 0: free
    // Frames submitted in place: the import, its preprocessing (recorded per frame) and the
    // forward pass with the readback (recorded on first use).
    Buffer imported;
    std::unique_ptr<Recorder> import_rec, forward_rec;
  };
  Slot& free_slot();
  void wait_for_fence(Slot& slot);
  std::vector<std::pair<std::string, double>> sections(const Slot& slot) const;

  const Model* model_;
  const ForwardPlan* plan_;
  FrameLayout layout_;
  std::vector<Slot> slots_;
  uint32_t in_flight_ = 0;
  Ticket next_ticket_ = 1;
};

}  // namespace vkcnn
