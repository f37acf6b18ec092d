#include <algorithm>
#include <string>

#include <vkcnn/model/region_batch.h>
#include <vkcnn/vk/context.h>

namespace vkcnn {

RegionBatch::RegionBatch(const Model& model, const FrameLayout& layout, uint32_t max_batch, Precision precision)
    : model_(&model), pre_(model.context(), model.spec().input, layout), max_batch_(max_batch), precision_(precision) {
  if (max_batch == 0) throw Error(model.origin() + ": region batches need a maximum batch of at least 1");
  if (!pre_.frame_memory()) throw Error("the Vulkan device offers no host-visible memory for frames");
  Context& ctx = model.context();
  params_ = Buffer(ctx, Preprocessor::region_params_bytes(max_batch), MemoryKind::Upload);
  readback_ = Buffer(ctx, std::size_t(max_batch) * model.classes() * sizeof(float), MemoryKind::Readback);
  rec_ = std::make_unique<Recorder>(ctx);
}

ForwardPlan& RegionBatch::plan_for(uint32_t regions) {
  uint32_t batch = 1;
  while (batch < regions) batch *= 2;
  batch = std::min(batch, max_batch_);
  auto& plan = plans_[batch];
  if (!plan) plan = std::make_unique<ForwardPlan>(*model_, batch, precision_);
  return *plan;
}

std::vector<float> RegionBatch::run(std::span<const FrameRegion> regions) {
  const std::size_t classes = model_->classes();
  std::vector<float> out(regions.size() * classes);
  for (std::size_t first = 0; first < regions.size(); first += max_batch_) {
    const auto chunk = regions.subspan(first, std::min<std::size_t>(max_batch_, regions.size() - first));
    ForwardPlan& plan = plan_for(static_cast<uint32_t>(chunk.size()));
    const std::size_t bytes = chunk.size() * classes * sizeof(float);
    rec_->begin();
    pre_.record_regions(*rec_, plan.input(), chunk, params_);
    rec_->mark("preprocess");
    plan.record(*rec_);
    rec_->copy(*plan.output().buffer, readback_, bytes);
    rec_->end();
    rec_->submit_and_wait();
    ++passes_;
    readback_.read(std::as_writable_bytes(std::span(out).subspan(first * classes, chunk.size() * classes)));
  }
  return out;
}

}  // namespace vkcnn
