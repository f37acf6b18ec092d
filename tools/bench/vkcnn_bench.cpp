// vkcnn-bench: how fast the engine is, one mode per question.
//   (default)  forward-pass latency and throughput at chosen batch sizes  (forward_bench.cpp)
//   --train    training steps: forward, loss, backward, optimizer update   (train_bench.cpp)
//   --frame    the GStreamer element's per-frame path, without GStreamer   (frame_bench.cpp)
//   --op       one layer's forward and backward                            (op_bench.cpp)
// With VKCNN_PROFILE=1 the first three add per-section GPU times from Vulkan timestamps.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include <vkcnn/model/model_file.h>

#include "bench_common.h"
#include "op_bench.h"

using vkcnn::bench::Options;

namespace {

int run_op(vkcnn::Context& ctx, const Options& o) {
  vkcnn::Shape in{o.op_shape[0], o.op_shape[1], o.op_shape[2], o.op_shape[3]};
  auto t = vkcnn::bench::time_op(ctx, o.op, in, o.runs);
  std::printf("%s on %s, input %s (min of %d runs)\n", o.op.c_str(), ctx.info().name.c_str(), in.str().c_str(), o.runs);
  std::printf(
      "  forward           %9.3f ms  (%.3f ms CPU)\n  training forward  %9.3f ms\n  backward          %9.3f ms\n",
      t.forward_ms, t.forward_cpu_ms, t.training_forward_ms, t.backward_ms);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "vkcnn-bench: forward latency and throughput (default), training steps (--train), the element's\n"
      "per-frame path (--frame) or one layer (--op). VKCNN_PROFILE=1 adds per-section GPU times."};
  auto* model = app.add_option("--model", o.model, "a .vkcnn model file")->check(CLI::ExistingFile);
  auto* arch =
      app.add_option("--arch", o.arch, "an architecture .json (random weights from --seed)")->check(CLI::ExistingFile);
  auto* op = app.add_option("--op", o.op,
                            "time one layer instead: its spec JSON, e.g. '{\"type\": \"conv2d\", \"out_channels\": 64, "
                            "\"kernel\": 3, \"padding\": 1}' (forward, training forward, backward)");
  app.add_option("--shape", o.op_shape, "with --op: the input shape N,C,H,W")->delimiter(',')->expected(4);
  model->excludes(arch);
  op->excludes(model)->excludes(arch);
  auto* batch = app.add_option("--batch", o.batches, "batch sizes to measure (default 1,64; with --train 64)")
                    ->delimiter(',')
                    ->check(CLI::Range(1u, 65536u));
  app.add_option("--runs", o.runs, "timed runs (steps, frames) per batch size; median and min are reported")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup, "untimed runs first")->check(CLI::Range(0, 10000))->capture_default_str();
  app.add_option("--device", o.device,
                 "Vulkan device index or name substring (default: VKCNN_DEVICE, else a discrete GPU)");
  auto* precision = app.add_option("--precision", o.precision,
                                   "forward and --frame: fp32, fp16 (an error where the device cannot store "
                                   "16-bit floats) or auto (fp16 on GPUs that can, fp32 on CPU devices)")
                        ->check(CLI::IsMember({"fp32", "fp16", "auto"}))
                        ->capture_default_str();
  app.add_option("--seed", o.seed, "seed for random weights, inputs, labels and frames")->capture_default_str();
  app.add_flag("--json", o.json,
               "print one JSON object: {model, device, device_type, mode, ..., results: [{batch, median_ms, min_ms, "
               "images_per_s, ...}]}");

  bool list = false;
  app.add_flag("--list-devices", list, "print the Vulkan devices the loader sees (index: name (type)) and exit");
  auto* train = app.add_flag("--train", o.train,
                             "time training steps (TrainingPlan::train_step: upload of a random batch, forward, "
                             "cross-entropy, backward, optimizer update, one submit per step)");
  auto* optimizer =
      app.add_option("--optimizer", o.optimizer, "with --train: adamw or sgd (momentum 0.9); no weight decay")
          ->check(CLI::IsMember({"adamw", "sgd"}, CLI::ignore_case))
          ->capture_default_str();
  auto* lr = app.add_option("--lr", o.lr, "with --train: learning rate (constant)")
                 ->check(CLI::PositiveNumber)
                 ->capture_default_str();
  auto* frame = app.add_option("--frame", o.frame,
                               "time the element's per-frame path for frames of this size and format, "
                               "e.g. 1920x1080:BGRA (RGB, BGR, RGBA, BGRA, RGBx, BGRx, GRAY8, NV12, I420); batch 1")
                    ->check([](const std::string& s) {
                      try {
                        vkcnn::bench::parse_frame_spec(s);
                        return std::string();
                      } catch (const std::exception& e) {
                        return std::string(e.what());
                      }
                    });
  auto* top_k = app.add_option("--top-k", o.top_k, "with --frame: classes reported per frame (the element's default)")
                    ->check(CLI::Range(1u, 1000u))
                    ->capture_default_str();
  auto* frame_copy = app.add_flag("--frame-copy", o.frame_copy,
                                  "with --frame: copy every frame into the upload buffer, as the element does "
                                  "where the device cannot read a frame's memory in place");
  auto* write_model = app.add_option("--write-model", o.write_model,
                                     "with --arch: write that model with its random weights (--seed) to this .vkcnn "
                                     "file and exit, e.g. to time the element on it (bench/in_flight.sh)");
  write_model->needs(arch);
  train->excludes(frame)->excludes(op);
  optimizer->needs(train);
  lr->needs(train);
  top_k->needs(frame);
  frame_copy->needs(frame);
  precision->excludes(train)->excludes(op);
  frame->excludes(batch)->excludes(op);
  CLI11_PARSE(app, argc, argv);

  if (list) {
    try {
      for (const std::string& d : vkcnn::Context::list_devices()) std::printf("%s\n", d.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vkcnn-bench: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  if (o.model.empty() && o.arch.empty() && o.op.empty()) {
    std::fprintf(stderr, "vkcnn-bench: give --model FILE.vkcnn, --arch FILE.json or --op JSON --shape N,C,H,W\n");
    return 2;
  }
  if (!o.op.empty() && o.op_shape.size() != 4) {
    std::fprintf(stderr, "vkcnn-bench: --op needs --shape N,C,H,W\n");
    return 2;
  }
  if (!o.write_model.empty()) {
    try {
      vkcnn::bench::ModelSource source = vkcnn::bench::load_source(o);
      vkcnn::write_model_file(o.write_model, source.spec, source.weights);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vkcnn-bench: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  if (o.train && batch->count() == 0) o.batches = {64};
  try {
    vkcnn::Context ctx(vkcnn::ContextOptions{o.device});
    if (!o.op.empty()) return run_op(ctx, o);
    if (o.train)
      vkcnn::bench::run_train(ctx, o);
    else if (!o.frame.empty())
      vkcnn::bench::run_frame(ctx, o);
    else
      vkcnn::bench::run_forward(ctx, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
