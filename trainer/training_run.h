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
  // Fine-tuning: layers whose parameters stay fixed (TrainingOptions::frozen), by name.
  std::vector<std::string> freeze;
  bool keep_best = false;  // the model is the epoch of best validation accuracy, not the last
  bool drop_last = false;  // skip each epoch's last, short batch instead of training on it
};

nlohmann::json to_json(const RunConfig& c);
// Errors name the field; a checkpoint from another version is refused rather than half-read.
// Checkpoints written before fine-tuning existed lack "freeze", "keep_best" and "drop_last":
// they read as nothing frozen, the last epoch kept, and the short batch dropped, which is how
// those runs trained.
RunConfig run_config_from_json(const nlohmann::json& j);

// The epoch (1-based) with the highest validation accuracy, the earliest of equals; 0 when no
// epoch was validated.
uint32_t best_epoch(const std::vector<EpochStats>& history);

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
  // `spec` carries the labels of `data.train`. The weights are `initial` (fine-tuning: every
  // tensor of the spec) or fresh from initialize_weights(seed), unless `resume` is given, whose
  // weights, optimizer state and progress are restored (its configuration must be the one passed
  // here). `checkpoint_path` (may be empty) is written at the end of every epoch and when
  // should_stop() stops the run.
  TrainingRun(Context& ctx, ModelSpec spec, const RunConfig& config, const RunData& data, std::string checkpoint_path,
              const Checkpoint* resume = nullptr, const Weights* initial = nullptr);

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
  // Images of the last, short batch that each epoch skips (drop_last), else 0.
  std::size_t dropped_per_epoch() const { return dropped_; }
  // With keep_best: the epoch whose weights are kept so far (0 before the first validation);
  // after run() returns true the plan holds that epoch's weights. 0 without keep_best.
  uint32_t kept_epoch() const { return config_.keep_best ? kept_epoch_ : 0; }
  // What the model file should hold now: the kept epoch's weights, else the current ones.
  Weights model_weights() const { return kept_epoch() ? kept_ : plan_->weights(); }
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
  std::size_t steps_per_epoch_ = 0, dropped_ = 0;
  uint32_t kept_epoch_ = 0;
  Weights kept_;
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
