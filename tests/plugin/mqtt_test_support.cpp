#include "mqtt_test_support.h"

#include <gtest/gtest.h>

#include <mosquitto.h>

#include "vkcnn-meta.h"

namespace vkcnn::plugin_test {
namespace {

void init_library() {
  static const int once = [] { return mosquitto_lib_init(); }();
  (void)once;
}

}  // namespace

Subscriber::Subscriber(int port, const std::string& topic, const std::string& client_id, bool persistent)
    : topic_(topic) {
  init_library();
  client_ = mosquitto_new(client_id.empty() ? nullptr : client_id.c_str(), !persistent, this);
  mosquitto_connect_callback_set(client_, on_connect);
  mosquitto_subscribe_callback_set(client_, on_subscribe);
  mosquitto_message_callback_set(client_, on_message);
  mosquitto_reconnect_delay_set(client_, 1, 1, false);
  mosquitto_connect_async(client_, "127.0.0.1", port, 60);
  mosquitto_loop_start(client_);
}

Subscriber::~Subscriber() {
  mosquitto_disconnect(client_);
  mosquitto_loop_stop(client_, false);
  mosquitto_destroy(client_);
}

void Subscriber::on_connect(mosquitto* client, void* data, int rc) {
  auto* self = static_cast<Subscriber*>(data);
  if (rc == 0) mosquitto_subscribe(client, nullptr, self->topic_.c_str(), 1);
}

void Subscriber::on_subscribe(mosquitto*, void* data, int, int, const int*) {
  auto* self = static_cast<Subscriber*>(data);
  std::lock_guard<std::mutex> hold(self->lock_);
  self->subscribed_ = true;
  self->changed_.notify_all();
}

void Subscriber::on_message(mosquitto*, void* data, const mosquitto_message* message) {
  auto* self = static_cast<Subscriber*>(data);
  std::lock_guard<std::mutex> hold(self->lock_);
  self->payloads_.emplace_back(static_cast<const char*>(message->payload), message->payloadlen);
  self->topics_.emplace_back(message->topic);
  self->changed_.notify_all();
}

bool Subscriber::wait_subscribed(Seconds timeout) {
  std::unique_lock<std::mutex> hold(lock_);
  return changed_.wait_for(hold, timeout, [&] { return subscribed_; });
}

bool Subscriber::wait_for(std::size_t n, Seconds timeout) {
  std::unique_lock<std::mutex> hold(lock_);
  return changed_.wait_for(hold, timeout, [&] { return payloads_.size() >= n; });
}

std::vector<std::string> Subscriber::payloads() {
  std::lock_guard<std::mutex> hold(lock_);
  return payloads_;
}

std::vector<std::string> Subscriber::topics() {
  std::lock_guard<std::mutex> hold(lock_);
  return topics_;
}

GstBuffer* result_buffer(GstClockTime pts, uint64_t result_frame, const std::vector<Reported>& top,
                         const std::string& model) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, 32 * 24 * 3, nullptr);
  gst_buffer_memset(buf, 0, 0, 32 * 24 * 3);
  GST_BUFFER_PTS(buf) = pts;
  // The plugin registered the meta when it was loaded; add it as vkcnnclassify does.
  const GstMetaInfo* info = gst_meta_get_info(VKCNN_CLASSIFICATION_META_IMPL_NAME);
  EXPECT_NE(info, nullptr);
  auto* m = reinterpret_cast<VkcnnClassificationMeta*>(gst_buffer_add_meta(buf, info, nullptr));
  m->n_top = top.size();
  m->top = g_new0(VkcnnClassification, std::max<std::size_t>(top.size(), 1));
  for (std::size_t i = 0; i < top.size(); ++i)
    m->top[i] = {top[i].id, top[i].score, g_intern_string(top[i].label.c_str())};
  m->frame = result_frame;
  m->inference_us = 1234;
  m->model = g_intern_string(model.c_str());
  return buf;
}

PublishHarness::PublishHarness(const std::string& properties, const std::string& stream_id) {
  GError* error = nullptr;
  element = gst_parse_launch(("vkcnnpublish " + properties).c_str(), &error);
  if (!element) {
    ADD_FAILURE() << "cannot create vkcnnpublish " << properties << ": " << (error ? error->message : "?");
    g_clear_error(&error);
    return;
  }
  bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  harness = gst_harness_new_with_element(element, "sink", "src");  // goes to PLAYING
  gst_harness_push_event(harness, gst_event_new_stream_start(stream_id.c_str()));
  gst_harness_set_src_caps_str(harness, "video/x-raw,format=RGB,width=32,height=24,framerate=30/1");
}

PublishHarness::~PublishHarness() {
  if (harness) gst_harness_teardown(harness);
  if (element) {
    gst_element_set_bus(element, nullptr);
    gst_object_unref(element);
  }
  if (bus) gst_object_unref(bus);
}

bool PublishHarness::push_pull(GstBuffer* buffer) {
  GstBuffer* out = gst_harness_push_and_pull(harness, buffer);
  if (out) gst_buffer_unref(out);
  return out != nullptr;
}

GstMessage* PublishHarness::wait(GstMessageType type, Seconds timeout) {
  return gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(timeout.count() * GST_SECOND), type);
}

GstMessage* PublishHarness::eos() {
  gst_harness_push_event(harness, gst_event_new_eos());
  for (;;) {  // the summary is posted before EOS passes on, so it is there now
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT);
    if (!m) return nullptr;
    if (gst_message_has_name(m, "vkcnnpublish-summary")) return m;
    gst_message_unref(m);
  }
}

GstStructure* PublishHarness::summary() {
  GstStructure* s = nullptr;
  g_object_get(element, "summary", &s, nullptr);
  return s;
}

uint64_t summary_u64(const GstStructure* s, const char* field) {
  guint64 v = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, field, &v)) << field;
  return v;
}

unsigned summary_uint(const GstStructure* s, const char* field) {
  guint v = 0;
  EXPECT_TRUE(gst_structure_get_uint(s, field, &v)) << field;
  return v;
}

bool summary_bool(const GstStructure* s, const char* field) {
  gboolean v = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(s, field, &v)) << field;
  return v;
}

}  // namespace vkcnn::plugin_test
