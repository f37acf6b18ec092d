// Fine-tuning in the trainer's library: a run started from a model's weights scores exactly as
// the model does at inference, a reset head has the new class count and labels and a fresh
// initialisation while the body keeps its weights, the --freeze list, the choice of the kept
// epoch (with fake accuracies, and in a run that a late learning-rate jump wrecks), short last
// batches, and every error message of these paths.
#include "fine_tune.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/model/scores.h>

#include "batches.h"
#include "support/gpu_test.h"
#include "training_run.h"

namespace vkcnn::trainer {
namespace {

// 1x8x8 images, a batchnorm (folded at inference, so "same outputs" checks the fold too).
const char* kNet = R"({
  "name": "tiny", "input": {"channels": 1, "height": 8, "width": 8, "mean": [0.4], "std": [0.3]},
  "labels": ["a", "b", "c", "d"],
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1, "bias": false},
    {"type": "batchnorm2d", "name": "bn1"},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "dense", "name": "fc", "out_features": 4},
    {"type": "softmax"}
  ]})";

// Images whose class shows in their brightness, so that a few steps can learn them.
Dataset synthetic(std::size_t n, uint32_t classes, uint32_t seed) {
  Dataset d;
  d.origin = "synthetic";
  d.height = d.width = 8;
  for (uint32_t c = 0; c < classes; ++c) d.classes.push_back(std::string(1, char('a' + c)));
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t label = rng() % classes;
    d.labels.push_back(label);
    for (int p = 0; p < 64; ++p) {
      const int stripe = (p % 8) % classes == label ? 160 : 40;
      d.pixels.push_back(static_cast<uint8_t>(std::clamp<int>(stripe + int(rng() % 60) - 30, 0, 255)));
    }
  }
  return d;
}

Weights random_weights(const ModelSpec& spec, uint32_t seed) {
  Weights w = initialize_weights(Graph(spec), seed);
  std::mt19937 rng(seed);
  w["bn1.weight"].values = test::random_floats(4, rng, 0.5f, 1.5f);
  w["bn1.bias"].values = test::random_floats(4, rng);
  w["bn1.running_mean"].values = test::random_floats(4, rng, -0.2f, 0.2f);
  w["bn1.running_var"].values = test::random_floats(4, rng, 0.5f, 2.f);
  return w;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FineTune, InitReproducesTheModelsOutputsBeforeAnyStep) {
  const ModelSpec spec = parse_model_spec(kNet, "tiny");
  const std::string path = (std::filesystem::temp_directory_path() / "vkcnn_init_test.vkcnn").string();
  write_model_file(path, spec, random_weights(spec, 3));
  const ModelFile file = read_model_file(path);
  RunData data;
  data.train = synthetic(40, 4, 1);
  data.val = synthetic(21, 4, 2);  // not a multiple of the batch
  RunConfig config;
  config.batch = 8;
  TrainingRun run(test::context(), file.spec, config, data, "", nullptr, &file.weights);
  for (const auto& [name, p] : file.weights) EXPECT_EQ(run.weights().at(name).values, p.values) << name;
  const Evaluation trained = run.evaluate(*data.val);

  // The model as the GStreamer element runs it: batchnorm folded into the conv.
  auto model = Model::load(test::context(), path);
  std::filesystem::remove(path);
  ForwardPlan plan(*model, 1);
  const Normalizer norm(spec.input);
  std::vector<float> image(64);
  std::vector<uint32_t> label(1);
  double loss = 0;
  uint64_t correct = 0;
  for (std::size_t i = 0; i < data.val->size(); ++i) {
    const std::size_t idx[] = {i};
    fill_batch(*data.val, idx, norm, Augment{}, 0, image, label);
    const std::vector<float> out = plan.run(image);
    auto p = probabilities(model->graph(), out);
    loss += -std::log(double(p[label[0]]));
    correct += std::max_element(p.begin(), p.end()) - p.begin() == label[0];
  }
  EXPECT_NEAR(trained.mean_loss(), loss / double(data.val->size()), 1e-4 * loss / double(data.val->size()));
  EXPECT_EQ(trained.correct(), correct);
}

TEST(FineTune, ResetHeadGivesTheNewClassesAFreshHeadAndKeepsTheBody) {
  ModelSpec spec = parse_model_spec(kNet, "tiny");
  Weights w = random_weights(spec, 4);
  const Weights before = w;
  reset_head(spec, w, {"cat", "dog", "fox", "owl", "yak", "emu"}, 9, "tiny.vkcnn");
  const Graph graph(spec);
  EXPECT_EQ(graph.classes(), 6u);
  EXPECT_EQ(spec.labels, (std::vector<std::string>{"cat", "dog", "fox", "owl", "yak", "emu"}));
  EXPECT_EQ(w.at("fc.weight").dims, (std::vector<int64_t>{6, 64}));
  const Weights fresh = initialize_weights(graph, 9);
  EXPECT_EQ(w.at("fc.weight").values, fresh.at("fc.weight").values);
  EXPECT_EQ(w.at("fc.bias").values, fresh.at("fc.bias").values);
  for (const char* body : {"c1.weight", "bn1.weight", "bn1.running_var"})
    EXPECT_EQ(w.at(body).values, before.at(body).values) << body;
  // The written model loads and outputs 6 scores.
  const std::string path = (std::filesystem::temp_directory_path() / "vkcnn_reset_head_test.vkcnn").string();
  write_model_file(path, spec, w);
  EXPECT_EQ(Model::load(test::context(), path)->classes(), 6u);
  std::filesystem::remove(path);

  ModelSpec no_head = parse_model_spec(R"({"input": {"channels": 1, "height": 4, "width": 4},
      "layers": [{"type": "conv2d", "name": "c", "out_channels": 2, "kernel": 1}, {"type": "batchnorm2d", "name": "bn"},
                 {"type": "global_avgpool"}, {"type": "flatten"}]})",
                                       "bn-last");
  Weights nw = initialize_weights(Graph(no_head), 1);
  EXPECT_CONTAINS(
      error_of([&] {
        reset_head(no_head, nw, {"x", "y"}, 1, "bn.vkcnn");
      }),
      "bn.vkcnn: the last layer with parameters, batchnorm2d 'bn', is not a dense or conv2d classifier head");
}

TEST(FineTune, FreezeListsAndTheirErrors) {
  const Graph graph(parse_model_spec(kNet, "tiny"));
  EXPECT_EQ(freeze_list("all-but-head", graph, "tiny"), (std::vector<std::string>{"c1", "bn1"}));
  EXPECT_EQ(freeze_list("c1, bn1", graph, "tiny"), (std::vector<std::string>{"c1", "bn1"}));
  EXPECT_CONTAINS(error_of([&] { freeze_list("c1,,bn1", graph, "tiny"); }),
                  "--freeze \"c1,,bn1\": an empty layer name (a comma list of layer names, or all-but-head)");
  // Unknown names: the training plan names the valid ones.
  ModelSpec spec = parse_model_spec(kNet, "tiny");
  RunData data;
  data.train = synthetic(16, 4, 1);
  RunConfig config;
  config.batch = 8;
  config.freeze = freeze_list("c1,conv9", graph, "tiny");
  EXPECT_CONTAINS(error_of([&] { TrainingRun run(test::context(), spec, config, data, ""); }),
                  "tiny: cannot freeze 'conv9': no layer of that name (layers with parameters: c1, bn1, fc)");
}

TEST(FineTune, ClassAndInputChecksNameBothSides) {
  const Dataset three = synthetic(4, 3, 1);
  EXPECT_CONTAINS(error_of([&] { check_classes({}, 10, "m.vkcnn", three, "folder:photos"); }),
                  "folder:photos: 3 classes (a, b, c), but m.vkcnn outputs 10: --reset-head replaces its last layer "
                  "for the dataset's classes");
  EXPECT_CONTAINS(error_of([&] {
                    check_classes({"x", "y", "z"}, 3, "m.vkcnn", three, "folder:photos");
                  }),
                  "folder:photos: the class names (a, b, c) differ from the labels of m.vkcnn (x, y, z): --reset-head");
  EXPECT_EQ(error_of([&] { check_classes({}, 3, "m.vkcnn", three, "folder:photos"); }), "no error");

  DataSplits idx;
  idx.file_channels = 1;
  idx.file_height = idx.file_width = 28;
  InputSpec rgb;
  rgb.channels = 3;
  rgb.height = rgb.width = 224;
  rgb.color = ColorOrder::RGB;
  EXPECT_CONTAINS(error_of([&] { check_input_format(idx, rgb, "r18.vkcnn", "mnist:/data"); }),
                  "mnist:/data: images are 1x28x28 (gray), but r18.vkcnn takes 3x224x224 (rgb) input");
  DataSplits folder;  // decoded to the model's input as read
  EXPECT_EQ(error_of([&] { check_input_format(folder, rgb, "r18.vkcnn", "folder:x"); }), "no error");

  EXPECT_EQ(parse_channel_values("0.485, 0.456,0.406", 3, "--mean"), (std::vector<float>{0.485f, 0.456f, 0.406f}));
  EXPECT_CONTAINS(error_of([&] { parse_channel_values("0.5,0.5", 3, "--mean"); }),
                  "--mean \"0.5,0.5\": 2 values for a model with 3 input channels");
  EXPECT_CONTAINS(error_of([&] { parse_channel_values("0.5,x,1", 3, "--std"); }),
                  "--std \"0.5,x,1\": \"x\" is not a number");
}

TEST(KeepBest, PicksTheEarliestEpochOfTheHighestValidationAccuracy) {
  auto epochs = [](std::vector<std::optional<double>> acc) {
    std::vector<EpochStats> h;
    for (std::size_t i = 0; i < acc.size(); ++i) {
      EpochStats s;
      s.epoch = static_cast<uint32_t>(i + 1);
      s.val_accuracy = acc[i];
      h.push_back(s);
    }
    return h;
  };
  EXPECT_EQ(best_epoch(epochs({0.5, 0.7, 0.6})), 2u);
  EXPECT_EQ(best_epoch(epochs({0.5, 0.7, 0.7, 0.2})), 2u);
  EXPECT_EQ(best_epoch(epochs({0.9, 0.1})), 1u);
  EXPECT_EQ(best_epoch(epochs({0.0})), 1u);
  EXPECT_EQ(best_epoch(epochs({std::nullopt, std::nullopt})), 0u);
  EXPECT_EQ(best_epoch({}), 0u);
}

TEST(KeepBest, ARunWreckedByALateLearningRateKeepsTheBetterEpoch) {
  RunData data;
  data.train = synthetic(96, 4, 5);
  data.val = synthetic(64, 4, 6);
  RunConfig config;
  config.epochs = 4;
  config.batch = 16;
  config.lr = 0.1;
  config.schedule = ScheduleKind::Step;  // epochs 1-3 at 0.1, epoch 4 at 0.1 * 1e5: it diverges
  config.step_epochs = 3;
  config.gamma = 1e5;
  config.val_split = 0.3;  // as the CLI sets keep_best only with a held-out split
  config.keep_best = true;
  config.seed = 2;
  TrainingRun run(test::context(), parse_model_spec(kNet, "tiny"), config, data, "");
  ASSERT_TRUE(run.run());
  ASSERT_EQ(run.history().size(), 4u);
  const uint32_t kept = run.kept_epoch();
  ASSERT_GE(kept, 1u);
  const double kept_accuracy = *run.history()[kept - 1].val_accuracy;
  EXPECT_EQ(kept, best_epoch(run.history()));
  EXPECT_LT(*run.history().back().val_accuracy, kept_accuracy) << "the contrived last epoch was not worse";
  EXPECT_GT(kept_accuracy, 0.5) << "nothing was learned before the jump";
  // The plan now holds the kept weights: evaluating them gives the kept epoch's accuracy.
  EXPECT_EQ(run.evaluate(*data.val).accuracy(), kept_accuracy);
  for (const auto& [name, p] : run.model_weights()) EXPECT_EQ(run.weights().at(name).values, p.values) << name;

  RunData no_val;
  no_val.train = synthetic(16, 4, 1);
  EXPECT_CONTAINS(error_of([&] { TrainingRun r(test::context(), parse_model_spec(kNet, "tiny"), config, no_val, ""); }),
                  "keeping the best epoch needs a validation set (--val-split F");
}

TEST(PartialBatch, TheLastShortBatchTrainsUnlessDropLastSaysOtherwise) {
  RunData data;
  data.train = synthetic(70, 4, 7);
  RunConfig config;
  config.epochs = 1;
  config.batch = 32;
  std::size_t seen = 0, total = 0;
  RunCallbacks cb;
  cb.on_batch = [&](const Progress& p) { seen = p.done, total = p.total; };
  TrainingRun run(test::context(), parse_model_spec(kNet, "tiny"), config, data, "");
  EXPECT_EQ(run.steps_per_epoch(), 3u);
  EXPECT_EQ(run.dropped_per_epoch(), 0u);
  ASSERT_TRUE(run.run(cb));
  EXPECT_EQ(seen, 70u);
  EXPECT_EQ(total, 70u);
  EXPECT_EQ(run.plan().step(), 3u);

  config.drop_last = true;
  TrainingRun dropping(test::context(), parse_model_spec(kNet, "tiny"), config, data, "");
  EXPECT_EQ(dropping.steps_per_epoch(), 2u);
  EXPECT_EQ(dropping.dropped_per_epoch(), 6u);
  ASSERT_TRUE(dropping.run(cb));
  EXPECT_EQ(seen, 64u);

  RunData few;
  few.train = synthetic(5, 4, 8);
  EXPECT_CONTAINS(error_of([&] { TrainingRun r(test::context(), parse_model_spec(kNet, "tiny"), config, few, ""); }),
                  "synthetic: 5 training images are fewer than one batch of 32 (and the short batch is dropped)");
  config.drop_last = false;
  TrainingRun small(test::context(), parse_model_spec(kNet, "tiny"), config, few, "");
  EXPECT_EQ(small.steps_per_epoch(), 1u);
}

}  // namespace
}  // namespace vkcnn::trainer
