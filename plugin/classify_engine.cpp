// The engine objects behind the element: Context, Model + ForwardPlan, and a FrameQueue (frame
// slots with their recorded command buffers) per (model, caps); or, for a model shared through
// model-instance-id, the instance's model and a BatchStream into its batcher. No GStreamer logic
// here beyond reading frames.
#include "classify_engine.h"

#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/frame_queue.h>
#include <vkcnn/model/region_batch.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/vk/context.h>

#include "model_instance.h"

struct VkcnnDevice {
  std::shared_ptr<vkcnn::Context> ctx;
};

struct VkcnnModel {
  std::shared_ptr<vkcnn::plugin::LoadedModel> loaded;      // context, model, name, path
  std::unique_ptr<vkcnn::ForwardPlan> plan;                // batch 1; only for a model of its own
  std::shared_ptr<vkcnn::plugin::ModelInstance> instance;  // the shared one, or null
  uint64_t generation = 0;                                 // the instance's latest model this handle knows of
};

struct VkcnnPass {
  VkcnnModel* model;
  std::unique_ptr<vkcnn::FrameQueue> frames;          // a model of its own, or
  std::unique_ptr<vkcnn::plugin::BatchStream> batch;  // a shared one
  // Accumulated microseconds, for the timing summary.
  uint64_t runs = 0;
  double copy_us = 0, submit_us = 0, gpu_preprocess_us = 0, gpu_forward_us = 0;
  uint64_t copied = 0, in_place = 0;  // frames copied into an upload buffer, frames read where they lay
};

struct VkcnnRegionPass {
  VkcnnModel* model;
  std::unique_ptr<vkcnn::RegionBatch> batch;
};

namespace {

template <class Fn>
auto guarded(gchar** error, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    if (error) *error = g_strdup(e.what());
  } catch (...) {
    if (error) *error = g_strdup("unknown error in the vkcnn engine");
  }
  return {};
}

vkcnn::PixelFormat pixel_format(GstVideoFormat f) {
  switch (f) {
    case GST_VIDEO_FORMAT_RGB:
      return vkcnn::PixelFormat::RGB;
    case GST_VIDEO_FORMAT_BGR:
      return vkcnn::PixelFormat::BGR;
    case GST_VIDEO_FORMAT_RGBA:
      return vkcnn::PixelFormat::RGBA;
    case GST_VIDEO_FORMAT_BGRA:
      return vkcnn::PixelFormat::BGRA;
    case GST_VIDEO_FORMAT_RGBx:
      return vkcnn::PixelFormat::RGBx;
    case GST_VIDEO_FORMAT_BGRx:
      return vkcnn::PixelFormat::BGRx;
    case GST_VIDEO_FORMAT_GRAY8:
      return vkcnn::PixelFormat::GRAY8;
    case GST_VIDEO_FORMAT_NV12:
      return vkcnn::PixelFormat::NV12;
    case GST_VIDEO_FORMAT_I420:
      return vkcnn::PixelFormat::I420;
    default:
      throw vkcnn::Error(std::string("video format ") + gst_video_format_to_string(f) + " is not supported");
  }
}

// The caps' default layout (strides and plane offsets as GStreamer computes them).
vkcnn::FrameLayout frame_layout(const GstVideoInfo* info) {
  vkcnn::FrameLayout l;
  l.format = pixel_format(GST_VIDEO_INFO_FORMAT(info));
  l.width = GST_VIDEO_INFO_WIDTH(info);
  l.height = GST_VIDEO_INFO_HEIGHT(info);
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(info); ++p) {
    l.stride[p] = GST_VIDEO_INFO_PLANE_STRIDE(info, p);
    l.offset[p] = GST_VIDEO_INFO_PLANE_OFFSET(info, p);
  }
  l.size = GST_VIDEO_INFO_SIZE(info);
  return l;
}

// Plane by plane into the upload buffer's layout; a buffer's own strides (GstVideoMeta) may differ
// from the caps' ones. For the formats above, plane p holds component p.
void copy_frame(const GstVideoFrame* frame, const vkcnn::FrameLayout& l, std::byte* dst) {
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(frame); ++p) {
    const auto* src = static_cast<const std::byte*>(GST_VIDEO_FRAME_PLANE_DATA(frame, p));
    const std::size_t src_stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, p), dst_stride = l.stride[p];
    const std::size_t row = std::size_t(GST_VIDEO_FRAME_COMP_WIDTH(frame, p)) * GST_VIDEO_FRAME_COMP_PSTRIDE(frame, p);
    const std::size_t rows = GST_VIDEO_FRAME_COMP_HEIGHT(frame, p);
    std::byte* out = dst + l.offset[p];
    if (src_stride == dst_stride) {
      std::memcpy(out, src, (rows - 1) * src_stride + row);
    } else {
      for (std::size_t y = 0; y < rows; ++y) std::memcpy(out + y * dst_stride, src + y * src_stride, row);
    }
  }
}

// The frame's own bytes, where the GPU may read them in place of a copy (FrameQueue::
// submit_in_place): one system memory (whose mapping outlives the GstVideoFrame's) holding every
// plane at the layout's offsets and strides, as the caps say. Null otherwise.
const void* frame_in_place(const GstVideoFrame* frame, const vkcnn::FrameLayout& l) {
  if (gst_buffer_n_memory(frame->buffer) != 1 ||
      !gst_memory_is_type(gst_buffer_peek_memory(frame->buffer, 0), GST_ALLOCATOR_SYSMEM))
    return nullptr;
  const guint8* base = frame->map[0].data;
  if (frame->map[0].size < l.size) return nullptr;
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(frame); ++p)
    if (GST_VIDEO_FRAME_PLANE_DATA(frame, p) != base + l.offset[p] ||
        static_cast<guint>(GST_VIDEO_FRAME_PLANE_STRIDE(frame, p)) != l.stride[p])
      return nullptr;
  return base;
}

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

extern "C" {

VkcnnDevice* vkcnn_device_open(const gchar* device, gchar** error) {
  return guarded(error, [&]() -> VkcnnDevice* {
    vkcnn::ContextOptions options;
    if (device) options.device = device;
    return new VkcnnDevice{std::make_shared<vkcnn::Context>(options)};
  });
}

VkcnnDevice* vkcnn_device_ref(const VkcnnDevice* device, gchar** error) {
  return guarded(error, [&] { return new VkcnnDevice{device->ctx}; });
}

VkcnnDevice* vkcnn_model_device(const VkcnnModel* model, gchar** error) {
  return guarded(error, [&] { return new VkcnnDevice{model->loaded->ctx}; });
}

void vkcnn_device_free(VkcnnDevice* device) { delete device; }

const gchar* vkcnn_device_name(const VkcnnDevice* device) { return device->ctx->info().name.c_str(); }

VkcnnModel* vkcnn_model_load(VkcnnDevice* device, const gchar* path, const gchar* precision, gchar** error) {
  return guarded(error, [&]() -> VkcnnModel* {
    auto m = std::make_unique<VkcnnModel>();
    m->loaded = vkcnn::plugin::load_model(device->ctx, path, precision);
    m->plan = std::make_unique<vkcnn::ForwardPlan>(*m->loaded->model, 1, m->loaded->precision);
    return m.release();
  });
}

VkcnnModel* vkcnn_model_acquire_shared(const gchar* instance_id, const gchar* device, const gchar* path,
                                       guint batch_size, guint batch_timeout_us, const gchar* precision,
                                       gchar** error) {
  return guarded(error, [&]() -> VkcnnModel* {
    vkcnn::plugin::InstanceSettings settings;
    settings.device = device ? device : "";
    settings.model_path = path;
    settings.batch_size = batch_size;
    settings.batch_timeout = std::chrono::microseconds(batch_timeout_us);
    settings.precision = precision;
    auto m = std::make_unique<VkcnnModel>();
    m->instance = vkcnn::plugin::ModelInstance::acquire(instance_id, settings);
    m->loaded = m->instance->current(&m->generation);
    return m.release();
  });
}

VkcnnModel* vkcnn_model_reload_shared(const gchar* instance_id, const gchar* path, gchar** error) {
  return guarded(error, [&]() -> VkcnnModel* {
    auto m = std::make_unique<VkcnnModel>();
    m->instance = vkcnn::plugin::ModelInstance::find(instance_id);
    if (!m->instance) throw vkcnn::Error(std::string("model-instance-id \"") + instance_id + "\" is not running");
    m->loaded = m->instance->reload(path, &m->generation);
    return m.release();
  });
}

VkcnnModel* vkcnn_model_take_newer(VkcnnModel* model) {
  if (!model || !model->instance) return nullptr;
  return guarded(nullptr, [&]() -> VkcnnModel* {
    uint64_t generation = 0;
    auto current = model->instance->current(&generation);
    if (generation <= model->generation) return nullptr;
    model->generation = generation;  // offered once: a model that does not fit is not retried
    auto m = std::make_unique<VkcnnModel>();
    m->instance = model->instance;
    m->loaded = std::move(current);
    m->generation = generation;
    return m.release();
  });
}

gboolean vkcnn_instance_statistics(const gchar* instance_id, guint64* batches, guint64* frames, guint* largest) {
  *batches = *frames = 0;
  *largest = 0;
  return guarded(nullptr, [&]() -> gboolean {
    auto instance = vkcnn::plugin::ModelInstance::find(instance_id);
    if (!instance) return FALSE;
    auto stats = instance->batcher()->statistics();
    *batches = stats.batches;
    *frames = stats.frames;
    *largest = stats.largest;
    return TRUE;
  });
}

void vkcnn_model_free(VkcnnModel* model) { delete model; }

const gchar* vkcnn_model_name(const VkcnnModel* model) { return model->loaded->name.c_str(); }

const gchar* vkcnn_model_path(const VkcnnModel* model) { return model->loaded->path.c_str(); }

const gchar* vkcnn_model_precision(const VkcnnModel* model) {
  return model->loaded->precision == vkcnn::Precision::Fp16 ? "fp16" : "fp32";
}

guint vkcnn_model_classes(const VkcnnModel* model) { return model->loaded->model->classes(); }

const gchar* vkcnn_model_label(const VkcnnModel* model, guint class_id) {
  const auto& labels = model->loaded->model->spec().labels;
  return class_id < labels.size() ? labels[class_id].c_str() : nullptr;
}

gboolean vkcnn_model_outputs_probabilities(const VkcnnModel* model) {
  return vkcnn::outputs_probabilities(model->loaded->model->graph());
}

VkcnnPass* vkcnn_pass_new(VkcnnModel* model, const GstVideoInfo* info, guint slots, gchar** error) {
  return guarded(error, [&]() -> VkcnnPass* {
    auto pass = std::make_unique<VkcnnPass>();
    pass->model = model;
    if (model->instance)
      pass->batch = std::make_unique<vkcnn::plugin::BatchStream>(model->instance->batcher(), model->loaded,
                                                                 frame_layout(info), slots);
    else
      pass->frames =
          std::make_unique<vkcnn::FrameQueue>(*model->loaded->model, *model->plan, frame_layout(info), slots);
    return pass.release();
  });
}

void vkcnn_pass_free(VkcnnPass* pass) { delete pass; }

guint vkcnn_pass_slots(const VkcnnPass* pass) { return pass->batch ? pass->batch->slots() : pass->frames->slots(); }

gboolean vkcnn_pass_full(const VkcnnPass* pass) { return pass->batch ? pass->batch->full() : pass->frames->full(); }

guint64 vkcnn_pass_submit(VkcnnPass* pass, const GstVideoFrame* frame, gboolean* in_place, gchar** error) {
  *in_place = FALSE;
  return guarded(error, [&]() -> guint64 {
    // The GPU reads the frame where it lies when the device can import that memory.
    const vkcnn::FrameLayout& layout = pass->batch ? pass->batch->layout() : pass->frames->layout();
    if (const void* data = frame_in_place(frame, layout)) {
      auto t0 = std::chrono::steady_clock::now();
      if (guint64 ticket = pass->batch ? pass->batch->submit_in_place(data) : pass->frames->submit_in_place(data)) {
        pass->submit_us += micros_since(t0);
        ++pass->in_place;
        *in_place = TRUE;
        return ticket;
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    if (pass->batch)
      copy_frame(frame, pass->batch->layout(), static_cast<std::byte*>(pass->batch->frame_memory()));
    else
      copy_frame(frame, pass->frames->layout(), static_cast<std::byte*>(pass->frames->frame_memory()));
    pass->copy_us += micros_since(t0);
    ++pass->copied;
    auto t1 = std::chrono::steady_clock::now();
    guint64 ticket = pass->batch ? pass->batch->submit() : pass->frames->submit();
    pass->submit_us += micros_since(t1);
    return ticket;
  });
}

gboolean vkcnn_pass_wait(VkcnnPass* pass, guint64 ticket, gfloat* scores, gchar** error) {
  return guarded(error, [&]() -> gboolean {
    auto t0 = std::chrono::steady_clock::now();
    vkcnn::FrameQueue::Result r;
    if (pass->batch)
      r.output = pass->batch->wait(ticket);  // no per-section GPU times: a batch is not one frame's
    else
      r = pass->frames->wait(ticket);
    pass->submit_us += micros_since(t0);
    ++pass->runs;
    // Sections: "preprocess" (upload copy + preprocessing), then one per layer.
    for (std::size_t i = 0; i < r.sections.size(); ++i)
      (i == 0 ? pass->gpu_preprocess_us : pass->gpu_forward_us) += r.sections[i].second * 1e3;
    auto p = vkcnn::probabilities(pass->model->loaded->model->graph(), r.output);
    std::memcpy(scores, p.data(), p.size() * sizeof(float));
    return TRUE;
  });
}

void vkcnn_pass_discard(VkcnnPass* pass) {
  // A device lost while flushing leaves nothing in flight to wait for; the next submit reports it.
  guarded(nullptr, [&] {
    if (pass->batch)
      pass->batch->discard();
    else
      pass->frames->discard();
    return 0;
  });
}

void vkcnn_pass_frame_counts(const VkcnnPass* pass, guint64* copied, guint64* in_place) {
  *copied = pass->copied;
  *in_place = pass->in_place;
}

guint vkcnn_pass_import_alignment(const VkcnnPass* pass) {
  return pass->model->loaded->ctx->info().host_import_alignment;
}

void vkcnn_pass_timing(const VkcnnPass* pass, guint64* runs, gdouble* copy_us, gdouble* submit_us,
                       gdouble* gpu_preprocess_us, gdouble* gpu_forward_us) {
  const double n = pass->runs ? double(pass->runs) : 1.0;
  *runs = pass->runs;
  *copy_us = pass->copy_us / n;
  *submit_us = pass->submit_us / n;
  *gpu_preprocess_us = pass->gpu_preprocess_us / n;
  *gpu_forward_us = pass->gpu_forward_us / n;
}

VkcnnRegionPass* vkcnn_region_pass_new(VkcnnModel* model, const GstVideoInfo* info, guint max_batch, guint slots,
                                        gchar** error) {
  return guarded(error, [&]() -> VkcnnRegionPass* {
    auto pass = std::make_unique<VkcnnRegionPass>();
    pass->model = model;
    pass->batch = std::make_unique<vkcnn::RegionBatch>(*model->loaded->model, frame_layout(info), max_batch,
                                                       model->loaded->precision, slots);
    return pass.release();
  });
}

void vkcnn_region_pass_free(VkcnnRegionPass* pass) { delete pass; }

gboolean vkcnn_region_pass_full(const VkcnnRegionPass* pass) { return pass->batch->full(); }

guint64 vkcnn_region_pass_submit(VkcnnRegionPass* pass, const GstVideoFrame* frame, const VkcnnRect* rects, guint n,
                                 gboolean* in_place, gchar** error) {
  *in_place = FALSE;
  return guarded(error, [&]() -> guint64 {
    std::vector<vkcnn::FrameRegion> regions(n);
    for (guint i = 0; i < n; ++i) regions[i] = {rects[i].x, rects[i].y, rects[i].width, rects[i].height};
    if (const void* data = frame_in_place(frame, pass->batch->layout()))
      if (guint64 ticket = pass->batch->submit_in_place(data, regions)) {
        *in_place = TRUE;
        return ticket;
      }
    copy_frame(frame, pass->batch->layout(), static_cast<std::byte*>(pass->batch->frame_memory()));
    return pass->batch->submit(regions);
  });
}

gboolean vkcnn_region_pass_wait(VkcnnRegionPass* pass, guint64 ticket, gfloat* scores, gchar** error) {
  return guarded(error, [&]() -> gboolean {
    const std::vector<float> out = pass->batch->wait(ticket);
    const std::size_t classes = pass->model->loaded->model->classes();
    const auto& graph = pass->model->loaded->model->graph();
    for (std::size_t i = 0; i < out.size() / classes; ++i) {
      auto p = vkcnn::probabilities(graph, std::span(out).subspan(i * classes, classes));
      std::memcpy(scores + i * classes, p.data(), classes * sizeof(float));
    }
    return TRUE;
  });
}

void vkcnn_region_pass_discard(VkcnnRegionPass* pass) {
  // A device lost while flushing leaves nothing in flight to wait for; the next submit reports it.
  guarded(nullptr, [&] {
    pass->batch->discard();
    return 0;
  });
}

guint64 vkcnn_region_pass_forward_passes(const VkcnnRegionPass* pass) { return pass->batch->passes(); }

guint vkcnn_top_k(const gfloat* scores, guint n, guint k, gfloat threshold, guint* ids) {
  // No result rather than std::terminate in a streaming thread (top_k allocates).
  return guarded(nullptr, [&] {
    auto best = vkcnn::top_k(std::span(scores, n), {}, k, threshold);
    for (std::size_t i = 0; i < best.size(); ++i) ids[i] = best[i].id;
    return static_cast<guint>(best.size());
  });
}

}  // extern "C"
