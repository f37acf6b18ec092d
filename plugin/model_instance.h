// Shared model instances: the vkcnnclassify elements of one process with the same
// model-instance-id share one Vulkan context, one loaded model (one copy of the weights) and one
// Batcher. The first element to start makes the instance with its settings; the others must ask
// for the same ones (model, device, batch-size, batch-timeout, precision), else acquire() fails naming the
// difference. The instance goes away with the last element that holds it.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "batcher.h"

namespace vkcnn::plugin {

struct InstanceSettings {
  std::string device;      // as the element's "device" property ("" = the default choice)
  std::string model_path;  // the model the element asks for
  uint32_t batch_size = 1;
  std::chrono::microseconds batch_timeout{0};
  std::string precision = "auto";  // fp32, fp16 or auto, as the element's "precision"
};

// Loads `path` on ctx (the name: the spec's, else the file's base name) to run at `precision`
// (fp32, fp16 or auto: resolved for ctx's device; fp16 where it cannot is an Error).
std::shared_ptr<LoadedModel> load_model(const std::shared_ptr<Context>& ctx, const std::string& path,
                                        const std::string& precision);

class ModelInstance {
 public:
  // The running instance of that id, made with `settings` when there is none. Throws Error when
  // opening the device or loading the model fails, or when the instance runs with other
  // settings (the message names the id and each difference).
  static std::shared_ptr<ModelInstance> acquire(const std::string& id, const InstanceSettings& settings);
  // The running instance of that id, or null.
  static std::shared_ptr<ModelInstance> find(const std::string& id);

  ~ModelInstance();
  ModelInstance(const ModelInstance&) = delete;
  ModelInstance& operator=(const ModelInstance&) = delete;

  const std::string& id() const { return id_; }
  const std::shared_ptr<Context>& context() const { return ctx_; }
  const std::shared_ptr<Batcher>& batcher() const { return batcher_; }
  // The model new frames go to, and how many times it was replaced.
  std::shared_ptr<LoadedModel> current(uint64_t* generation = nullptr) const;
  // Loads `path` and makes it the model of every element of the instance (each swaps it in
  // between its frames; frames already queued finish on the old one). Throws Error when it does
  // not load; the current model stays then.
  std::shared_ptr<LoadedModel> reload(const std::string& path, uint64_t* generation);

 private:
  ModelInstance(std::string id, const InstanceSettings& settings);

  std::string id_;
  InstanceSettings settings_;  // as made; model_path follows reloads
  std::shared_ptr<Context> ctx_;
  std::shared_ptr<Batcher> batcher_;
  mutable std::mutex mutex_;  // guards current_, generation_, settings_.model_path
  std::shared_ptr<LoadedModel> current_;
  uint64_t generation_ = 0;
};

}  // namespace vkcnn::plugin
