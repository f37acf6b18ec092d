// Regions of one frame through one model in batches: every region of the frame is cropped and
// resized in ONE preprocessing dispatch, then ONE forward pass of batch N runs them all (N =
// the number of regions; more than max_batch regions run as several such chunks, all in the
// frame's one submission). The second stage after a detector: classify every detected object of
// a frame at once.
//
// Frames in flight, as FrameQueue has them: up to `slots` frames are on the GPU at once, each
// slot with its own frame memory, region parameters, readback and command buffer, so the host
// can write frame n+1 while the GPU still runs frame n. The slots share the plans (every
// recording starts with a barrier against earlier submissions), so the GPU runs the frames one
// after another, in submission order.
//
//   RegionBatch rb(model, layout, 16, Precision::Fp32, 2);
//   write the frame to rb.frame_memory();  auto t = rb.submit(regions);  ... later: rb.wait(t)
//   (or, one frame at a time: auto out = rb.run(regions);  // regions x classes)
//
// Forward plans are made on first use for batch sizes that are powers of two up to max_batch
// (a frame with 3 regions runs the batch-4 plan, its 4th image left unread), so a stream whose
// region count changes every frame reuses a handful of plans instead of building one per count.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/preprocess.h>
#include <vkcnn/vk/owned.h>

namespace vkcnn {

class RegionBatch {
 public:
  using Ticket = uint64_t;  // numbered from 1 in submission order

  // Throws Error for max_batch == 0, slots == 0 or a layout the Preprocessor rejects.
  RegionBatch(const Model& model, const FrameLayout& layout, uint32_t max_batch, Precision precision = Precision::Fp32,
              uint32_t slots = 1);
  // Waits for the frames still in flight (their command buffers must not be freed under the GPU).
  ~RegionBatch();
  RegionBatch(const RegionBatch&) = delete;
  RegionBatch& operator=(const RegionBatch&) = delete;

  const FrameLayout& layout() const { return layout_; }
  uint32_t max_batch() const { return max_batch_; }
  uint32_t slots() const { return static_cast<uint32_t>(slots_.size()); }
  uint32_t in_flight() const { return in_flight_; }
  bool full() const { return in_flight_ == slots(); }
  // Forward passes submitted so far (one per chunk of at most max_batch regions).
  uint64_t passes() const { return passes_; }

  // Host-visible memory (layout().size bytes) of the slot the next submit() uses: write the
  // frame here. Throws Error when every slot is in flight (wait for one first).
  void* frame_memory();
  // Submits the regions of the frame written to frame_memory() without waiting. Throws Error
  // naming a region that is empty or not inside the frame (nothing is submitted then), or when
  // every slot is in flight.
  Ticket submit(std::span<const FrameRegion> regions);
  // submit() of the frame at `data` (layout().size bytes in layout()) read where it lies, as
  // FrameQueue::submit_in_place does it: returns 0 and submits nothing where the device cannot
  // import that memory (copy the frame and submit() then). The memory must stay valid and
  // unchanged until wait() or discard() has returned for the ticket.
  Ticket submit_in_place(const void* data, std::span<const FrameRegion> regions);
  // Waits for that frame: the model's output for each of its regions, region after region
  // (regions x classes floats); its slot is free again. Tickets may be waited for in any order.
  // Throws Error for a ticket that is not in flight.
  std::vector<float> wait(Ticket ticket);
  // Waits for every frame in flight and drops their results (a flush): all slots are free.
  void discard();
  // submit() and wait() of one frame.
  std::vector<float> run(std::span<const FrameRegion> regions) { return wait(submit(regions)); }

 private:
  struct Slot {
    std::unique_ptr<Preprocessor> pre;
    std::vector<Buffer> params;  // per chunk: its regions' preprocessing parameters
    Buffer readback;             // regions x classes floats, grown as frames need
    std::size_t regions = 0;     // of the frame in flight
    Buffer imported;             // its memory, when read in place
    std::unique_ptr<Recorder> rec;
    Owned<VkFence> fence;
    Ticket ticket = 0;  // 0: free
  };
  Slot& free_slot();
  ForwardPlan& plan_for(uint32_t regions);
  Ticket submit(Slot& slot, std::span<const FrameRegion> regions, Buffer imported);
  void wait_for_fence(Slot& slot);

  const Model* model_;
  FrameLayout layout_;
  uint32_t max_batch_;
  Precision precision_;                                     // of every plan
  std::map<uint32_t, std::unique_ptr<ForwardPlan>> plans_;  // by batch size
  std::vector<Slot> slots_;
  uint32_t in_flight_ = 0;
  Ticket next_ticket_ = 1;
  uint64_t passes_ = 0;
};

}  // namespace vkcnn
