// vkcnn-train: train a model from an architecture spec on the engine's own shaders, or fine-tune
// an existing model (--init, --reset-head, --freeze).
//   vkcnn-train --arch models/refcnn.json --data fashion-mnist:/usr/share/datasets/fashion-mnist
//               --epochs 15 --batch 64 --optimizer adamw --lr 1e-3 --schedule cosine --out fmnist.vkcnn
//   vkcnn-train --init resnet18.vkcnn --reset-head --freeze all-but-head --data folder:photos
//               --val-split 0.2 --epochs 5 --out photos.vkcnn
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <CLI/CLI.hpp>

#include <vkcnn/model/model_file.h>
#include <vkcnn/vk/context.h>

#include "data_source.h"
#include "fine_tune.h"
#include "progress.h"
#include "training_run.h"

namespace {

using namespace vkcnn;
using namespace vkcnn::trainer;

volatile std::sig_atomic_t g_stop = 0;
void on_interrupt(int) {
  g_stop = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

struct Options {
  std::string arch, init, data, out, checkpoint, resume, plot, csv, device;
  std::string optimizer = "sgd", schedule = "constant";
  std::string freeze, keep, mean, std;
  bool reset_head = false;
  uint32_t classes = 0;
  RunConfig run;
};

std::string csv_path(const Options& o) {
  if (!o.csv.empty()) return o.csv;
  if (!o.plot.empty()) return std::filesystem::path(o.plot).replace_extension(".csv").string();
  return std::filesystem::path(o.out).replace_extension(".csv").string();
}

std::size_t parameter_count(const Weights& w) {
  std::size_t n = 0;
  for (const auto& [name, p] : w) n += p.values.size();
  return n;
}

int train(const Options& o) {
  std::optional<Checkpoint> resume;
  std::optional<ModelFile> init;
  ModelSpec spec;
  RunConfig config = o.run;
  if (!o.resume.empty()) {
    resume = read_checkpoint(o.resume);
    spec = resume->spec;
    config = checkpoint_config(*resume, o.resume);
    std::printf("resuming %s at step %llu: the run's settings come from the checkpoint\n", o.resume.c_str(),
                static_cast<unsigned long long>(resume->state.step));
  } else {
    if (!o.init.empty()) {
      init = read_model_file(o.init);
      spec = init->spec;
    } else {
      spec = load_model_spec(o.arch);
    }
    config.optimizer.kind = optimizer_from_string(o.optimizer);
    config.schedule = schedule_from_string(o.schedule);
    // The model's normalisation unless overridden; the override goes into the written model,
    // so that inference normalises as training did.
    if (!o.mean.empty()) spec.input.mean = parse_channel_values(o.mean, spec.input.channels, "--mean");
    if (!o.std.empty()) spec.input.std = parse_channel_values(o.std, spec.input.channels, "--std");
    for (float s : spec.input.std)
      if (!(s > 0))
        throw Error(
            "--std "
            " + o.std + "
            ": every value must be positive");
  }
  const std::string origin = !o.resume.empty() ? o.resume : !o.init.empty() ? o.init : o.arch;

  ContextOptions copts;
  copts.device = o.device;
  Context ctx(copts);
  DataSplits splits = load_data(o.data, spec.input);
  if (init) check_input_format(splits, spec.input, o.init, o.data);
  if (o.classes && o.classes != splits.train.classes.size())
    throw Error("--classes " + std::to_string(o.classes) + ", but " + o.data + " has " +
                std::to_string(splits.train.classes.size()) + " classes");
  Weights initial;
  if (o.reset_head) {
    initial = init ? init->weights : Weights{};
    reset_head(spec, initial, splits.train.classes, config.seed, origin);
    if (!init) initial.clear();  // --arch: every weight is fresh anyway
  } else {
    const uint32_t outputs = Graph(ModelSpec{spec.name, spec.input, {}, spec.layers}, origin).classes();
    if (resume) {
      if (splits.train.classes.size() != outputs)
        throw Error(o.data + ": " + std::to_string(splits.train.classes.size()) + " classes, but " + origin +
                    " outputs " + std::to_string(outputs));
      if (!spec.labels.empty() && spec.labels != splits.train.classes)
        throw Error(o.data + ": the classes differ from those of the checkpoint " + o.resume);
    } else {
      check_classes(init ? spec.labels : std::vector<std::string>{}, outputs, origin, splits.train, o.data);
    }
    if (init) initial = init->weights;
  }
  spec.labels = splits.train.classes;  // labels come from the data into the model file
  if (!resume) {
    if (!o.freeze.empty()) config.freeze = freeze_list(o.freeze, Graph(spec, origin), origin);
    // Keep the best epoch where a held-out split validates; never select on the test set.
    config.keep_best = o.keep.empty() ? config.val_split > 0 : o.keep == "best";
    if (config.keep_best && !(config.val_split > 0))
      throw Error("--keep best needs a validation split (--val-split F, e.g. 0.2): choosing the epoch on the " +
                  std::string(splits.test ? "test set would overstate its accuracy" : "training data is no choice"));
  }
  if (!splits.test && !(config.val_split > 0))
    std::fprintf(stderr,
                 "vkcnn-train: note: %s has no test split (DIR/test or DIR/val), so nothing validates this run; "
                 "--val-split 0.2 holds a fifth of the training images out\n",
                 o.data.c_str());
  RunData data = split_data(std::move(splits.train), std::move(splits.test), config);

  TrainingRun run(ctx, spec, config, data, o.checkpoint, resume ? &*resume : nullptr,
                  initial.empty() ? nullptr : &initial);
  std::printf("device: %s\nmodel: %s, %zu parameters; training on %zu images (%s), %zu steps of %u per epoch\n",
              ctx.info().name.c_str(), origin.c_str(), parameter_count(run.weights()), data.train.size(),
              splits.kind.c_str(), run.steps_per_epoch(), config.batch);
  std::printf("validation: %s; test: %s\n", data.val ? (std::to_string(data.val->size()) + " images").c_str() : "none",
              data.test ? (std::to_string(data.test->size()) + " images").c_str() : "none");
  if (run.dropped_per_epoch())
    std::printf("the last %zu images of each epoch's shuffled order are dropped (--drop-last)\n",
                run.dropped_per_epoch());
  else if (data.train.size() % config.batch)
    std::printf("the last batch of each epoch holds %zu images\n", data.train.size() % config.batch);
  if (!config.freeze.empty()) {
    std::string names;
    for (const std::string& n : config.freeze) names += (names.empty() ? "" : ", ") + n;
    std::printf("frozen: %s\n", names.c_str());
  }
  std::printf("settings: %s\n", to_json(config).dump().c_str());
  std::fflush(stdout);

  ProgressBar bar(stderr);
  RunCallbacks cb;
  std::size_t steps_seen = 0;
  cb.on_batch = [&](const Progress& p) {
    // VKCNN_PROFILE=1: device time per layer of one step (the 5th, past the pipelines' first use).
    if (ctx.profiling() && ++steps_seen == 5) {
      bar.finish();
      double total = 0;
      for (const auto& [label, ms] : run.plan().last_profile()) total += ms;
      std::fprintf(stderr, "profile of one training step (%.2f ms on the device):\n", total);
      for (const auto& [label, ms] : run.plan().last_profile())
        std::fprintf(stderr, "  %-28s %8.3f ms  %5.1f%%\n", label.c_str(), ms, 100 * ms / total);
    }
    bar.update(p);
  };
  cb.should_stop = [] { return g_stop != 0; };
  cb.on_epoch = [&](const EpochStats& s) {
    bar.finish();
    std::printf("epoch %u/%u  train loss %.4f acc %.2f%%", s.epoch, config.epochs, s.train_loss,
                100 * s.train_accuracy);
    if (s.val_loss) std::printf("  val loss %.4f acc %.2f%%", *s.val_loss, 100 * *s.val_accuracy);
    std::printf("  lr %.3g  %s  %.0f img/s\n", s.lr, format_duration(s.seconds).c_str(), s.images_per_second);
    std::fflush(stdout);
    // Every epoch leaves a usable model and up-to-date curves behind.
    write_model_file(o.out, run.spec(), run.model_weights());
    write_curves_csv(csv_path(o), run.history());
    if (!o.plot.empty()) plot_curves(o.plot, run.history(), spec.name.empty() ? o.out : spec.name);
  };
  std::signal(SIGINT, on_interrupt);
  const bool finished = run.run(cb);
  std::signal(SIGINT, SIG_DFL);
  bar.finish();
  if (!finished) {
    std::printf("interrupted: checkpoint written to %s (continue with --resume %s)\n", o.checkpoint.c_str(),
                o.checkpoint.c_str());
    return 130;
  }

  write_model_file(o.out, run.spec(), run.model_weights());
  if (run.kept_epoch()) {
    const EpochStats& kept = run.history().at(run.kept_epoch() - 1);
    std::printf("kept epoch %u of %u: best validation accuracy %.2f%% (last epoch %.2f%%)\n", run.kept_epoch(),
                config.epochs, 100 * *kept.val_accuracy, 100 * run.history().back().val_accuracy.value_or(0));
  }
  std::printf("model written to %s\n", o.out.c_str());
  if (const Dataset* final_set = data.test ? &*data.test : data.val ? &*data.val : nullptr) {
    Evaluation e = run.evaluate(*final_set);
    std::printf("%s %s", data.test ? "test" : "validation", format_report(e, run.spec().labels).c_str());
  }
  std::printf("curves: %s%s%s\n", csv_path(o).c_str(), o.plot.empty() ? "" : ", ", o.plot.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Train a vkcnn model on the GPU (Vulkan compute shaders; Mesa's lavapipe without a GPU)."};
  app.option_defaults()->always_capture_default();
  auto* arch =
      app.add_option("--arch", o.arch, "architecture spec (.json, see models/refcnn.json)")->check(CLI::ExistingFile);
  auto* init = app.add_option("--init", o.init,
                              "fine-tune: start from this model's architecture, weights and preprocessing "
                              "(.vkcnn: trained, or imported from ONNX with vkcnn-import)")
                   ->check(CLI::ExistingFile)
                   ->excludes(arch);
  auto* reset = app.add_flag("--reset-head", o.reset_head,
                             "replace the last dense (or conv2d) layer for the dataset's classes, freshly "
                             "initialised; the labels come from the dataset (folder names)");
  app.add_option("--classes", o.classes, "with --reset-head: the class count the dataset must have (a check)")
      ->needs(reset)
      ->check(CLI::Range(1u, 1000000u));
  auto* freeze =
      app.add_option("--freeze", o.freeze,
                     "keep these layers' parameters fixed: a comma list of layer names, or all-but-head; a frozen "
                     "batchnorm uses its running statistics");
  auto* keep =
      app.add_option("--keep", o.keep,
                     "which epoch's weights the model keeps: best (validation accuracy; the default with --val-split) "
                     "or last (the default otherwise)")
          ->check(CLI::IsMember({"best", "last"}));
  app.add_flag("--drop-last", o.run.drop_last,
               "skip each epoch's last batch when it is short (default: train on it, like PyTorch's drop_last=False)");
  auto* mean =
      app.add_option("--mean", o.mean, "override the model's per-channel mean (0-1 scale, a,b,c); written into OUT");
  auto* std_dev =
      app.add_option("--std", o.std, "override the model's per-channel std (0-1 scale, a,b,c); written into OUT");
  app.add_option("--data", o.data,
                 "dataset: fashion-mnist:DIR, mnist:DIR (IDX files, .gz or not), cifar10:DIR (binary batches), "
                 "folder:DIR (DIR/<class>/<image>, or DIR/train + DIR/test)")
      ->required();
  app.add_option("--out", o.out, "model file to write (.vkcnn), after every epoch and at the end")->required();
  app.add_option("--epochs", o.run.epochs, "passes over the training set")->check(CLI::Range(1u, 100000u));
  app.add_option("--batch", o.run.batch, "images per step")->check(CLI::Range(1u, 65536u));
  app.add_option("--optimizer", o.optimizer, "sgd (momentum, Nesterov, L2 weight decay) or adamw (decoupled decay)")
      ->check(CLI::IsMember({"sgd", "adamw"}, CLI::ignore_case));
  app.add_option("--lr", o.run.lr, "learning rate (the peak for onecycle)")->check(CLI::PositiveNumber);
  app.add_option("--momentum", o.run.optimizer.momentum, "SGD momentum (0: none)")->check(CLI::Range(0.0, 1.0));
  app.add_flag("--nesterov", o.run.optimizer.nesterov, "SGD: Nesterov momentum");
  app.add_option("--weight-decay", o.run.optimizer.weight_decay,
                 "weight decay (SGD: L2 added to the gradient; "
                 "AdamW: decoupled)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--schedule", o.schedule, "learning-rate schedule: constant, step, cosine, onecycle")
      ->check(CLI::IsMember({"constant", "step", "cosine", "onecycle", "one-cycle", "triangular"}, CLI::ignore_case));
  app.add_option("--warmup", o.run.warmup_epochs, "linear warmup, in epochs (fractions allowed)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--step-epochs", o.run.step_epochs, "step schedule: decay every N epochs (0: a third of the run)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--gamma", o.run.gamma, "step schedule: decay factor")->check(CLI::PositiveNumber);
  app.add_option("--min-lr", o.run.min_lr, "cosine schedule: final learning rate")->check(CLI::NonNegativeNumber);
  app.add_option("--label-smoothing", o.run.label_smoothing, "cross-entropy label smoothing")
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--val-split", o.run.val_split,
                 "fraction of the training set held out for validation (0: validate on the test set)")
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--crop-padding", o.run.augment.crop_padding,
                 "augmentation: random crop after zero padding of N "
                 "pixels (0: off)")
      ->check(CLI::Range(0u, 64u));
  app.add_flag("--flip", o.run.augment.flip, "augmentation: random horizontal flip");
  app.add_option("--seed", o.run.seed, "seed for initial weights, shuffling, augmentation, dropout");
  app.add_option("--limit", o.run.limit, "use only the first N training images (0: all)");
  app.add_option("--checkpoint", o.checkpoint, "checkpoint written every epoch and on Ctrl-C (default: OUT.ckpt)");
  app.add_option("--resume", o.resume, "continue the run saved in this checkpoint (its settings win)")
      ->check(CLI::ExistingFile)
      ->excludes(arch)
      ->excludes(init)
      ->excludes(reset)
      ->excludes(freeze)
      ->excludes(keep)
      ->excludes(mean)
      ->excludes(std_dev);
  app.add_option("--plot", o.plot, "training-curve picture (.png), loss and accuracy per epoch");
  app.add_option("--csv", o.csv, "training curves as CSV (default: the plot's or OUT's name with .csv)");
  app.add_option("--device", o.device,
                 "Vulkan device index or name substring (default: $VKCNN_DEVICE, else the "
                 "first discrete GPU)");
  CLI11_PARSE(app, argc, argv);
  if (o.arch.empty() && o.init.empty() && o.resume.empty()) {
    std::fprintf(stderr, "vkcnn-train: --arch (a new model) or --init (fine-tune a model) is required, or --resume\n");
    return 2;
  }
  if (o.checkpoint.empty()) o.checkpoint = o.out + ".ckpt";
  try {
    return train(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nvkcnn-train: error: %s\n", e.what());
    return 1;
  }
}
