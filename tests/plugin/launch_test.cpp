// Real gst-launch-1.0 / gst-inspect-1.0 processes against the plugin in the build tree.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "plugin_test_support.h"
#include "support/child_env.h"

namespace vkcnn::plugin_test {
namespace {

struct Process {
  int status = -1;
  std::string out, err;
};

Process run(std::vector<std::string> args) {
  std::vector<gchar*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Process r;
  gchar *out = nullptr, *err = nullptr;
  GError* error = nullptr;
  gchar** envp = test::with_sanitizer_runtime(g_get_environ());
  const gboolean spawned =
      g_spawn_sync(nullptr, argv.data(), envp, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &r.status, &error);
  g_strfreev(envp);
  if (!spawned) {
    ADD_FAILURE() << "cannot run " << args[0] << ": " << error->message;
    g_error_free(error);
    return r;
  }
  r.out = out ? out : "";
  r.err = err ? err : "";
  g_free(out);
  g_free(err);
  return r;
}

std::vector<std::string> split(const std::string& launch_line) {
  std::vector<std::string> args{GST_LAUNCH};
  gchar** parts = nullptr;
  g_shell_parse_argv(launch_line.c_str(), nullptr, &parts, nullptr);
  for (gchar** p = parts; p && *p; ++p) args.emplace_back(*p);
  g_strfreev(parts);
  return args;
}

// videotestsrc -> vkcnnclassify (interval 2) -> fakesink: one JSON line per frame, in order,
// with the pts videotestsrc gave it and the result of the last classified frame.
TEST(ClassifyLaunch, ResultsFileHasOneJsonLinePerFrame) {
  const TestModel& model = test_model("launch", 51);
  const std::string results = scratch_dir() + "/results.jsonl";
  const int frames = 12;
  Process r =
      run(split("-m videotestsrc num-buffers=" + std::to_string(frames) +
                " ! video/x-raw,format=NV12,width=64,height=48,framerate=30/1 ! vkcnnclassify model=\"" + model.path +
                "\" results-file=\"" + results + "\" interval=2 top-k=4 post-messages=true ! fakesink"));
  ASSERT_EQ(r.status, 0) << r.out << r.err;

  std::ifstream in(results);
  std::string line;
  int n = 0;
  for (; std::getline(in, line); ++n) {
    auto j = nlohmann::json::parse(line);  // throws (and fails the test) on a malformed line
    EXPECT_EQ(j.at("pts").get<uint64_t>(), gst_util_uint64_scale(n, GST_SECOND, 30)) << line;
    EXPECT_EQ(j.at("frame").get<int>(), n) << line;
    EXPECT_EQ(j.at("result_frame").get<int>(), n - n % 2) << line;
    EXPECT_EQ(j.at("model").get<std::string>(), "launch");
    EXPECT_FALSE(j.at("stream_id").get<std::string>().empty()) << line;  // videotestsrc's stream-start
    EXPECT_EQ(j.at("width").get<int>(), 64);
    EXPECT_EQ(j.at("height").get<int>(), 48);
    EXPECT_TRUE(j.at("time").is_string()) << line;
    const auto& top = j.at("top");
    ASSERT_EQ(top.size(), 4u) << line;
    for (std::size_t i = 0; i < top.size(); ++i) {
      auto id = top[i].at("id").get<std::size_t>();
      ASSERT_LT(id, model.labels.size());
      EXPECT_EQ(top[i].at("label").get<std::string>(), model.labels[id]);
      double score = top[i].at("score").get<double>();
      EXPECT_TRUE(score >= 0 && score <= 1) << line;
      if (i > 0) {
        EXPECT_LE(score, top[i - 1].at("score").get<double>()) << line;
      }
    }
  }
  EXPECT_EQ(n, frames);

  // -m prints the element messages: one per classified frame (0, 2, ..., 10).
  std::size_t messages = 0;
  for (std::size_t at = 0; (at = r.out.find("vkcnn-classification", at)) != std::string::npos; ++at) ++messages;
  EXPECT_EQ(messages, static_cast<std::size_t>(frames / 2)) << r.out;
}

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What a hardware decoder delivers, NV12 (or I420), straight through the classifier and the
// overlay with no videoconvert: the pipeline runs, and the overlay changed the frames (the same
// pipeline with identity in its place writes the test pattern unchanged).
TEST(ClassifyLaunch, OverlayDrawsOnNv12AndI420WithoutConversion) {
  const TestModel& model = test_model("launch", 51);
  for (const std::string format : {"NV12", "I420"}) {
    SCOPED_TRACE(format);
    std::string out[2];
    for (int drawn = 0; drawn < 2; ++drawn) {
      out[drawn] = scratch_dir() + "/overlay-" + format + std::to_string(drawn) + ".yuv";
      Process r = run(split("videotestsrc num-buffers=4 ! video/x-raw,format=" + format +
                            ",width=161,height=121,framerate=30/1 ! vkcnnclassify model=\"" + model.path + "\" ! " +
                            (drawn ? "vkcnnoverlay show-fps=true" : "identity") + " ! video/x-raw,format=" + format +
                            " ! filesink location=\"" + out[drawn] + "\""));
      ASSERT_EQ(r.status, 0) << r.out << r.err;
      EXPECT_EQ(r.out.find("WARNING"), std::string::npos) << r.out;
    }
    const std::string plain = file_contents(out[0]), drawn = file_contents(out[1]);
    EXPECT_FALSE(plain.empty());
    EXPECT_EQ(drawn.size(), plain.size());
    EXPECT_NE(drawn, plain);
  }
}

TEST(ClassifyLaunch, InspectListsTheElementWithItsMetadataAndProperties) {
  Process plugin = run({GST_INSPECT, "vkcnn"});
  ASSERT_EQ(plugin.status, 0) << plugin.err;
  for (const char* element : {"vkcnnclassify", "vkcnnoverlay", "vkcnnpublish"})
    EXPECT_NE(plugin.out.find(element), std::string::npos) << plugin.out;
  Process element = run({GST_INSPECT, "vkcnnclassify"});
  ASSERT_EQ(element.status, 0) << element.err;
  for (const char* part :
       {"Filter/Analyzer/Video", "Vulkan CNN classifier", "model", "labels", "device", "top-k", "threshold", "interval",
        "smoothing", "post-messages", "results-file", "max-in-flight", "NV12", "GRAY8"})
    EXPECT_NE(element.out.find(part), std::string::npos) << part;
}

}  // namespace
}  // namespace vkcnn::plugin_test
