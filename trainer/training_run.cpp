#include "training_run.h"

#include <algorithm>
#include <cmath>

#include <vkcnn/model/init.h>
#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {

nlohmann::json to_json(const RunConfig& c) {
  return {{"epochs", c.epochs},
          {"batch", c.batch},
          {"optimizer", to_string(c.optimizer.kind)},
          {"momentum", c.optimizer.momentum},
          {"nesterov", c.optimizer.nesterov},
          {"weight_decay", c.optimizer.weight_decay},
          {"betas", {c.optimizer.beta1, c.optimizer.beta2}},
          {"eps", c.optimizer.eps},
          {"lr", c.lr},
          {"schedule", to_string(c.schedule)},
          {"warmup_epochs", c.warmup_epochs},
          {"step_epochs", c.step_epochs},
          {"gamma", c.gamma},
          {"min_lr", c.min_lr},
          {"label_smoothing", c.label_smoothing},
          {"val_split", c.val_split},
          {"seed", c.seed},
          {"crop_padding", c.augment.crop_padding},
          {"flip", c.augment.flip},
          {"limit", c.limit},
          {"freeze", c.freeze},
          {"keep_best", c.keep_best},
          {"drop_last", c.drop_last}};
}

uint32_t best_epoch(const std::vector<EpochStats>& history) {
  uint32_t best = 0;
  double best_accuracy = -1;
  for (const EpochStats& s : history)
    if (s.val_accuracy && *s.val_accuracy > best_accuracy) best = s.epoch, best_accuracy = *s.val_accuracy;
  return best;
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  RunConfig c;
  try {
    c.epochs = j.at("epochs").get<uint32_t>();
    c.batch = j.at("batch").get<uint32_t>();
    c.optimizer.kind = optimizer_from_string(j.at("optimizer").get<std::string>());
    c.optimizer.momentum = j.at("momentum").get<double>();
    c.optimizer.nesterov = j.at("nesterov").get<bool>();
    c.optimizer.weight_decay = j.at("weight_decay").get<double>();
    c.optimizer.beta1 = j.at("betas").at(0).get<double>();
    c.optimizer.beta2 = j.at("betas").at(1).get<double>();
    c.optimizer.eps = j.at("eps").get<double>();
    c.lr = j.at("lr").get<double>();
    c.schedule = schedule_from_string(j.at("schedule").get<std::string>());
    c.warmup_epochs = j.at("warmup_epochs").get<double>();
    c.step_epochs = j.at("step_epochs").get<double>();
    c.gamma = j.at("gamma").get<double>();
    c.min_lr = j.at("min_lr").get<double>();
    c.label_smoothing = j.at("label_smoothing").get<float>();
    c.val_split = j.at("val_split").get<double>();
    c.seed = j.at("seed").get<uint32_t>();
    c.augment.crop_padding = j.at("crop_padding").get<uint32_t>();
    c.augment.flip = j.at("flip").get<bool>();
    c.limit = j.at("limit").get<std::size_t>();
    c.freeze = j.value("freeze", std::vector<std::string>{});
    c.keep_best = j.value("keep_best", false);
    c.drop_last = j.value("drop_last", true);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("run settings: ") + e.what());
  }
  return c;
}

RunConfig checkpoint_config(const Checkpoint& c, const std::string& path) {
  if (!c.info.contains("config")) throw Error(path + ": checkpoint holds no run settings (\"config\")");
  try {
    return run_config_from_json(c.info.at("config"));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

RunData split_data(Dataset train, std::optional<Dataset> test, const RunConfig& config) {
  if (config.limit && config.limit < train.size()) {
    train.pixels.resize(config.limit * train.image_bytes());
    train.labels.resize(config.limit);
  }
  RunData d;
  if (config.val_split > 0) {
    if (!(config.val_split < 1)) throw Error("--val-split must be in [0, 1), got " + std::to_string(config.val_split));
    // A hold-out that depends on the seed only (not on the epoch), so it never changes mid-run.
    auto order = epoch_order(train.size(), config.seed, ~0ull);
    const std::size_t held = static_cast<std::size_t>(std::llround(config.val_split * double(train.size())));
    if (held == 0 || held >= train.size())
      throw Error("--val-split " + std::to_string(config.val_split) + " of " + std::to_string(train.size()) +
                  " images leaves no training or no validation images");
    std::vector<std::size_t> keep(order.begin(), order.end() - held), val(order.end() - held, order.end());
    std::sort(keep.begin(), keep.end());
    std::sort(val.begin(), val.end());
    d.val = subset(train, val);
    d.train = subset(train, keep);
    d.test = std::move(test);
  } else {
    d.train = std::move(train);
    d.val = test;
    d.test = std::move(test);
  }
  return d;
}

TrainingRun::TrainingRun(Context& ctx, ModelSpec spec, const RunConfig& config, const RunData& data,
                         std::string checkpoint_path, const Checkpoint* resume, const Weights* initial)
    : ctx_(&ctx),
      spec_(std::move(spec)),
      config_(config),
      data_(&data),
      checkpoint_path_(std::move(checkpoint_path)),
      norm_(spec_.input) {
  if (config.epochs == 0) throw Error("--epochs must be at least 1");
  if (config.batch == 0) throw Error("--batch must be at least 1");
  if (config.keep_best && !data.val)
    throw Error("keeping the best epoch needs a validation set (--val-split F holds part of the training images out)");
  // The last batch of an epoch is short unless the batch size divides the data; it trains
  // (PyTorch's drop_last=False) unless drop_last says otherwise.
  steps_per_epoch_ = data.train.size() / config.batch;
  if (data.train.size() % config.batch) {
    if (config.drop_last)
      dropped_ = data.train.size() % config.batch;
    else
      ++steps_per_epoch_;
  }
  if (steps_per_epoch_ == 0)
    throw Error(data.train.origin + ": " + std::to_string(data.train.size()) +
                " training images are fewer than one batch of " + std::to_string(config.batch) +
                (config.drop_last ? " (and the short batch is dropped)" : ""));

  // Schedule lengths are given in epochs; the plan counts optimizer steps.
  const double spe = static_cast<double>(steps_per_epoch_);
  schedule_.kind = config.schedule;
  schedule_.lr = config.lr;
  schedule_.total_steps = config.epochs * steps_per_epoch_;
  schedule_.warmup_steps = static_cast<uint64_t>(std::llround(config.warmup_epochs * spe));
  const double step_epochs = config.step_epochs > 0 ? config.step_epochs : std::max(1.0, config.epochs / 3.0);
  schedule_.step_size = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(step_epochs * spe)));
  schedule_.gamma = config.gamma;
  schedule_.min_lr = config.min_lr;
  validate(schedule_);

  TrainingOptions options;
  options.batch = config.batch;
  options.optimizer = config.optimizer;
  options.label_smoothing = config.label_smoothing;
  options.seed = config.seed;
  options.frozen = config.freeze;
  const Weights start = resume    ? resume->state.weights
                        : initial ? *initial
                                  : initialize_weights(Graph(spec_), config.seed);
  plan_ = std::make_unique<TrainingPlan>(ctx, spec_, start, options, spec_.name.empty() ? "model" : spec_.name);
  if (resume) {
    plan_->restore(resume->state);
    const auto& info = resume->info;
    epoch_ = info.value("epoch", 0u);
    batch_in_epoch_ = info.value("batch_in_epoch", std::size_t{0});
    epoch_loss_ = info.value("epoch_loss", 0.0);
    epoch_correct_ = info.value("epoch_correct", uint64_t{0});
    epoch_seen_ = info.value("epoch_seen", uint64_t{0});
    if (info.contains("history"))
      for (const auto& e : info.at("history")) history_.push_back(epoch_stats_from_json(e));
    kept_epoch_ = info.value("kept_epoch", 0u);
    kept_ = resume->kept;
    if (config.keep_best && kept_epoch_ && kept_.empty())
      throw Error("the checkpoint keeps epoch " + std::to_string(kept_epoch_) + " but holds no kept weights");
    if (batch_in_epoch_ > steps_per_epoch_)
      throw Error("the checkpoint stopped at batch " + std::to_string(batch_in_epoch_) +
                  " of an epoch, but this data gives " + std::to_string(steps_per_epoch_) +
                  " batches per epoch (different data?)");
  }
  images_.resize(std::size_t(config.batch) * plan_->image_floats());
  labels_.resize(config.batch);
}

bool TrainingRun::run(const RunCallbacks& cb) {
  using clock = std::chrono::steady_clock;
  const Dataset& train = data_->train;
  const std::size_t B = config_.batch;
  while (epoch_ < config_.epochs) {
    const auto order = epoch_order(train.size(), config_.seed, epoch_);
    const auto start = clock::now();
    const std::size_t first_batch = batch_in_epoch_;
    double lr = learning_rate(schedule_, plan_->step());
    const std::size_t epoch_images = config_.drop_last ? steps_per_epoch_ * B : train.size();
    while (batch_in_epoch_ < steps_per_epoch_) {
      const uint64_t step = plan_->step();
      const std::size_t first = batch_in_epoch_ * B, n = std::min(B, train.size() - first);
      fill_batch(train, std::span(order).subspan(first, n), norm_, config_.augment,
                 mix_seed(config_.seed, 0x100000000ull + step), images_, labels_);
      lr = learning_rate(schedule_, step);
      BatchResult r =
          plan_->train_step(std::span(images_).first(n * plan_->image_floats()), std::span(labels_).first(n), lr);
      epoch_loss_ += r.loss_sum;
      epoch_correct_ += r.correct;
      epoch_seen_ += r.count;
      ++batch_in_epoch_;
      if (cb.on_batch) {
        const double secs = std::chrono::duration<double>(clock::now() - start).count();
        Progress p;
        p.epoch = epoch_ + 1;
        p.epochs = config_.epochs;
        p.done = first + n;
        p.total = epoch_images;
        p.loss = epoch_loss_ / double(epoch_seen_);
        p.accuracy = double(epoch_correct_) / double(epoch_seen_);
        p.images_per_second = secs > 0 ? double(p.done - first_batch * B) / secs : 0;
        p.eta_seconds = p.images_per_second > 0 ? double(p.total - p.done) / p.images_per_second : 0;
        p.lr = lr;
        cb.on_batch(p);
      }
      if (cb.should_stop && cb.should_stop()) {
        if (!checkpoint_path_.empty()) write_checkpoint(checkpoint_path_);
        return false;
      }
    }
    const double train_seconds = std::chrono::duration<double>(clock::now() - start).count();
    EpochStats s;
    s.epoch = epoch_ + 1;
    s.lr = lr;
    s.train_loss = epoch_seen_ ? epoch_loss_ / double(epoch_seen_) : 0;
    s.train_accuracy = epoch_seen_ ? double(epoch_correct_) / double(epoch_seen_) : 0;
    s.seconds = train_seconds;
    s.images_per_second = train_seconds > 0 ? double(epoch_images - first_batch * B) / train_seconds : 0;
    if (data_->val) {
      Evaluation e = evaluate(*data_->val);
      s.val_loss = e.mean_loss();
      s.val_accuracy = e.accuracy();
    }
    history_.push_back(s);
    if (config_.keep_best && best_epoch(history_) == s.epoch) {
      kept_epoch_ = s.epoch;
      kept_ = plan_->weights();
    }
    batch_in_epoch_ = 0;
    epoch_loss_ = 0;
    epoch_correct_ = epoch_seen_ = 0;
    ++epoch_;
    if (!checkpoint_path_.empty()) write_checkpoint(checkpoint_path_);
    if (cb.on_epoch) cb.on_epoch(s);
  }
  if (kept_epoch()) plan_->load_weights(kept_);  // the model, and evaluate() from now on
  return true;
}

Evaluation TrainingRun::evaluate(const Dataset& data) {
  Evaluation e(plan_->classes());
  const std::size_t B = config_.batch;
  std::vector<std::size_t> idx(B);
  std::vector<uint32_t> predicted(B);
  std::vector<float> losses(B);
  for (std::size_t at = 0; at < data.size(); at += B) {
    const std::size_t n = std::min(B, data.size() - at);
    for (std::size_t k = 0; k < n; ++k) idx[k] = at + k;
    fill_batch(data, std::span(idx).first(n), norm_, Augment{}, 0, images_, labels_);
    plan_->evaluate(std::span(images_).first(n * plan_->image_floats()), std::span(labels_).first(n),
                    std::span(predicted).first(n), std::span(losses).first(n));
    for (std::size_t k = 0; k < n; ++k) e.add(labels_[k], predicted[k], losses[k]);
  }
  return e;
}

void TrainingRun::write_checkpoint(const std::string& path) const {
  nlohmann::json history = nlohmann::json::array();
  for (const EpochStats& s : history_) history.push_back(to_json(s));
  nlohmann::json info = {{"config", to_json(config_)},
                         {"epoch", epoch_},
                         {"batch_in_epoch", batch_in_epoch_},
                         {"epoch_loss", epoch_loss_},
                         {"epoch_correct", epoch_correct_},
                         {"epoch_seen", epoch_seen_},
                         {"history", history},
                         {"kept_epoch", kept_epoch_}};
  vkcnn::write_checkpoint(path, spec_, plan_->state(), info, config_.keep_best ? kept_ : Weights{});
}

}  // namespace vkcnn::trainer
