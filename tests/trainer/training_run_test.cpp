// End to end on real Fashion-MNIST images: a small net learns from a few hundred of them, and
// a run interrupted mid-epoch and resumed from its checkpoint ends bit-identical to a run that
// was never interrupted (same batches, augmentation, dropout masks, optimizer state).
#include "training_run.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data_source.h"
#include "support/gpu_test.h"

namespace vkcnn::trainer {
namespace {

const char* kDataDir = "/usr/share/datasets/fashion-mnist";

const char* kSmallNet = R"({
  "name": "small", "input": {"channels": 1, "height": 28, "width": 28, "mean": [0.286], "std": [0.353]},
  "layers": [
    {"type": "conv2d", "name": "c1", "out_channels": 8, "kernel": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "conv2d", "name": "c2", "out_channels": 16, "kernel": 3, "padding": 1, "bias": false},
    {"type": "batchnorm2d", "name": "bn2"},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "dropout", "p": 0.2},
    {"type": "dense", "name": "f1", "out_features": 10},
    {"type": "softmax"}
  ]})";

// Loaded once for the suite: decompressing the 60 000 images is the slow part.
const DataSplits* fashion_mnist() {
  static std::unique_ptr<DataSplits> data = [] {
    std::unique_ptr<DataSplits> d;
    if (std::filesystem::exists(std::string(kDataDir) + "/train-images-idx3-ubyte.gz"))
      d = std::make_unique<DataSplits>(
          load_data(std::string("fashion-mnist:") + kDataDir, parse_model_spec(kSmallNet, "small").input));
    return d;
  }();
  return data.get();
}

RunData small_data(std::size_t train, std::size_t val) {
  const DataSplits& s = *fashion_mnist();
  std::vector<std::size_t> t(train), v(val);
  for (std::size_t i = 0; i < train; ++i) t[i] = i;
  for (std::size_t i = 0; i < val; ++i) v[i] = i;
  RunData d;
  d.train = subset(s.train, t);
  d.val = subset(*s.test, v);
  return d;
}

ModelSpec small_spec() {
  ModelSpec spec = parse_model_spec(kSmallNet, "small");
  spec.labels = fashion_mnist_classes();
  return spec;
}

TEST(TrainingRun, LearnsFashionMnistFromAFewHundredImages) {
  // scripts/setup.sh installs the data set: its absence is a broken setup, not a reason to skip.
  ASSERT_TRUE(fashion_mnist()) << kDataDir << " is missing (Debian package dataset-fashion-mnist)";
  RunData data = small_data(640, 500);
  RunConfig config;
  config.epochs = 4;
  config.batch = 32;
  config.lr = 0.05;
  config.optimizer.momentum = 0.9;
  config.seed = 1;
  TrainingRun run(test::context(), small_spec(), config, data, "");
  const Evaluation before = run.evaluate(*data.val);
  EXPECT_TRUE(run.run());
  const Evaluation after = run.evaluate(*data.val);
  std::printf("validation loss %.3f -> %.3f, accuracy %.1f%% -> %.1f%%\n", before.mean_loss(), after.mean_loss(),
              100 * before.accuracy(), 100 * after.accuracy());
  ASSERT_EQ(run.history().size(), 4u);
  EXPECT_EQ(after.mean_loss(), *run.history().back().val_loss);
  // Chance is 10% and log(10) = 2.30.
  EXPECT_NEAR(before.mean_loss(), 2.3, 0.3);
  EXPECT_LT(after.mean_loss(), 0.5 * before.mean_loss())
      << "loss " << before.mean_loss() << " -> " << after.mean_loss();
  EXPECT_GT(after.accuracy(), 0.6) << "accuracy " << before.accuracy() << " -> " << after.accuracy();
  EXPECT_LT(run.history().back().train_loss, run.history().front().train_loss);
}

TEST(TrainingRun, ResumedMidEpochEndsBitIdenticalToAnUninterruptedRun) {
  // scripts/setup.sh installs the data set: its absence is a broken setup, not a reason to skip.
  ASSERT_TRUE(fashion_mnist()) << kDataDir << " is missing (Debian package dataset-fashion-mnist)";
  RunData data = small_data(160, 64);
  RunConfig config;
  config.epochs = 2;
  config.batch = 32;
  config.lr = 0.05;
  config.optimizer.nesterov = true;
  config.optimizer.weight_decay = 1e-4;
  config.schedule = ScheduleKind::Cosine;
  config.warmup_epochs = 0.5;
  config.augment = Augment{2, true};
  config.seed = 5;
  const std::string ckpt = (std::filesystem::temp_directory_path() / "vkcnn_run_resume_test.ckpt").string();

  TrainingRun straight(test::context(), small_spec(), config, data, "");
  ASSERT_TRUE(straight.run());

  {
    TrainingRun first(test::context(), small_spec(), config, data, ckpt);
    int steps = 0;
    RunCallbacks cb;
    cb.should_stop = [&] { return ++steps == 7; };  // epoch 2, batch 2 of 5
    EXPECT_FALSE(first.run(cb));
  }
  Checkpoint c = read_checkpoint(ckpt);
  std::filesystem::remove(ckpt);
  EXPECT_EQ(c.state.step, 7u);
  EXPECT_EQ(c.spec.labels, fashion_mnist_classes());
  TrainingRun resumed(test::context(), c.spec, checkpoint_config(c, ckpt), data, "", &c);
  ASSERT_TRUE(resumed.run());

  ASSERT_EQ(resumed.history().size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(resumed.history()[e].train_loss, straight.history()[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(resumed.history()[e].val_loss, straight.history()[e].val_loss) << "epoch " << e + 1;
  }
  Weights a = straight.weights(), b = resumed.weights();
  for (const auto& [name, p] : a) EXPECT_EQ(p.values, b.at(name).values) << name;
}

}  // namespace
}  // namespace vkcnn::trainer
