// vkcnn-publish-bench: how many results per second vkcnnpublish gets acknowledged by a local
// mosquitto broker, for 1 and for N streams at once. Each stream is its own pipeline,
//   videotestsrc (32x24, as fast as it goes) ! [meta added] ! vkcnnpublish topic=vkcnn/bench/<i> ! fakesink
// with a VkcnnClassificationMeta (top-5) added to every buffer by a pad probe, as vkcnnclassify
// attaches it: the classifier's own cost is vkcnn-bench's business, this measures the
// publisher. The clock runs from PLAYING until every pipeline's EOS, which waits until every
// message was acknowledged (QoS 1: PUBACK); max-queue is large enough that none is dropped.
// The broker is started here, on 127.0.0.1 and a free port.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <gst/gst.h>

#include "support/mqtt_broker.h"
#include "vkcnn-meta.h"

namespace {

GstPadProbeReturn add_meta(GstPad*, GstPadProbeInfo* info, gpointer) {
  static const char* labels[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"};
  GstBuffer* buf = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  auto* m = reinterpret_cast<VkcnnClassificationMeta*>(
      gst_buffer_add_meta(buf, gst_meta_get_info(VKCNN_CLASSIFICATION_META_IMPL_NAME), nullptr));
  m->n_top = 5;
  m->top = g_new0(VkcnnClassification, 5);
  for (guint i = 0; i < 5; ++i) m->top[i] = {i, 0.5f / (i + 1), g_intern_static_string(labels[i])};
  m->frame = GST_BUFFER_OFFSET(buf);
  m->inference_us = 800;
  m->model = g_intern_static_string("fashion-mnist-refcnn");
  return GST_PAD_PROBE_OK;
}

struct Run {
  double seconds = 0;
  guint64 sent = 0, dropped = 0;
  std::string error;
};

Run run(const std::string& address, int streams, int messages, int qos) {
  std::vector<GstElement*> pipelines;
  Run r;
  for (int i = 0; i < streams; ++i) {
    std::string launch =
        "videotestsrc name=src num-buffers=" + std::to_string(messages) +
        " ! video/x-raw,format=RGB,width=32,height=24,framerate=30/1 ! vkcnnpublish address=" + address +
        " topic=vkcnn/bench/" + std::to_string(i) + " qos=" + std::to_string(qos) +
        " max-queue=" + std::to_string(messages) + " flush-timeout=600000 ! fakesink sync=false";
    GError* error = nullptr;
    GstElement* p = gst_parse_launch(launch.c_str(), &error);
    if (!p) {
      r.error = error->message;
      g_error_free(error);
      break;
    }
    GstElement* src = gst_bin_get_by_name(GST_BIN(p), "src");
    GstPad* pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, add_meta, nullptr, nullptr);
    gst_object_unref(pad);
    gst_object_unref(src);
    pipelines.push_back(p);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (GstElement* p : pipelines) gst_element_set_state(p, GST_STATE_PLAYING);
  for (GstElement* p : pipelines) {
    GstBus* bus = gst_element_get_bus(p);
    for (bool done = false; !done && r.error.empty();) {
      GstMessage* m = gst_bus_timed_pop_filtered(
          bus, 300 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
      if (!m) {
        r.error = "no EOS within 300 s";
      } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        GError* e = nullptr;
        gst_message_parse_error(m, &e, nullptr);
        r.error = e->message;
        g_error_free(e);
      } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
        done = true;
      } else if (gst_message_has_name(m, "vkcnnpublish-summary")) {
        guint64 sent = 0, dropped = 0;
        gst_structure_get_uint64(gst_message_get_structure(m), "sent", &sent);
        gst_structure_get_uint64(gst_message_get_structure(m), "dropped", &dropped);
        r.sent += sent;
        r.dropped += dropped;
      }
      if (m) gst_message_unref(m);
    }
    gst_object_unref(bus);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (GstElement* p : pipelines) {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Results per second vkcnnpublish gets acknowledged by a local mosquitto broker"};
  std::vector<int> streams{1, 8};
  int messages = 20000, qos = 1;
  app.add_option("--streams", streams, "Numbers of concurrent streams to measure, one run each")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--messages", messages, "Messages per stream")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--qos", qos, "MQTT QoS of the publisher")->capture_default_str()->check(CLI::Range(0, 2));
  CLI11_PARSE(app, argc, argv);

  // This build's plugin, with a registry of its own, unless the caller points elsewhere.
  setenv("GST_PLUGIN_PATH", VKCNN_PLUGIN_DIR, 0);
  setenv("GST_REGISTRY", VKCNN_BENCH_REGISTRY, 0);
  gst_init(&argc, &argv);
  GstElementFactory* factory = gst_element_factory_find("vkcnnpublish");
  if (factory) gst_object_unref(factory);
  if (!factory) {
    std::fprintf(stderr, "vkcnn-publish-bench: vkcnnpublish not found (GST_PLUGIN_PATH=%s)\n",
                 g_getenv("GST_PLUGIN_PATH"));
    return 1;
  }
  vkcnn::test::Broker broker("allow_anonymous true\nmax_queued_messages 0\n");
  if (!broker.start()) {
    std::fprintf(stderr, "vkcnn-publish-bench: %s\n", broker.error().c_str());
    return 1;
  }
  std::printf("vkcnnpublish -> mosquitto on %s, QoS %d, %d messages per stream (%u cores)\n", broker.address().c_str(),
              qos, messages, g_get_num_processors());
  std::printf("%8s %10s %10s %8s %14s\n", "streams", "messages", "seconds", "dropped", "messages/s");
  for (int n : streams) {
    Run r = run(broker.address(), n, messages, qos);
    if (!r.error.empty()) {
      std::fprintf(stderr, "vkcnn-publish-bench: %d streams: %s\n", n, r.error.c_str());
      return 1;
    }
    std::printf("%8d %10llu %10.2f %8llu %14.0f\n", n, static_cast<unsigned long long>(r.sent), r.seconds,
                static_cast<unsigned long long>(r.dropped), r.sent / r.seconds);
  }
  return 0;
}
