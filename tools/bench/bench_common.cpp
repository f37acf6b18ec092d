#include "bench_common.h"

#include <algorithm>
#include <cstdio>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>

namespace vkcnn::bench {

ModelSource load_source(const Options& o) {
  if (!o.model.empty()) {
    ModelFile f = read_model_file(o.model);
    return {std::move(f.spec), std::move(f.weights), o.model};
  }
  ModelSpec spec = load_model_spec(o.arch);
  Weights weights = initialize_weights(Graph(spec, o.arch), o.seed);
  return {std::move(spec), std::move(weights), o.arch};
}

Timing summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

nlohmann::json json_head(const Context& ctx, const std::string& model, const std::string& mode) {
  return {{"model", model},
          {"device", ctx.info().name},
          {"device_type", ctx.info().type},
          {"mode", mode},
          {"results", nlohmann::json::array()}};
}

Precision bench_precision(const Context& ctx, const Options& o) {
  return resolve_precision(ctx.info(), parse_precision_choice(o.precision));
}

nlohmann::json json_result(uint32_t batch, const Timing& t) {
  return {{"batch", batch},
          {"median_ms", t.median_ms},
          {"min_ms", t.min_ms},
          {"images_per_s", batch / (t.median_ms * 1e-3)}};
}

void print_profile(const std::string& title, const std::vector<std::pair<std::string, double>>& profile) {
  if (profile.empty()) return;
  double total = 0;
  for (const auto& [_, t] : profile) total += t;
  std::printf("\n%s (%.3f ms in all)\n", title.c_str(), total);
  for (const auto& [section, t] : profile)
    std::printf("  %-32s %9.3f ms %5.1f%%\n", section.c_str(), t, total > 0 ? 100 * t / total : 0);
}

}  // namespace vkcnn::bench
