#include "model_instance.h"

#include <glib.h>
#include <map>

namespace vkcnn::plugin {

namespace {
std::mutex registry_mutex;
// Weak: an instance lives as long as an element holds it, not as long as the process.
std::map<std::string, std::weak_ptr<ModelInstance>>& registry() {
  static auto* instances = new std::map<std::string, std::weak_ptr<ModelInstance>>;
  return *instances;
}

std::string describe(const InstanceSettings& s) {
  return "model " + s.model_path + ", device \"" + s.device + "\", batch-size " + std::to_string(s.batch_size) +
         ", batch-timeout " + std::to_string(s.batch_timeout.count()) + " us, precision " + s.precision;
}
}  // namespace

std::shared_ptr<LoadedModel> load_model(const std::shared_ptr<Context>& ctx, const std::string& path,
                                        const std::string& precision) {
  auto m = std::make_shared<LoadedModel>();
  m->ctx = ctx;
  m->precision = resolve_precision(ctx->info(), parse_precision_choice(precision));
  m->model = Model::load(*ctx, path);
  m->path = path;
  m->name = m->model->spec().name;
  if (m->name.empty()) {
    // File names need not be UTF-8; the name goes into JSON, messages and metas.
    gchar* base = g_path_get_basename(path.c_str());
    gchar* valid = g_utf8_make_valid(base, -1);
    m->name = valid;
    g_free(valid);
    g_free(base);
  }
  return m;
}

ModelInstance::ModelInstance(std::string id, const InstanceSettings& settings)
    : id_(std::move(id)), settings_(settings) {
  ContextOptions options;
  options.device = settings.device;
  ctx_ = std::make_shared<Context>(options);
  current_ = load_model(ctx_, settings.model_path, settings.precision);
  batcher_ = std::make_shared<Batcher>(settings.batch_size, settings.batch_timeout);
  prepare_batch_passes(*current_, batcher_->max_batch());
}

ModelInstance::~ModelInstance() {
  std::lock_guard lock(registry_mutex);
  auto it = registry().find(id_);
  if (it != registry().end() && it->second.expired()) registry().erase(it);
}

std::shared_ptr<ModelInstance> ModelInstance::acquire(const std::string& id, const InstanceSettings& settings) {
  std::shared_ptr<ModelInstance> running;  // released after the lock: it may be the last reference
  std::lock_guard lock(registry_mutex);
  auto& entry = registry()[id];
  if ((running = entry.lock())) {
    InstanceSettings ours = running->settings_;
    {
      std::lock_guard model_lock(running->mutex_);
      ours.model_path = running->settings_.model_path;
    }
    if (ours.model_path != settings.model_path || ours.device != settings.device ||
        ours.batch_size != settings.batch_size || ours.batch_timeout != settings.batch_timeout ||
        ours.precision != settings.precision)
      throw Error("model-instance-id \"" + id + "\" already runs with " + describe(ours) + "; this element asks for " +
                  describe(settings) + " (elements sharing an instance must agree on all five)");
    return running;
  }
  std::shared_ptr<ModelInstance> made(new ModelInstance(id, settings));
  entry = made;
  return made;
}

std::shared_ptr<ModelInstance> ModelInstance::find(const std::string& id) {
  std::lock_guard lock(registry_mutex);
  auto it = registry().find(id);
  return it == registry().end() ? nullptr : it->second.lock();  // handed out, not released here
}

std::shared_ptr<LoadedModel> ModelInstance::current(uint64_t* generation) const {
  std::lock_guard lock(mutex_);
  if (generation) *generation = generation_;
  return current_;
}

std::shared_ptr<LoadedModel> ModelInstance::reload(const std::string& path, uint64_t* generation) {
  // Outside the lock: loading and making the plans take a while.
  auto loaded = load_model(ctx_, path, settings_.precision);
  prepare_batch_passes(*loaded, batcher_->max_batch());
  std::lock_guard lock(mutex_);
  current_ = loaded;
  settings_.model_path = path;
  *generation = ++generation_;
  return loaded;
}

}  // namespace vkcnn::plugin
