// vkcnn-bench: forward-pass latency and throughput of a model (or an architecture with random
// weights) at chosen batch sizes. With VKCNN_PROFILE=1 it adds a per-layer time table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "model/forward_plan.h"
#include "model/init.h"
#include "model/model_file.h"
#include "op_bench.h"

namespace {

struct Options {
  std::string model;
  std::string arch;
  std::string op;                      // one layer's JSON, with op_shape
  std::vector<uint32_t> op_shape;
  std::vector<uint32_t> batches{1, 64};
  int runs = 50;
  int warmup = 5;
  std::string device;
  bool json = false;
  uint32_t seed = 1;
};

struct Result {
  uint32_t batch;
  double median_ms, min_ms;
  std::vector<std::pair<std::string, double>> profile;
};

std::unique_ptr<vkcnn::Model> load(vkcnn::Context& ctx, const Options& o) {
  if (!o.model.empty()) return vkcnn::Model::load(ctx, o.model);
  vkcnn::ModelSpec spec = vkcnn::load_model_spec(o.arch);
  vkcnn::Graph graph(spec, o.arch);
  return std::make_unique<vkcnn::Model>(ctx, spec, vkcnn::initialize_weights(graph, o.seed), o.arch);
}

Result measure(const vkcnn::Model& model, uint32_t batch, const Options& o) {
  vkcnn::ForwardPlan plan(model, batch);
  std::mt19937 rng(o.seed);
  std::normal_distribution<float> normal;
  std::vector<float> input(plan.input().shape.count());
  for (float& v : input) v = normal(rng);
  for (int i = 0; i < o.warmup; ++i) plan.run(input);
  std::vector<double> ms;
  for (int i = 0; i < o.runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    plan.run(input);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {batch, ms[ms.size() / 2], ms.front(), plan.last_profile()};
}

void print_text(const vkcnn::Context& ctx, const std::string& name, const std::vector<Result>& results) {
  std::printf("model %s on %s (%s)\n", name.c_str(), ctx.info().name.c_str(), ctx.info().type.c_str());
  std::printf("%8s %12s %12s %14s\n", "batch", "median ms", "min ms", "images/s");
  for (const Result& r : results)
    std::printf("%8u %12.3f %12.3f %14.0f\n", r.batch, r.median_ms, r.min_ms, r.batch / (r.median_ms * 1e-3));
  for (const Result& r : results) {
    if (r.profile.empty()) continue;
    double total = 0;
    for (const auto& [_, t] : r.profile) total += t;
    std::printf("\nper-layer GPU time, batch %u (last run; %.3f ms in all)\n", r.batch, total);
    for (const auto& [layer, t] : r.profile)
      std::printf("  %-32s %9.3f ms %5.1f%%\n", layer.c_str(), t, total > 0 ? 100 * t / total : 0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"vkcnn-bench: forward-pass latency and throughput. VKCNN_PROFILE=1 adds per-layer GPU times."};
  auto* model = app.add_option("--model", o.model, "a .vkcnn model file")->check(CLI::ExistingFile);
  auto* arch = app.add_option("--arch", o.arch, "an architecture .json (random weights)")->check(CLI::ExistingFile);
  auto* op = app.add_option("--op", o.op,
                             "time one layer instead: its spec JSON, e.g. '{\"type\": \"conv2d\", \"out_channels\": 64, "
                             "\"kernel\": 3, \"padding\": 1}' (forward, training forward, backward)");
  app.add_option("--shape", o.op_shape, "with --op: the input shape N,C,H,W")->delimiter(',')->expected(4);
  model->excludes(arch);
  op->excludes(model)->excludes(arch);
  app.add_option("--batch", o.batches, "batch sizes to measure")->delimiter(',')->capture_default_str();
  app.add_option("--runs", o.runs, "timed runs per batch size (median and min are reported)")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--warmup", o.warmup, "untimed runs first")->check(CLI::Range(0, 10000))->capture_default_str();
  app.add_option("--device", o.device, "Vulkan device index or name substring (default: VKCNN_DEVICE, else a discrete GPU)");
  app.add_option("--seed", o.seed, "seed for random weights and inputs")->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON object instead of a table");
  CLI11_PARSE(app, argc, argv);
  if (o.model.empty() && o.arch.empty() && o.op.empty()) {
    std::fprintf(stderr, "vkcnn-bench: give --model FILE.vkcnn, --arch FILE.json or --op JSON --shape N,C,H,W\n");
    return 2;
  }
  if (!o.op.empty() && o.op_shape.size() != 4) {
    std::fprintf(stderr, "vkcnn-bench: --op needs --shape N,C,H,W\n");
    return 2;
  }
  try {
    vkcnn::Context ctx(vkcnn::ContextOptions{o.device});
    if (!o.op.empty()) {
      vkcnn::Shape in{o.op_shape[0], o.op_shape[1], o.op_shape[2], o.op_shape[3]};
      auto t = vkcnn::bench::time_op(ctx, o.op, in, o.runs);
      std::printf("%s on %s, input %s (min of %d runs)\n", o.op.c_str(), ctx.info().name.c_str(), in.str().c_str(), o.runs);
      std::printf("  forward           %9.3f ms  (%.3f ms CPU)\n  training forward  %9.3f ms\n  backward          %9.3f ms\n",
                  t.forward_ms, t.forward_cpu_ms, t.training_forward_ms, t.backward_ms);
      return 0;
    }
    auto m = load(ctx, o);
    std::vector<Result> results;
    for (uint32_t b : o.batches) results.push_back(measure(*m, b, o));
    std::string name = o.model.empty() ? o.arch : o.model;
    if (!o.json) {
      print_text(ctx, name, results);
      return 0;
    }
    nlohmann::json out = {{"model", name}, {"device", ctx.info().name}, {"results", nlohmann::json::array()}};
    for (const Result& r : results) {
      nlohmann::json e = {{"batch", r.batch}, {"median_ms", r.median_ms}, {"min_ms", r.min_ms},
                          {"images_per_s", r.batch / (r.median_ms * 1e-3)}};
      for (const auto& [layer, t] : r.profile) e["profile_ms"].push_back({layer, t});
      out["results"].push_back(e);
    }
    std::printf("%s\n", out.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
