// pipelines/*.sh, the demo (scripts/demo-run.sh) and pipelines/examples/read_meta.c, run as a user
// runs them (child processes, this build tree's plugin and tools), on small inputs with a small
// random model on Fashion-MNIST's input (28x28 gray, its ten labels).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/model/spec.h>

#include "support/child_env.h"
#include "support/mqtt_broker.h"
#include "support/scratch_dir.h"

namespace {

const std::string kBuild = VKCNN_BUILD_DIR;
const std::string kSource = VKCNN_SOURCE_DIR;
const std::vector<std::string> kLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

const std::string& scratch() {
  static vkcnn::test::ScratchDir dir("vkcnn-pipeline-test");
  return dir.path();
}

struct Process {
  int status = -1;  // exit code, or -1 when it did not exit normally
  std::string out, err;
};

// Runs `args` with this build's plugin, a private registry and `env` on top of ours.
Process run(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  gchar** envp = g_get_environ();
  std::map<std::string, std::string> all = {{"VKCNN_BUILD_DIR", kBuild},
                                            {"GST_PLUGIN_PATH", kBuild + "/plugin"},
                                            {"GST_REGISTRY", VKCNN_TEST_REGISTRY},
                                            {"VKCNN_DEMO_SHOW", "0"}};
  for (const auto& [k, v] : env) all[k] = v;
  for (const auto& [k, v] : all) envp = g_environ_setenv(envp, k.c_str(), v.c_str(), TRUE);
  envp = vkcnn::test::with_sanitizer_runtime(envp);
  std::vector<gchar*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Process r;
  gchar *out = nullptr, *err = nullptr;
  GError* error = nullptr;
  int wait_status = 0;
  if (!g_spawn_sync(nullptr, argv.data(), envp, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &wait_status, &error)) {
    ADD_FAILURE() << "cannot run " << args[0] << ": " << error->message;
    g_error_free(error);
  } else {
    r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  }
  r.out = out ? out : "";
  r.err = err ? err : "";
  g_free(out);
  g_free(err);
  g_strfreev(envp);
  return r;
}

std::string script(const std::string& name) { return kSource + "/" + name; }

// A random conv net on 28x28 gray input with Fashion-MNIST's labels; the last layer's weights
// scaled up so that classes are well apart and top-1 does not hinge on rounding.
const std::string& test_model() {
  static const std::string path = [] {
    nlohmann::json spec = {
        {"format", "vkcnn-model/1"},
        {"name", "pipeline-test"},
        {"input",
         {{"channels", 1},
          {"height", 28},
          {"width", 28},
          {"color", "gray"},
          {"mean", {0.286}},
          {"std", {0.353}},
          {"resize", "stretch"}}},
        {"labels", kLabels},
        {"layers", nlohmann::json::array(
                       {{{"type", "conv2d"}, {"name", "c1"}, {"out_channels", 4}, {"kernel", 3}, {"padding", 1}},
                        {{"type", "relu"}},
                        {{"type", "maxpool2d"}, {"kernel", 2}, {"stride", 2}},
                        {{"type", "flatten"}},
                        {{"type", "dense"}, {"name", "f1"}, {"out_features", 10}},
                        {{"type", "softmax"}}})}};
    std::string p = scratch() + "/pipeline-test.vkcnn";
    vkcnn::ModelSpec s = vkcnn::parse_model_spec(spec.dump(), p);
    vkcnn::Graph graph(s, p);
    vkcnn::Weights weights = vkcnn::initialize_weights(graph, 5);
    for (float& w : weights.at("f1.weight").values) w *= 8.f;
    vkcnn::write_model_file(p, s, weights);
    return p;
  }();
  return path;
}

// A short H.264 MP4 made with GStreamer: 8 frames of 160x120 at 10 fps.
const std::string& test_video() {
  static const std::string path = [] {
    std::string p = scratch() + "/in.mp4";
    Process r = run({GST_LAUNCH, "-q", "videotestsrc", "num-buffers=8", "pattern=ball", "!",
                     "video/x-raw,width=160,height=120,framerate=10/1", "!", "videoconvert", "!", "x264enc", "!",
                     "mp4mux", "!", "filesink", "location=" + p});
    EXPECT_EQ(r.status, 0) << r.err;
    return p;
  }();
  return path;
}

// A video or image file decoded by GStreamer in this process: frame count, size, first frame as RGB.
struct Decoded {
  int frames = 0, width = 0, height = 0;
  std::vector<uint8_t> first;  // packed RGB, width * 3 bytes per row
  std::string error;
};

GstPadProbeReturn count_frame(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* d = static_cast<Decoded*>(data);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (d->frames++ == 0) {
    GstCaps* caps = gst_pad_get_current_caps(pad);
    GstVideoInfo vi;
    gst_video_info_from_caps(&vi, caps);
    gst_caps_unref(caps);
    d->width = GST_VIDEO_INFO_WIDTH(&vi);
    d->height = GST_VIDEO_INFO_HEIGHT(&vi);
    GstVideoFrame frame;
    if (gst_video_frame_map(&frame, &vi, buf, GST_MAP_READ)) {
      for (int y = 0; y < d->height; ++y) {
        auto* row = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
                    y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        d->first.insert(d->first.end(), row, row + d->width * 3);
      }
      gst_video_frame_unmap(&frame);
    }
  }
  return GST_PAD_PROBE_OK;
}

Decoded decode(const std::string& path) {
  g_setenv("GST_REGISTRY", VKCNN_TEST_REGISTRY, TRUE);
#ifdef VKCNN_CHILD_PRELOAD
  g_setenv("GST_REGISTRY_FORK", "no", TRUE);  // see tests/plugin/main.cpp
#endif
  gst_init(nullptr, nullptr);
  Decoded d;
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGB ! fakesink name=sink", &error);
  if (!pipeline) {
    d.error = error->message;
    g_error_free(error);
    return d;
  }
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_object_unref(src);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &d, nullptr);
  gst_object_unref(pad);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg =
      gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg)
    d.error = "no end of stream within 60 s";
  else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(msg, &error, nullptr);
    d.error = error->message;
    g_error_free(error);
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return d;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Mean absolute difference of two RGB frames over a rectangle.
double mean_difference(const Decoded& a, const Decoded& b, int x0, int y0, int x1, int y1) {
  double sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0 * 3; x < x1 * 3; ++x) sum += std::abs(a.first[y * a.width * 3 + x] - b.first[y * b.width * 3 + x]);
  return sum / ((y1 - y0) * (x1 - x0) * 3);
}

// The demo on 12 images: per-frame labels equal vkcnn-classify's on the same PNG frames, the
// printed accuracy is the share of frames whose top-1 is the true label, the MP4 and the snapshot decode.
TEST(Pipelines, DemoLabelsEveryFrameAsVkcnnClassifyDoesAndWritesAPlayableMp4) {
  // scripts/setup.sh installs the data set: its absence is a broken setup, not a reason to skip.
  ASSERT_TRUE(std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
      << "the demo's images come from Debian's dataset-fashion-mnist, which is not installed";
  const std::string out = scratch() + "/demo", clip = scratch() + "/clip";
  Process r =
      run({script("scripts/demo-run.sh"), test_model()},
          {{"VKCNN_DEMO_OUT", out}, {"VKCNN_DEMO_CLIP", clip}, {"VKCNN_DEMO_IMAGES", "12"}, {"VKCNN_DEMO_SCALE", "4"}});
  ASSERT_EQ(r.status, 0) << r.out << r.err;

  auto results = json_lines(read_file(out + "/demo-out.jsonl"));
  ASSERT_EQ(results.size(), 12u);
  std::vector<std::string> frames;
  for (int i = 0; i < 12; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/frame-%05d.png", i);
    frames.push_back(clip + name);
  }
  std::vector<std::string> args = {VKCNN_CLASSIFY, "--model", test_model(), "--json", "--top-k", "5"};
  args.insert(args.end(), frames.begin(), frames.end());
  Process classify = run(args);
  ASSERT_EQ(classify.status, 0) << classify.err;
  auto expected = json_lines(classify.out);
  ASSERT_EQ(expected.size(), 12u);

  std::map<int, int> truth;  // frame -> label id, from truth.csv
  std::istringstream csv(read_file(clip + "/truth.csv"));
  std::string line;
  std::getline(csv, line);
  for (int frame, image, label; std::getline(csv, line);) {
    char c;
    std::istringstream(line) >> frame >> c >> image >> c >> label;
    truth[frame] = label;
  }
  ASSERT_EQ(truth.size(), 12u);

  int correct = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    EXPECT_EQ(results[i].at("frame").get<std::size_t>(), i);
    const auto &got = results[i].at("top"), &want = expected[i].at("top");
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].at("id"), want[k].at("id"));
      EXPECT_EQ(got[k].at("label"), want[k].at("label"));
      EXPECT_NEAR(got[k].at("score").get<double>(), want[k].at("score").get<double>(), 1e-4);
    }
    correct += got[0].at("id").get<int>() == truth.at(static_cast<int>(i));
  }
  EXPECT_NE(r.out.find(std::to_string(correct) + "/12 frames classified correctly"), std::string::npos) << r.out;

  Decoded video = decode(out + "/demo-out.mp4");
  EXPECT_EQ(video.error, "");
  EXPECT_EQ(video.frames, 12);
  EXPECT_EQ(video.height, 28 * 4);
  EXPECT_EQ(video.width, 2 * 28 * 4);  // and a black square on the left, where the labels are drawn
  Decoded snapshot = decode(out + "/demo-snapshot.png");
  EXPECT_EQ(snapshot.error, "");
  EXPECT_EQ(snapshot.frames, 1);
  EXPECT_EQ(snapshot.width, video.width);
}

TEST(Pipelines, FileScriptWritesTheVideoWithLabelsDrawnOnIt) {
  const std::string out = scratch() + "/file-out.mp4";
  Process r = run({script("pipelines/file.sh"), test_video(), out, test_model()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  Decoded in = decode(test_video()), labelled = decode(out);
  EXPECT_EQ(labelled.error, "");
  EXPECT_EQ(labelled.frames, 8);
  ASSERT_EQ(labelled.width, 160);
  ASSERT_EQ(labelled.height, 120);
  // The panel sits in the top-left corner; elsewhere only the second encoding's noise differs.
  const double panel = mean_difference(in, labelled, 4, 4, 40, 20),
               elsewhere = mean_difference(in, labelled, 100, 80, 160, 120);
  EXPECT_GT(panel, 20.0);
  EXPECT_GT(panel, 4 * elsewhere) << elsewhere;
}

TEST(Pipelines, JsonScriptWritesOneLinePerFrame) {
  const std::string out = scratch() + "/json-out.jsonl";
  Process r = run({script("pipelines/json.sh"), test_video(), out, test_model()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto lines = json_lines(read_file(out));
  ASSERT_EQ(lines.size(), 8u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("frame").get<std::size_t>(), i);
    EXPECT_EQ(lines[i].at("top").size(), 3u);
    EXPECT_EQ(lines[i].at("model"), "pipeline-test");
  }
  EXPECT_NE(r.out.find("8 frames classified"), std::string::npos) << r.out;
}

TEST(Pipelines, WindowScriptsRunWithAnotherSink) {
  Process live = run({script("pipelines/live-file.sh"), test_video(), test_model()}, {{"VKCNN_SINK", "fakesink"}});
  EXPECT_EQ(live.status, 0) << live.out << live.err;
  Process source = run({script("pipelines/test-source.sh"), test_model()},
                       {{"VKCNN_SINK", "fakesink sync=false"}, {"VKCNN_NUM_BUFFERS", "5"}});
  EXPECT_EQ(source.status, 0) << source.out << source.err;
}

TEST(Pipelines, ScriptsSayWhatIsMissing) {
  Process webcam = run({script("pipelines/webcam.sh"), "/dev/vkcnn-no-such-camera", test_model()});
  EXPECT_NE(webcam.status, 0);
  EXPECT_NE(webcam.err.find("webcam.sh: no camera at /dev/vkcnn-no-such-camera"), std::string::npos) << webcam.err;
  Process model = run({script("pipelines/json.sh"), test_video(), scratch() + "/x.jsonl", scratch() + "/none.vkcnn"});
  EXPECT_NE(model.status, 0);
  EXPECT_NE(model.err.find("no model file " + scratch() + "/none.vkcnn"), std::string::npos) << model.err;
  Process input = run({script("pipelines/file.sh"), scratch() + "/none.mp4", scratch() + "/x.mp4", test_model()});
  EXPECT_NE(input.status, 0);
  EXPECT_NE(input.err.find("no input file"), std::string::npos) << input.err;
}

TEST(Pipelines, ReadMetaExamplePrintsTheLabelsOfEveryFrame) {
  Process r = run({READ_META_EXAMPLE, test_model(), "4"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(line.rfind("frame " + std::to_string(n) + " (pipeline-test, ", 0), 0u) << line;
    int labels = 0;
    for (const auto& label : kLabels) labels += line.find("  " + label + " ") != std::string::npos;
    EXPECT_GE(labels, 1) << line;
  }
  EXPECT_EQ(n, 4);
}

// The README's Python example: the ROI meta's classification, read through GstVideo (python3-gi
// and python3-gst-1.0 are in scripts/setup.sh's list; their absence is a broken setup).
TEST(Pipelines, PythonRoiMetaExamplePrintsTheTopKOfEveryFrame) {
  Process r = run({"/usr/bin/python3", kSource + "/pipelines/examples/read_roi_meta.py", test_model(), "3"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(line.rfind("frame " + std::to_string(n) + ": ", 0), 0u) << line;
    int labels = 0;
    for (const auto& label : kLabels) labels += line.find(label + " ") != std::string::npos;
    EXPECT_EQ(labels, 3) << "top-k=3: " << line;
  }
  EXPECT_EQ(n, 3);
}

// pipelines/mqtt.sh on the test picture into a broker of the test's own, watched by
// pipelines/examples/mqtt_labels.sh: every frame's labels arrive and are printed with the topic.
TEST(Pipelines, MqttScriptPublishesEveryFrameAndTheExamplePrintsItsLabels) {
  vkcnn::test::Broker broker("allow_anonymous true\nlog_type subscribe\n");
  ASSERT_TRUE(broker.start()) << broker.error();
  const std::string printed = scratch() + "/mqtt-labels.txt";
  // The example runs beside the pipeline, as it would on another machine, and exits after 6 messages.
  const std::string watch =
      script("pipelines/examples/mqtt_labels.sh") + " " + broker.address() + " 'vkcnn/#' 6 >" + printed + " 2>&1";
  gchar* argv[] = {const_cast<gchar*>("/bin/bash"), const_cast<gchar*>("-c"), const_cast<gchar*>(watch.c_str()),
                   nullptr};
  GPid watcher = 0;
  GError* error = nullptr;
  ASSERT_TRUE(g_spawn_async(nullptr, argv, nullptr, G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &watcher, &error))
      << error->message;
  // Publish only once the broker has the example's subscription (its log says so).
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read_file(broker.log()).find(" vkcnn/#") == std::string::npos && std::chrono::steady_clock::now() < end)
    g_usleep(20000);
  ASSERT_NE(read_file(broker.log()).find(" vkcnn/#"), std::string::npos) << read_file(printed);

  Process r = run({script("pipelines/mqtt.sh"), "test", broker.address(), "vkcnn/test-site/cam1", test_model()},
                  {{"VKCNN_NUM_BUFFERS", "6"}});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mqtt.sh: 6 messages sent to " + broker.address() + " (queued 0, dropped 0"), std::string::npos)
      << r.out << r.err;

  int status = -1;
  while (waitpid(watcher, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < end + std::chrono::seconds(20))
    g_usleep(20000);
  if (waitpid(watcher, &status, WNOHANG) == 0) {
    kill(watcher, SIGKILL);
    waitpid(watcher, &status, 0);
    ADD_FAILURE() << "mqtt_labels.sh did not exit after 6 messages: " << read_file(printed);
  }
  g_spawn_close_pid(watcher);
  std::istringstream lines(read_file(printed));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(line.rfind("vkcnn/test-site/cam1 frame " + std::to_string(n) + ": ", 0), 0u) << line;
    int labels = 0;
    for (const auto& label : kLabels) labels += line.find(": " + label + " ") != std::string::npos;
    EXPECT_EQ(labels, 1) << line;  // the best label comes first
  }
  EXPECT_EQ(n, 6) << read_file(printed);
}

TEST(Pipelines, InspectListsEveryElement) {
  Process r = run({GST_INSPECT, "vkcnn"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* element : {"vkcnnclassify", "vkcnnoverlay", "vkcnnpublish"})
    EXPECT_NE(r.out.find(element), std::string::npos) << r.out;
}

}  // namespace
