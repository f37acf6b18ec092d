// vkcnn-bench's default mode: forward-pass latency and throughput at each batch size, through
// ForwardPlan::run (input upload, one submit, one wait, output readback), as vkcnn-classify uses it.
#include <cstdio>
#include <random>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/model.h>

#include "bench_common.h"

namespace vkcnn::bench {
namespace {

struct Result {
  uint32_t batch;
  Timing t;
  std::vector<std::pair<std::string, double>> profile;
};

Result measure(const Model& model, uint32_t batch, const Options& o) {
  ForwardPlan plan(model, batch, bench_precision(model.context(), o));
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal;
  std::vector<float> input(plan.input().shape.count());
  for (float& v : input) v = normal(rng);
  auto ms = time_runs(o.warmup, o.runs, [&] { plan.run(input); });
  return {batch, summarize(ms), plan.last_profile()};
}

}  // namespace

void run_forward(Context& ctx, const Options& o) {
  ModelSource src = load_source(o);
  Model model(ctx, src.spec, src.weights, src.name);
  std::vector<Result> results;
  for (uint32_t b : o.batches) results.push_back(measure(model, b, o));

  if (o.json) {
    nlohmann::json out = json_head(ctx, src.name, "forward");
    out["precision"] = precision_name(bench_precision(ctx, o));
    for (const Result& r : results) {
      nlohmann::json e = json_result(r.batch, r.t);
      for (const auto& [layer, t] : r.profile) e["profile_ms"].push_back({layer, t});
      out["results"].push_back(e);
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("model %s on %s (%s), %s\n", src.name.c_str(), ctx.info().name.c_str(), ctx.info().type.c_str(),
              std::string(precision_name(bench_precision(ctx, o))).c_str());
  std::printf("%8s %12s %12s %14s\n", "batch", "median ms", "min ms", "images/s");
  for (const Result& r : results)
    std::printf("%8u %12.3f %12.3f %14.0f\n", r.batch, r.t.median_ms, r.t.min_ms, r.batch / (r.t.median_ms * 1e-3));
  for (const Result& r : results)
    print_profile("per-layer GPU time, batch " + std::to_string(r.batch) + " (last run)", r.profile);
}

}  // namespace vkcnn::bench
