// What the vkcnn-bench modes share: the parsed options, the model source (a .vkcnn file or an
// architecture with random weights), timing summaries and the JSON shape every mode prints:
//   {"model", "device", "mode", ..., "results": [{"batch", "median_ms", "min_ms", "images_per_s", ...}]}
// so that bench/compare.sh and bench/torch_bench.py's lines join on the same field names.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <vkcnn/model/spec.h>
#include <vkcnn/model/weights.h>
#include <vkcnn/preprocess.h>
#include <vkcnn/vk/context.h>

namespace vkcnn::bench {

struct Options {
  std::string model;
  std::string arch;
  std::string op;  // one layer's JSON, with op_shape
  std::vector<uint32_t> op_shape;
  std::vector<uint32_t> batches{1, 64};
  int runs = 50;
  int warmup = 5;
  std::string device;
  std::string precision = "auto";  // fp32, fp16 or auto: forward and --frame modes
  bool json = false;
  uint32_t seed = 1;
  // --train
  bool train = false;
  std::string optimizer = "adamw";
  double lr = 1e-3;
  // --frame WIDTHxHEIGHT:FORMAT
  std::string frame;
  uint32_t top_k = 5;
  bool frame_copy = false;  // copy every frame, even where the device could read it in place
  // --write-model FILE: the --arch model with its random weights, for timing the element
  std::string write_model;
};

// The weights and architecture to measure, with the name results carry (the path as given).
struct ModelSource {
  ModelSpec spec;
  Weights weights;
  std::string name;
};
// --model FILE.vkcnn, else --arch FILE.json with initialize_weights(seed).
ModelSource load_source(const Options& o);

struct Timing {
  double median_ms = 0, min_ms = 0;
};
// Median (the upper one of an even count) and minimum; `ms` must not be empty.
Timing summarize(std::vector<double> ms);

// Runs fn() `warmup` times untimed, then `runs` times timed; returns each timed run's ms.
template <class Fn>
std::vector<double> time_runs(int warmup, int runs, Fn&& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  ms.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return ms;
}

// {"model", "device", "device_type", "mode", "results": []}: the head of every mode's JSON.
nlohmann::json json_head(const Context& ctx, const std::string& model, const std::string& mode);
// --precision resolved for ctx's device (an Error for fp16 where it cannot).
Precision bench_precision(const Context& ctx, const Options& o);
// {"batch", "median_ms", "min_ms", "images_per_s"}: one measured batch size.
nlohmann::json json_result(uint32_t batch, const Timing& t);

// Per-section device times (VKCNN_PROFILE=1), as a table under a title.
void print_profile(const std::string& title, const std::vector<std::pair<std::string, double>>& profile);

// --frame WIDTHxHEIGHT:FORMAT (FORMAT by its GStreamer name, any case); throws Error saying
// what is wrong and what is accepted.
struct FrameSpec {
  uint32_t width = 0, height = 0;
  PixelFormat format = PixelFormat::BGRA;
};
FrameSpec parse_frame_spec(const std::string& text);

// The modes; each prints its own table or JSON and throws Error on failure.
void run_forward(Context& ctx, const Options& o);
void run_train(Context& ctx, const Options& o);
void run_frame(Context& ctx, const Options& o);

}  // namespace vkcnn::bench
