// What the vkcnnpublish tests share: a real mosquitto broker of their own (support/mqtt_broker.h),
// a libmosquitto subscriber that records what arrives, and vkcnnpublish in a GstHarness fed with
// buffers that carry a VkcnnClassificationMeta.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <gst/check/gstharness.h>

#include "support/mqtt_broker.h"

struct mosquitto;
struct mosquitto_message;

namespace vkcnn::plugin_test {

using test::Broker;
using test::free_port;

using Seconds = std::chrono::duration<double>;

// Subscribes to `topic` with QoS 1 and records every message. A persistent subscriber (fixed
// client id, clean_session false) keeps its subscription in a broker with persistence across
// the broker's restart, and gets what was published while it was away.
class Subscriber {
 public:
  Subscriber(int port, const std::string& topic, const std::string& client_id = "", bool persistent = false);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Waits until the broker acknowledged the subscription (SUBACK) on the current connection.
  bool wait_subscribed(Seconds timeout = Seconds(10));
  // Waits until at least n messages arrived.
  bool wait_for(std::size_t n, Seconds timeout = Seconds(10));
  std::vector<std::string> payloads();
  std::vector<std::string> topics();

 private:
  static void on_connect(mosquitto*, void*, int);
  static void on_subscribe(mosquitto*, void*, int, int, const int*);
  static void on_message(mosquitto*, void*, const mosquitto_message*);
  mosquitto* client_ = nullptr;
  std::string topic_;
  std::mutex lock_;
  std::condition_variable changed_;
  bool subscribed_ = false;
  std::vector<std::string> payloads_, topics_;
};

// One class of a result: id, label, score.
struct Reported {
  uint32_t id;
  std::string label;
  float score;
};

// A 32x24 RGB buffer at `pts` carrying a VkcnnClassificationMeta as vkcnnclassify attaches it.
GstBuffer* result_buffer(GstClockTime pts, uint64_t result_frame, const std::vector<Reported>& top,
                         const std::string& model = "publish-test");

// vkcnnpublish (`properties` as on a gst-launch line) PLAYING in a harness with a bus, after a
// stream-start with `stream_id` and 32x24 RGB caps. ok is false (and error set) when the state
// change failed.
struct PublishHarness {
  GstElement* element = nullptr;
  GstHarness* harness = nullptr;
  GstBus* bus = nullptr;
  explicit PublishHarness(const std::string& properties, const std::string& stream_id = "publish-test");
  ~PublishHarness();
  // Pushes the buffer and pulls it out again (it must come out: the element passes every buffer).
  bool push_pull(GstBuffer* buffer);
  // The next message of `type` on the bus, waiting up to `timeout`.
  GstMessage* wait(GstMessageType type, Seconds timeout = Seconds(10));
  // Sends EOS and returns the vkcnnpublish-summary element message it posts (owned by the caller).
  GstMessage* eos();
  // The summary property now.
  GstStructure* summary();
};

// Waits until the summary property satisfies pred (polling; generous timeout).
template <typename Pred>
bool wait_summary(PublishHarness& p, Pred pred, Seconds timeout = Seconds(15)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    GstStructure* s = p.summary();
    bool ok = pred(s);
    gst_structure_free(s);
    if (ok) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    g_usleep(10000);
  }
}

uint64_t summary_u64(const GstStructure* s, const char* field);
unsigned summary_uint(const GstStructure* s, const char* field);
bool summary_bool(const GstStructure* s, const char* field);

}  // namespace vkcnn::plugin_test
