// vkcnn-bench --train: training steps per second, through TrainingPlan::train_step exactly as
// vkcnn-train runs them: the host writes a batch of images and labels into the plan's upload
// buffer, then one command buffer copies it to the device, zeroes the gradients, runs the
// training forward, softmax cross-entropy, the backward pass and the optimizer update, and
// copies the per-sample losses back; one submit, one wait per step.
// The images are random normalised floats and the labels random classes, drawn once on the host
// and uploaded again every step, as the trainer uploads each batch (the trainer's assembly of a
// batch on the CPU, fill_batch's normalisation and augmentation, is not timed). Constant lr.
#include <cmath>
#include <cstdio>
#include <random>

#include <vkcnn/train/training_plan.h>

#include "bench_common.h"

namespace vkcnn::bench {
namespace {

struct Result {
  uint32_t batch;
  Timing t;
  double last_loss;  // mean loss of the last step: finite, else the step is broken
  std::vector<std::pair<std::string, double>> profile;
};

Result measure(Context& ctx, const ModelSource& src, uint32_t batch, const TrainingOptions& base, const Options& o) {
  TrainingOptions options = base;
  options.batch = batch;
  TrainingPlan plan(ctx, src.spec, src.weights, options, src.name);

  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<uint32_t> label(0, plan.classes() - 1);
  std::vector<float> images(std::size_t(batch) * plan.image_floats());
  std::vector<uint32_t> labels(batch);
  for (float& v : images) v = normal(rng);
  for (uint32_t& l : labels) l = label(rng);

  BatchResult last;
  auto ms = time_runs(o.warmup, o.runs, [&] { last = plan.train_step(images, labels, o.lr); });
  return {batch, summarize(ms), last.loss_sum / last.count, plan.last_profile()};
}

}  // namespace

void run_train(Context& ctx, const Options& o) {
  ModelSource src = load_source(o);
  TrainingOptions options;
  options.optimizer.kind = optimizer_from_string(o.optimizer);
  options.seed = o.seed;
  std::vector<Result> results;
  for (uint32_t b : o.batches) results.push_back(measure(ctx, src, b, options, o));
  const char* optimizer = to_string(options.optimizer.kind);

  if (o.json) {
    nlohmann::json out = json_head(ctx, src.name, "train");
    out["optimizer"] = optimizer;
    out["lr"] = o.lr;
    for (const Result& r : results) {
      nlohmann::json e = json_result(r.batch, r.t);
      e["last_loss"] = std::isfinite(r.last_loss) ? nlohmann::json(r.last_loss) : nlohmann::json(nullptr);
      for (const auto& [section, t] : r.profile) e["profile_ms"].push_back({section, t});
      out["results"].push_back(e);
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("training %s on %s (%s): %s, lr %g, one step = upload, forward, loss, backward, update\n",
              src.name.c_str(), ctx.info().name.c_str(), ctx.info().type.c_str(), optimizer, o.lr);
  std::printf("%8s %12s %12s %14s %12s\n", "batch", "median ms", "min ms", "images/s", "last loss");
  for (const Result& r : results)
    std::printf("%8u %12.3f %12.3f %14.0f %12.4f\n", r.batch, r.t.median_ms, r.t.min_ms,
                r.batch / (r.t.median_ms * 1e-3), r.last_loss);
  for (const Result& r : results)
    print_profile("per-section GPU time of one step, batch " + std::to_string(r.batch) + " (last step)", r.profile);
}

}  // namespace vkcnn::bench
