// A whole training run over a dataset: epochs of shuffled, augmented batches through a
// TrainingPlan, a learning-rate schedule, validation per epoch, checkpoints that make a
// resumed run continue exactly as an uninterrupted one (same batches, same dropout masks, same
// optimizer state). The CLI (train_main.cpp) only parses flags, prints and plots.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <vkcnn/train/checkpoint.h>
#include <vkcnn/train/schedule.h>
#include <vkcnn/train/training_plan.h>

#include "batches.h"
#include "curves.h"
#include "dataset.h"
#include "report.h"

namespace vkcnn::trainer {

// Everything that decides the trajectory of a run; stored in checkpoints and restored by --resume.
struct RunConfig {
  uint32_t epochs = 10;
  uint32_t batch = 64;
  OptimizerConfig optimizer;
  double lr = 0.01;
  ScheduleKind schedule = ScheduleKind::Constant;
  double warmup_epochs = 0;
  double step_epochs = 0;  // Step: decay every this many epochs (0: a third of the run)
  double gamma = 0.1;      // Step
  double min_lr = 0;       // Cosine
  float label_smoothing = 0;
  double val_split = 0;  // fraction of the training images held out for validation
  uint32_t seed = 0;
  Augment augment;
  std::size_t limit = 0;  // use only the first `limit` training images (0: all)
};

nlohmann::json to_json(const RunConfig& c);
// Errors name the field; a checkpoint from another version is refused rather than half-read.
RunConfig run_config_from_json(const nlohmann::json& j);

// Train / validation / test sets for a run: --limit, then --val-split (a seeded, fixed hold-out);
// without a split the test set validates every epoch.
struct RunData {
  Dataset train;
  std::optional<Dataset> val, test;
};
RunData split_data(Dataset train, std::optional<Dataset> test, const RunConfig& config);

struct Progress {
  uint32_t epoch = 0, epochs = 0;   // 1-based
  std::size_t done = 0, total = 0;  // images of this epoch
  double loss = 0, accuracy = 0;    // running means over the epoch so far
  double images_per_second = 0, eta_seconds = 0, lr = 0;
};

struct RunCallbacks {
  std::function<void(const Progress&)> on_batch;    // after every step
  std::function<void(const EpochStats&)> on_epoch;  // after validation
  std::function<bool()> should_stop;                // checked after every step (Ctrl-C)
};

class TrainingRun {
 public:
  // `spec` carries the labels of `data.train`. Fresh weights come from initialize_weights(seed)
  // unless `resume` is given, whose weights, optimizer state and progress are restored (its
  // configuration must be the one passed here). `checkpoint_path` (may be empty) is written at
  // the end of every epoch and when should_stop() stops the run.
  TrainingRun(Context& ctx, ModelSpec spec, const RunConfig& config, const RunData& data, std::string checkpoint_path,
              const Checkpoint* resume = nullptr);

  // Runs until the last epoch or until should_stop() returns true (a checkpoint is written
  // first). Returns true when every epoch finished.
  bool run(const RunCallbacks& callbacks = {});

  // Inference-mode loss/accuracy/confusion over a whole dataset.
  Evaluation evaluate(const Dataset& data);

  void write_checkpoint(const std::string& path) const;
  const ModelSpec& spec() const { return spec_; }
  const RunConfig& config() const { return config_; }
  const std::vector<EpochStats>& history() const { return history_; }
  uint32_t epochs_done() const { return epoch_; }
  std::size_t steps_per_epoch() const { return steps_per_epoch_; }
  TrainingPlan& plan() { return *plan_; }
  Weights weights() const { return plan_->weights(); }

 private:
  Context* ctx_;
  ModelSpec spec_;
  RunConfig config_;
  const RunData* data_;
  std::string checkpoint_path_;
  std::unique_ptr<TrainingPlan> plan_;
  ScheduleConfig schedule_;
  Normalizer norm_;
  std::size_t steps_per_epoch_ = 0;
  // Progress: epochs finished, steps taken in the current epoch, its running sums.
  uint32_t epoch_ = 0;
  std::size_t batch_in_epoch_ = 0;
  double epoch_loss_ = 0;
  uint64_t epoch_correct_ = 0, epoch_seen_ = 0;
  std::vector<EpochStats> history_;
  // Reused every step: no allocation in the loop.
  std::vector<float> images_;
  std::vector<uint32_t> labels_;
};

// The checkpoint's run settings ("config" in its info), for --resume.
RunConfig checkpoint_config(const Checkpoint& c, const std::string& path);

}  // namespace vkcnn::trainer
