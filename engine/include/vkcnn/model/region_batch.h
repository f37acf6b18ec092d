// Regions of one frame through one model in batches: every region of the frame is cropped and
// resized in ONE preprocessing dispatch, then ONE forward pass of batch N runs them all (N =
// the number of regions; more than max_batch regions run as several such chunks). The second
// stage after a detector: classify every detected object of a frame at once.
//
//   RegionBatch rb(model, layout, 16);
//   write the frame to rb.frame_memory();  auto out = rb.run(regions);  // regions x classes
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

namespace vkcnn {

class RegionBatch {
 public:
  // Throws Error for max_batch == 0 or a layout the Preprocessor rejects.
  RegionBatch(const Model& model, const FrameLayout& layout, uint32_t max_batch, Precision precision = Precision::Fp32);
  RegionBatch(const RegionBatch&) = delete;
  RegionBatch& operator=(const RegionBatch&) = delete;

  const FrameLayout& layout() const { return pre_.layout(); }
  uint32_t max_batch() const { return max_batch_; }
  // Host-visible memory of layout().size bytes: put the frame here before run().
  void* frame_memory() const { return pre_.frame_memory(); }
  // Forward passes run so far (one per chunk of at most max_batch regions).
  uint64_t passes() const { return passes_; }

  // The model's output for each region, region after region (regions.size() x classes floats);
  // waits for the GPU. Throws Error naming a region that is empty or not inside the frame.
  std::vector<float> run(std::span<const FrameRegion> regions);

 private:
  ForwardPlan& plan_for(uint32_t regions);

  const Model* model_;
  Preprocessor pre_;
  uint32_t max_batch_;
  Precision precision_;                                     // of every plan
  Buffer params_;                                           // per-region preprocessing parameters
  Buffer readback_;                                         // max_batch x classes floats
  std::map<uint32_t, std::unique_ptr<ForwardPlan>> plans_;  // by batch size
  std::unique_ptr<Recorder> rec_;
  uint64_t passes_ = 0;
};

}  // namespace vkcnn
