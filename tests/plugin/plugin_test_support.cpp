#include "plugin_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>

#include "reference/preprocess.h"
#include "support/gpu_test.h"
#include "support/scratch_dir.h"

namespace vkcnn::plugin_test {

namespace {
std::string model_json(const std::string& name, const std::vector<std::string>& labels, Head head, uint32_t classes) {
  nlohmann::json layers = nlohmann::json::array({
      {{"type", "conv2d"}, {"name", "c1"}, {"out_channels", 4}, {"kernel", 3}, {"padding", 1}, {"stride", 2}},
      {{"type", "relu"}},
      {{"type", "maxpool2d"}, {"kernel", 2}, {"stride", 2}},
      {{"type", "flatten"}},
      {{"type", "dense"}, {"name", "f1"}, {"out_features", classes}},
  });
  if (head != Head::Logits) layers.push_back({{"type", head == Head::Softmax ? "softmax" : "sigmoid"}});
  nlohmann::json spec = {{"format", "vkcnn-model/1"},
                         {"name", name},
                         {"input",
                          {{"channels", 3},
                           {"height", 32},
                           {"width", 32},
                           {"color", "rgb"},
                           {"mean", {0.5, 0.45, 0.4}},
                           {"std", {0.25, 0.3, 0.2}},
                           {"resize", "stretch"}}},
                         {"labels", labels},
                         {"layers", layers}};
  return spec.dump();
}

}  // namespace

FrameLayout frame_layout(const GstVideoInfo& info) {
  static const std::map<GstVideoFormat, PixelFormat> formats = {
      {GST_VIDEO_FORMAT_RGB, PixelFormat::RGB},     {GST_VIDEO_FORMAT_BGR, PixelFormat::BGR},
      {GST_VIDEO_FORMAT_RGBA, PixelFormat::RGBA},   {GST_VIDEO_FORMAT_BGRA, PixelFormat::BGRA},
      {GST_VIDEO_FORMAT_RGBx, PixelFormat::RGBx},   {GST_VIDEO_FORMAT_BGRx, PixelFormat::BGRx},
      {GST_VIDEO_FORMAT_GRAY8, PixelFormat::GRAY8}, {GST_VIDEO_FORMAT_NV12, PixelFormat::NV12},
      {GST_VIDEO_FORMAT_I420, PixelFormat::I420}};
  FrameLayout l;
  l.format = formats.at(GST_VIDEO_INFO_FORMAT(&info));
  l.width = GST_VIDEO_INFO_WIDTH(&info);
  l.height = GST_VIDEO_INFO_HEIGHT(&info);
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p) {
    l.stride[p] = GST_VIDEO_INFO_PLANE_STRIDE(&info, p);
    l.offset[p] = GST_VIDEO_INFO_PLANE_OFFSET(&info, p);
  }
  l.size = GST_VIDEO_INFO_SIZE(&info);
  return l;
}
const std::string& scratch_dir() {
  static vkcnn::test::ScratchDir dir("vkcnn-plugin-test");
  return dir.path();
}

const TestModel& test_model(const std::string& name, uint32_t seed, Head head, uint32_t classes) {
  static std::map<std::string, TestModel> cache;
  const std::string key =
      name + "/" + std::to_string(seed) + "/" + std::to_string(static_cast<int>(head)) + "/" + std::to_string(classes);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  TestModel m;
  m.name = name;
  for (uint32_t i = 0; i < classes; ++i) m.labels.push_back(name + "-label-" + std::to_string(i));
  m.path = scratch_dir() + "/" + name + ".vkcnn";
  ModelSpec spec = parse_model_spec(model_json(name, m.labels, head, classes), m.path);
  Graph graph(spec, m.path);
  Weights weights = initialize_weights(graph, seed);
  for (float& w : weights.at("f1.weight").values) w *= 12.f;  // spread the logits apart
  write_model_file(m.path, spec, weights);
  return cache.emplace(key, std::move(m)).first->second;
}

TestFrame random_frame(GstVideoFormat format, uint32_t width, uint32_t height, uint32_t seed) {
  TestFrame f;
  gst_video_info_set_format(&f.info, format, width, height);
  GST_VIDEO_INFO_FPS_N(&f.info) = 30;
  GST_VIDEO_INFO_FPS_D(&f.info) = 1;
  f.bytes.resize(GST_VIDEO_INFO_SIZE(&f.info));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& b : f.bytes) b = static_cast<uint8_t>(byte(rng));  // padding stays random
  const FrameLayout layout = frame_layout(f.info);
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&f.info); ++p) {
    const guint comp_w = GST_VIDEO_INFO_COMP_WIDTH(&f.info, p), comp_h = GST_VIDEO_INFO_COMP_HEIGHT(&f.info, p);
    const guint bpp = GST_VIDEO_INFO_COMP_PSTRIDE(&f.info, p);
    for (guint c = 0; c < bpp; ++c) {
      const double base = 40 + 170 * u(rng), amp = 80 * u(rng), fx = 0.4 * u(rng), fy = 0.4 * u(rng),
                   phase = 6 * u(rng);
      for (guint y = 0; y < comp_h; ++y)
        for (guint x = 0; x < comp_w; ++x) {
          double v = base + amp * std::sin(fx * x + fy * y + phase) + 30 * (u(rng) - 0.5);
          f.bytes[layout.offset[p] + std::size_t(y) * layout.stride[p] + x * bpp + c] =
              static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
        }
    }
  }
  f.rgb.resize(std::size_t(width) * height * 3);
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      auto rgb = reference::frame_rgb(f.bytes, layout, x, y);
      for (int c = 0; c < 3; ++c)
        f.rgb[(std::size_t(y) * width + x) * 3 + c] = static_cast<uint8_t>(std::lround(rgb[c]));
    }
  return f;
}

GstBuffer* to_buffer(const TestFrame& frame, GstClockTime pts) {
  GstBuffer* buf = gst_buffer_new_memdup(frame.bytes.data(), frame.bytes.size());
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
  return buf;
}

std::string caps_string(const TestFrame& frame) {
  GstCaps* caps = gst_video_info_to_caps(&frame.info);
  gchar* s = gst_caps_to_string(caps);
  std::string out = s;
  g_free(s);
  gst_caps_unref(caps);
  return out;
}

EnginePath::EnginePath(const std::string& model_path)
    : model_(Model::load(test::context(), model_path)), plan_(std::make_unique<ForwardPlan>(*model_, 1)) {}

EnginePath::~EnginePath() = default;

std::vector<float> EnginePath::output(const uint8_t* bytes, const FrameLayout& layout) {
  Context& ctx = test::context();
  Preprocessor pre(ctx, model_->spec().input, layout);
  std::memcpy(pre.frame_memory(), bytes, layout.size);
  Buffer readback(ctx, plan_->output().shape.count() * sizeof(float), MemoryKind::Readback);
  run_once(ctx, [&](Recorder& rec) {
    pre.record(rec, plan_->input(), 0);
    plan_->record(rec);
    rec.copy(*plan_->output().buffer, readback, readback.bytes());
  });
  std::vector<float> out(plan_->output().shape.count());
  readback.read(std::as_writable_bytes(std::span(out)));
  return out;
}

std::vector<double> EnginePath::probabilities(const TestFrame& frame, bool own_format) {
  const uint32_t w = GST_VIDEO_INFO_WIDTH(&frame.info), h = GST_VIDEO_INFO_HEIGHT(&frame.info);
  auto out = own_format ? output(frame.bytes.data(), frame_layout(frame.info))
                        : output(frame.rgb.data(), FrameLayout::packed(PixelFormat::RGB, w, h));
  std::vector<double> p(out.begin(), out.end());
  // Probabilities, and a sigmoid's independent per-class scores, are what the model computed.
  if (model_->spec().layers.back().type == "softmax" || model_->spec().layers.back().type == "sigmoid") return p;
  double top = *std::max_element(p.begin(), p.end()), sum = 0;
  for (double& v : p) sum += (v = std::exp(v - top));
  for (double& v : p) v /= sum;
  return p;
}

Harnessed::Harnessed(const std::string& properties) {
  GError* error = nullptr;
  const bool in_flight_set = properties.find("max-in-flight") != std::string::npos;
  element =
      gst_parse_launch(("vkcnnclassify " + properties + (in_flight_set ? "" : " max-in-flight=1")).c_str(), &error);
  if (!element) {
    ADD_FAILURE() << "cannot create vkcnnclassify " << properties << ": " << (error ? error->message : "?");
    g_clear_error(&error);
    return;
  }
  bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  harness = gst_harness_new_with_element(element, "sink", "src");  // goes to PLAYING
}

Harnessed::~Harnessed() {
  if (harness) gst_harness_teardown(harness);
  if (element) {
    gst_element_set_bus(element, nullptr);
    gst_object_unref(element);
  }
  if (bus) gst_object_unref(bus);
}

GstBuffer* Harnessed::push_pull(const TestFrame& frame, GstClockTime pts) {
  std::string caps = caps_string(frame);
  if (caps != caps_) gst_harness_set_src_caps_str(harness, caps.c_str());
  caps_ = caps;
  return gst_harness_push_and_pull(harness, to_buffer(frame, pts));
}

void Harnessed::set_caps(const TestFrame& frame) {
  std::string caps = caps_string(frame);
  if (caps != caps_) gst_harness_set_src_caps_str(harness, caps.c_str());
  caps_ = caps;
}

GstFlowReturn Harnessed::push(const TestFrame& frame, GstClockTime pts) {
  set_caps(frame);
  return gst_harness_push(harness, to_buffer(frame, pts));
}

GstMessage* Harnessed::pop(GstMessageType type) { return gst_bus_pop_filtered(bus, type); }

bool Harnessed::restart() {
  if (gst_element_set_state(element, GST_STATE_NULL) != GST_STATE_CHANGE_SUCCESS) return false;
  gst_harness_play(harness);
  caps_.clear();
  return gst_harness_push_event(harness, gst_event_new_stream_start("restart"));
}

std::vector<std::pair<uint32_t, float>> reported(const VkcnnClassificationMeta* meta) {
  std::vector<std::pair<uint32_t, float>> out;
  for (guint i = 0; i < meta->n_top; ++i) out.emplace_back(meta->top[i].class_id, meta->top[i].score);
  return out;
}

std::string message_text(GstMessage* message) {
  GError* error = nullptr;
  gchar* debug = nullptr;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
    gst_message_parse_error(message, &error, &debug);
  else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING)
    gst_message_parse_warning(message, &error, &debug);
  std::string text = error ? error->message : "";
  g_clear_error(&error);
  g_free(debug);
  return text;
}

std::string start_error(const std::string& properties, std::vector<GstElement*>* keep) {
  GstElement* element = gst_parse_launch(("vkcnnclassify " + properties).c_str(), nullptr);
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  GstStateChangeReturn ret = gst_element_set_state(element, GST_STATE_PLAYING);
  std::string text;
  if (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    text = message_text(m);
    gst_message_unref(m);
  }
  EXPECT_EQ(ret == GST_STATE_CHANGE_FAILURE, !text.empty()) << "a failed start must post an error, and only then";
  gst_element_set_bus(element, nullptr);
  gst_object_unref(bus);
  if (keep && text.empty()) {
    keep->push_back(element);
  } else {
    gst_element_set_state(element, GST_STATE_NULL);
    gst_object_unref(element);
  }
  return text;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace vkcnn::plugin_test
