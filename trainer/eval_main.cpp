// vkcnn-eval: accuracy, per-class accuracy and confusion matrix of a .vkcnn model on a labelled
// dataset, through the same inference path the GStreamer element uses (folded, fused model).
//   vkcnn-eval --model models/fashion-mnist.vkcnn --data fashion-mnist:/usr/share/datasets/fashion-mnist [--json]
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <CLI/CLI.hpp>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/vk/context.h>

#include "batches.h"
#include "data_source.h"
#include "report.h"
#include "training_run.h"

namespace {

using namespace vkcnn;
using namespace vkcnn::trainer;

struct Options {
  std::string model, data, split = "test", device, precision = "auto";
  uint32_t batch = 256;
  bool json = false;
  RunConfig hold_out;  // val_split, seed, limit: the trainer's validation split
};

int evaluate(const Options& o) {
  ContextOptions copts;
  copts.device = o.device;
  Context ctx(copts);
  auto model = Model::load(ctx, o.model);
  const ModelSpec& spec = model->spec();
  DataSplits splits = load_data(o.data, spec.input);
  if (o.split == "test" && !splits.test)
    throw Error(o.data +
                ": has no test split (DIR/test or DIR/val); score the trainer's validation split with --split val "
                "--val-split F --seed S (the values the training run used), or --split train");
  if (o.split == "val" && !(o.hold_out.val_split > 0))
    throw Error("--split val needs --val-split F (and --seed S, --limit N as the training run had them)");
  std::optional<RunData> held;
  if (o.split == "val") held = split_data(std::move(splits.train), std::nullopt, o.hold_out);
  const Dataset& data = o.split == "test" ? *splits.test : o.split == "val" ? *held->val : splits.train;
  if (data.classes.size() != model->classes())
    throw Error(o.data + ": " + std::to_string(data.classes.size()) + " classes, but " + o.model + " outputs " +
                std::to_string(model->classes()));
  if (!spec.labels.empty() && spec.labels != data.classes && !o.json)
    std::fprintf(stderr, "vkcnn-eval: note: the model's labels differ from the dataset's class names\n");

  const uint32_t B = std::min<uint32_t>(o.batch, static_cast<uint32_t>(data.size()));
  ForwardPlan plan(*model, B, resolve_precision(ctx.info(), parse_precision_choice(o.precision)));
  Normalizer norm(spec.input);
  const std::size_t per_image = data.image_bytes();
  std::vector<float> images(std::size_t(B) * per_image);
  std::vector<uint32_t> labels(B);
  std::vector<std::size_t> idx(B);
  Evaluation e(model->classes());
  for (std::size_t at = 0; at < data.size(); at += B) {
    const std::size_t n = std::min<std::size_t>(B, data.size() - at);
    for (std::size_t k = 0; k < n; ++k) idx[k] = at + k;
    fill_batch(data, std::span(idx).first(n), norm, Augment{}, 0, images, labels);
    std::fill(images.begin() + n * per_image, images.end(), 0.f);  // a short last batch: padding
    std::vector<float> out = plan.run(images);
    for (std::size_t k = 0; k < n; ++k) {
      auto p = probabilities(model->graph(), std::span(out).subspan(k * model->classes(), model->classes()));
      const uint32_t best = static_cast<uint32_t>(std::max_element(p.begin(), p.end()) - p.begin());
      e.add(labels[k], best, -std::log(std::max(p[labels[k]], 1e-30f)));
    }
  }
  const auto& names = spec.labels.empty() ? data.classes : spec.labels;
  if (o.json) {
    nlohmann::json j = report_json(e, names);
    j["model"] = o.model;
    j["data"] = o.data;
    j["split"] = o.split;
    j["device"] = ctx.info().name;
    j["precision"] = precision_name(plan.precision());
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s on %s (%s split, %zu images), device %s, %s\n%s", o.model.c_str(), o.data.c_str(), o.split.c_str(),
                data.size(), ctx.info().name.c_str(), std::string(precision_name(plan.precision())).c_str(),
                format_report(e, names).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Evaluate a vkcnn model on a labelled dataset: accuracy, per-class accuracy, confusion matrix."};
  app.option_defaults()->always_capture_default();
  app.add_option("--model", o.model, "model file (.vkcnn)")->required()->check(CLI::ExistingFile);
  app.add_option("--data", o.data, "dataset: fashion-mnist:DIR, mnist:DIR, cifar10:DIR, folder:DIR")->required();
  app.add_option("--split", o.split,
                 "which split to evaluate: test, train, or val (the images vkcnn-train held out with the same "
                 "--val-split, --seed and --limit)")
      ->check(CLI::IsMember({"test", "train", "val"}));
  app.add_option("--val-split", o.hold_out.val_split, "--split val: the training run's --val-split")
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--seed", o.hold_out.seed, "--split val: the training run's --seed");
  app.add_option("--limit", o.hold_out.limit, "--split val: the training run's --limit (0: all)");
  app.add_option("--batch", o.batch, "images per forward pass")->check(CLI::Range(1u, 65536u));
  app.add_flag("--json", o.json, "print the report as JSON");
  app.add_option("--device", o.device, "Vulkan device index or name substring");
  app.add_option("--precision", o.precision,
                 "fp32, fp16 (an error where the device cannot store 16-bit floats) or auto (fp16 on GPUs that "
                 "can, fp32 on CPU devices)")
      ->check(CLI::IsMember({"fp32", "fp16", "auto"}));
  CLI11_PARSE(app, argc, argv);
  try {
    return evaluate(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-eval: error: %s\n", e.what());
    return 1;
  }
}
