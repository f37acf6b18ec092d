// vkcnnpublish against a real mosquitto broker started by the test (127.0.0.1, a free port): what
// arrives, in what order, what happens while the broker is away, credentials, the file method
// against vkcnnclassify's results-file, and the settings that must fail the start.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mqtt_test_support.h"
#include "plugin_test_support.h"
#include "support/child_env.h"
#include "support/process.h"

namespace vkcnn::plugin_test {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kLabels = {"cat", "dog", "bird"};

// Frame i reports label i % 3 first.
GstBuffer* frame(int i) {
  const uint32_t best = i % 3;
  return result_buffer(gst_util_uint64_scale(i, GST_SECOND, 30), i,
                       {{best, kLabels[best], 0.75f}, {(best + 1) % 3, kLabels[(best + 1) % 3], 0.25f}});
}

std::string text(GstMessage* m) { return m ? message_text(m) : "(no message)"; }

// Pushes frames [from, to) and fails when one takes longer than a second to come out: the
// element must never hold the stream up, whatever the broker does.
void push_promptly(PublishHarness& p, int from, int to) {
  for (int i = from; i < to; ++i) {
    const auto t0 = Clock::now();
    ASSERT_TRUE(p.push_pull(frame(i))) << "frame " << i;
    EXPECT_LT(Seconds(Clock::now() - t0).count(), 1.0) << "frame " << i << " was held up";
  }
}

std::vector<int> frames_of(const std::vector<std::string>& payloads) {
  std::vector<int> out;
  for (const auto& p : payloads) out.push_back(nlohmann::json::parse(p).at("frame").get<int>());
  return out;
}

// Waits until the message of frame `last` arrived.
bool wait_until_frame(Subscriber& sub, int last) {
  const auto end = Clock::now() + std::chrono::seconds(15);
  for (std::size_t n = 1; Clock::now() < end; ++n) {
    if (!sub.wait_for(n, Seconds(end - Clock::now()))) return false;
    if (frames_of(sub.payloads()).back() == last) return true;
  }
  return false;
}

TEST(VkcnnPublish, EveryFrameArrivesOnceInOrderWithTheSchemaAtQos1) {
  Broker broker;
  ASSERT_TRUE(broker.start()) << broker.error();
  Subscriber sub(broker.port(), "vkcnn/#");
  ASSERT_TRUE(sub.wait_subscribed());
  // No topic set: vkcnn/<stream-id>, with the wildcard characters of the id replaced.
  PublishHarness p("address=" + broker.address() + " qos=1", "site-a/cam+1#");
  const int n = 20;
  push_promptly(p, 0, n);
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  const GstStructure* s = gst_message_get_structure(summary);
  EXPECT_EQ(summary_u64(s, "sent"), static_cast<uint64_t>(n));
  EXPECT_EQ(summary_u64(s, "dropped"), 0u);
  EXPECT_EQ(summary_uint(s, "queued"), 0u);
  EXPECT_EQ(summary_uint(s, "reconnects"), 0u);
  gst_message_unref(summary);

  ASSERT_TRUE(sub.wait_for(n)) << sub.payloads().size() << " messages";
  EXPECT_FALSE(sub.wait_for(n + 1, Seconds(0.3))) << "a message arrived twice";
  const auto payloads = sub.payloads(), topics = sub.topics();
  ASSERT_EQ(payloads.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    SCOPED_TRACE(payloads[i]);
    EXPECT_EQ(topics[i], "vkcnn/site-a/cam_1_");
    const auto j = nlohmann::json::parse(payloads[i]);  // throws (and fails) on malformed JSON
    EXPECT_EQ(j.at("stream_id"), "site-a/cam+1#");
    EXPECT_EQ(j.at("frame").get<int>(), i);
    EXPECT_EQ(j.at("result_frame").get<int>(), i);
    EXPECT_EQ(j.at("pts").get<uint64_t>(), gst_util_uint64_scale(i, GST_SECOND, 30));
    EXPECT_EQ(j.at("width").get<int>(), 32);
    EXPECT_EQ(j.at("height").get<int>(), 24);
    EXPECT_EQ(j.at("inference_us").get<int>(), 1234);
    EXPECT_EQ(j.at("model"), "publish-test");
    const std::string time = j.at("time").get<std::string>();  // ISO 8601, UTC, milliseconds
    EXPECT_EQ(time.size(), 24u);
    EXPECT_EQ(time.back(), 'Z');
    ASSERT_EQ(j.at("top").size(), 2u);
    EXPECT_EQ(j.at("top")[0].at("id").get<int>(), i % 3);
    EXPECT_EQ(j.at("top")[0].at("label"), kLabels[i % 3]);
    EXPECT_FLOAT_EQ(j.at("top")[0].at("score").get<float>(), 0.75f);
    EXPECT_EQ(j.at("top")[1].at("label"), kLabels[(i + 1) % 3]);
  }
}

TEST(VkcnnPublish, BuffersWithoutResultsPassAndAreNotPublished) {
  Broker broker;
  ASSERT_TRUE(broker.start()) << broker.error();
  Subscriber sub(broker.port(), "vkcnn/plain");
  ASSERT_TRUE(sub.wait_subscribed());
  PublishHarness p("address=" + broker.address() + " topic=vkcnn/plain");
  ASSERT_TRUE(p.push_pull(gst_buffer_new_allocate(nullptr, 32 * 24 * 3, nullptr)));
  ASSERT_TRUE(p.push_pull(frame(1)));
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary_u64(gst_message_get_structure(summary), "sent"), 1u);
  gst_message_unref(summary);
  ASSERT_TRUE(sub.wait_for(1));
  EXPECT_EQ(nlohmann::json::parse(sub.payloads()[0]).at("frame").get<int>(), 1);  // numbered among all buffers
}

// The broker goes away mid-stream (with persistence, so it keeps the subscriber's session):
// buffers keep flowing, the newest max-queue messages wait while the older ones are dropped and
// counted, and they go out when the broker is back on the same port.
TEST(VkcnnPublish, BrokerOutageQueuesDropsOldestAndResumesOnTheSamePort) {
  Broker broker("allow_anonymous true\npersistence true\nautosave_interval 0\n");
  std::ofstream(broker.config(), std::ios::app) << "persistence_location " << broker.dir() << "/\n";
  ASSERT_TRUE(broker.start()) << broker.error();
  Subscriber sub(broker.port(), "vkcnn/outage", "outage-subscriber", /*persistent=*/true);
  ASSERT_TRUE(sub.wait_subscribed());
  PublishHarness p("address=" + broker.address() + " topic=vkcnn/outage qos=1 max-queue=5 reconnect-delay-max=1");

  push_promptly(p, 0, 3);
  ASSERT_TRUE(wait_summary(p, [](const GstStructure* s) { return summary_u64(s, "sent") == 3; }));
  ASSERT_TRUE(sub.wait_for(3));

  broker.stop();
  ASSERT_TRUE(wait_summary(p, [](const GstStructure* s) { return !summary_bool(s, "connected"); }));
  GstMessage* lost = p.wait(GST_MESSAGE_WARNING);
  EXPECT_NE(text(lost).find("Lost the connection to MQTT broker " + broker.address()), std::string::npos) << text(lost);
  if (lost) gst_message_unref(lost);

  push_promptly(p, 3, 13);  // 10 frames while the broker is away: 3..7 are dropped, 8..12 wait
  GstStructure* s = p.summary();
  EXPECT_EQ(summary_uint(s, "queued"), 5u);
  EXPECT_EQ(summary_u64(s, "dropped"), 5u);
  EXPECT_EQ(summary_u64(s, "sent"), 3u);
  gst_structure_free(s);

  ASSERT_TRUE(broker.start()) << broker.error();
  ASSERT_TRUE(wait_summary(p, [](const GstStructure* s) { return summary_u64(s, "sent") == 8; }));
  push_promptly(p, 13, 15);
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  s = const_cast<GstStructure*>(gst_message_get_structure(summary));
  EXPECT_EQ(summary_u64(s, "sent"), 10u);
  EXPECT_EQ(summary_u64(s, "dropped"), 5u);
  EXPECT_EQ(summary_uint(s, "queued"), 0u);
  EXPECT_EQ(summary_uint(s, "reconnects"), 1u);
  EXPECT_TRUE(summary_bool(s, "connected"));
  gst_message_unref(summary);

  ASSERT_TRUE(sub.wait_for(10)) << sub.payloads().size() << " messages";
  ASSERT_TRUE(wait_until_frame(sub, 14));
  // After its restart the broker may deliver again any message sent before the outage whose
  // PUBACK from the subscriber it had not seen yet (QoS 1 is at least once on that leg too; on a
  // loaded machine that can be several). Repeats aside, every message arrives, in order.
  std::vector<int> first_arrivals;
  std::set<int> seen;
  for (int frame : frames_of(sub.payloads())) {
    if (seen.insert(frame).second)
      first_arrivals.push_back(frame);
    else
      EXPECT_LT(frame, 3) << "only messages sent before the outage may arrive twice";
  }
  EXPECT_EQ(first_arrivals, (std::vector<int>{0, 1, 2, 8, 9, 10, 11, 12, 13, 14}));
}

TEST(VkcnnPublish, UnreachableBrokerAtStartIsAWarningAndTheStreamFlows) {
  const int port = free_port();  // nothing listens there
  PublishHarness p("address=127.0.0.1:" + std::to_string(port) + " max-queue=4 flush-timeout=0");
  GstMessage* warning = p.wait(GST_MESSAGE_WARNING);
  EXPECT_NE(text(warning).find("Cannot reach MQTT broker 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << text(warning);
  if (warning) gst_message_unref(warning);
  push_promptly(p, 0, 10);
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  const GstStructure* s = gst_message_get_structure(summary);
  EXPECT_EQ(summary_u64(s, "sent"), 0u);
  EXPECT_EQ(summary_uint(s, "queued"), 4u);
  EXPECT_EQ(summary_u64(s, "dropped"), 6u);
  EXPECT_FALSE(summary_bool(s, "connected"));
  gst_message_unref(summary);
  EXPECT_EQ(p.wait(GST_MESSAGE_ERROR, Seconds(0)), nullptr);
}

struct PasswordBroker {
  Broker broker;
  std::string right, wrong;
  PasswordBroker() : broker("allow_anonymous false\n") {
    const std::string passwords = broker.dir() + "/passwords";
    auto r = vkcnn::test::run_command(std::string(MOSQUITTO_PASSWD) + " -b -c " + passwords + " camera s3cret 2>&1");
    EXPECT_EQ(r.status, 0) << MOSQUITTO_PASSWD << ": " << r.out;
    std::ofstream(broker.config(), std::ios::app) << "password_file " << passwords << "\n";
    right = broker.dir() + "/right";
    wrong = broker.dir() + "/wrong";
    std::ofstream(right) << "s3cret\n";
    std::ofstream(wrong) << "guess\n";
  }
};

TEST(VkcnnPublish, BrokerWithPasswordFileAcceptsTheRightCredentials) {
  PasswordBroker pw;
  ASSERT_TRUE(pw.broker.start()) << pw.broker.error();
  PublishHarness p("address=" + pw.broker.address() + " topic=vkcnn/auth username=camera password-file=" + pw.right);
  ASSERT_TRUE(wait_summary(p, [](const GstStructure* s) { return summary_bool(s, "connected"); }));
  push_promptly(p, 0, 3);
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary_u64(gst_message_get_structure(summary), "sent"), 3u);
  gst_message_unref(summary);
  EXPECT_EQ(p.wait(GST_MESSAGE_WARNING, Seconds(0)), nullptr);
}

TEST(VkcnnPublish, BrokerWithPasswordFileRefusesWrongCredentialsWithAWarning) {
  PasswordBroker pw;
  ASSERT_TRUE(pw.broker.start()) << pw.broker.error();
  PublishHarness p("address=" + pw.broker.address() +
                   " topic=vkcnn/auth username=camera flush-timeout=0 "
                   "password-file=" +
                   pw.wrong);
  GstMessage* warning = p.wait(GST_MESSAGE_WARNING);
  const std::string w = text(warning);
  EXPECT_NE(w.find("MQTT broker " + pw.broker.address() + " refused the connection"), std::string::npos) << w;
  EXPECT_NE(w.find("not authorised"), std::string::npos) << w;
  if (warning) gst_message_unref(warning);
  push_promptly(p, 0, 3);  // and the stream goes on
  GstMessage* summary = p.eos();
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary_u64(gst_message_get_structure(summary), "sent"), 0u);
  gst_message_unref(summary);
}

// Starts `launch` and returns the first error or warning of the pipeline (or null at EOS).
GstMessage* run_pipeline(const std::string& launch, GstMessageType types = GST_MESSAGE_ERROR) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (!pipeline) {
    ADD_FAILURE() << launch << ": " << (error ? error->message : "?");
    g_clear_error(&error);
    return nullptr;
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GstMessageType(types | GST_MESSAGE_EOS));
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
    gst_message_unref(m);
    return nullptr;
  }
  EXPECT_NE(m, nullptr) << launch << ": neither EOS nor an error within 60 s";
  return m;
}

TEST(VkcnnPublish, SettingsThatCanNeverWorkFailTheStartNamingPropertyAndFile) {
  const std::string scratch = scratch_dir();
  const struct {
    std::string properties, expected;
  } cases[] = {
      {"address=localhost", "Invalid address \"localhost\" (property address)"},
      {"address=localhost:99999", "Invalid address \"localhost:99999\" (property address)"},
      {"username=camera password-file=" + scratch + "/no-password", "password-file " + scratch + "/no-password"},
      {"ca-file=" + scratch + "/no-ca.pem", "ca-file " + scratch + "/no-ca.pem"},
      {"topic=vkcnn/+/x", "(property topic)"},
      {"method=file file-path=" + scratch + "/no-such-dir/out.jsonl", scratch + "/no-such-dir/out.jsonl"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.properties);
    GstMessage* m = run_pipeline("fakesrc num-buffers=1 ! vkcnnpublish name=publisher " + c.properties + " ! fakesink");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_ERROR);
    EXPECT_STREQ(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), "publisher");
    EXPECT_NE(text(m).find(c.expected), std::string::npos) << text(m);
    gst_message_unref(m);
  }
}

TEST(VkcnnPublish, FailIfUnreachableMakesAnUnreachableBrokerAnError) {
  const std::string address = "127.0.0.1:" + std::to_string(free_port());
  GstMessage* m =
      run_pipeline("fakesrc num-buffers=1 ! vkcnnpublish fail-if-unreachable=true address=" + address + " ! fakesink",
                   GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_ERROR) << text(m);
  EXPECT_NE(text(m).find("Cannot reach MQTT broker " + address), std::string::npos) << text(m);
  gst_message_unref(m);
}

std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// method=file next to results-file on the same stream: the same objects (but for the wall-clock
// time), as JSON lines and as one JSON array.
TEST(VkcnnPublish, FileMethodWritesTheSameObjectsAsResultsFile) {
  const TestModel& model = test_model("publish", 71);
  const std::string dir = scratch_dir(), results = dir + "/classify.jsonl", lines = dir + "/publish.jsonl",
                    array = dir + "/publish.json";
  // A gst-launch-1.0 process, as launch_test.cpp runs vkcnnclassify with videotestsrc: in this
  // process, under LeakSanitizer, that pair reports a leak from outside the project's code.
  const std::string launch =
      std::string(GST_LAUNCH) +
      " -q videotestsrc num-buffers=6 ! video/x-raw,format=RGB,width=40,height=30,framerate=30/1 ! vkcnnclassify "
      "model='" +
      model.path + "' top-k=3 interval=2 results-file='" + results +
      "' ! vkcnnpublish method=file "
      "file-path='" +
      lines + "' ! vkcnnpublish method=file file-format=json file-path='" + array + "' ! fakesink";
  gchar** argv = nullptr;
  ASSERT_TRUE(g_shell_parse_argv(launch.c_str(), nullptr, &argv, nullptr)) << launch;
  gchar** envp = test::with_sanitizer_runtime(g_get_environ());
  gchar *out = nullptr, *err = nullptr;
  gint status = -1;
  const gboolean spawned =
      g_spawn_sync(nullptr, argv, envp, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &status, nullptr);
  const std::string output = std::string(out ? out : "") + (err ? err : "");
  g_strfreev(argv);
  g_strfreev(envp);
  g_free(out);
  g_free(err);
  ASSERT_TRUE(spawned && g_spawn_check_wait_status(status, nullptr)) << launch << "\n" << output;
  auto expected = json_lines(results), got = json_lines(lines);
  std::ifstream in(array);
  const auto whole = nlohmann::json::parse(in);
  ASSERT_EQ(expected.size(), 6u);
  ASSERT_EQ(got.size(), expected.size());
  ASSERT_TRUE(whole.is_array());
  ASSERT_EQ(whole.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    for (auto* j : {&expected[i], &got[i]}) {
      EXPECT_TRUE(j->at("time").is_string());
      j->erase("time");
    }
    auto from_array = whole[i];
    from_array.erase("time");
    EXPECT_EQ(got[i], expected[i]);
    EXPECT_EQ(from_array, expected[i]);
    EXPECT_EQ(expected[i].at("width").get<int>(), 40);
    EXPECT_FALSE(expected[i].at("stream_id").get<std::string>().empty());
  }
}

}  // namespace
}  // namespace vkcnn::plugin_test
