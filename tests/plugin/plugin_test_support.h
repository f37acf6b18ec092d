// What the vkcnnclassify tests share: test models written at test time, frames of every caps
// format with their packed-RGB twin, the engine path (Preprocessor + ForwardPlan) as the
// expected answer, and an element wrapped in a GstHarness with a bus to read its messages.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/preprocess.h>

#include "vkcnn-meta.h"

namespace vkcnn::plugin_test {

// A scratch directory for this test process (removed at exit).
const std::string& scratch_dir();

struct TestModel {
  std::string path, name;
  std::vector<std::string> labels;
};
// A small random conv net on 3x32x32 RGB input with `classes` outputs, written with
// initialize_weights + write_model_file. The last dense layer's weights are scaled up so the
// classes are well separated and top-1 does not hinge on rounding. Cached per arguments.
// What the model ends in: a softmax, nothing (logits), or a sigmoid (multi-label scores).
enum class Head { Softmax, Logits, Sigmoid };
const TestModel& test_model(const std::string& name, uint32_t seed, Head head = Head::Softmax, uint32_t classes = 6);

// A frame in `format`, in GStreamer's default layout for that format and size (padding bytes
// random too): each channel of each plane a random wave plus noise, so that different seeds give
// clearly different pictures rather than the same grey average.
struct TestFrame {
  GstVideoInfo info;
  std::vector<uint8_t> bytes;  // info.size bytes
  std::vector<uint8_t> rgb;    // the same pixels as packed RGB (YUV converted as the engine documents, rounded)
};
TestFrame random_frame(GstVideoFormat format, uint32_t width, uint32_t height, uint32_t seed);
// The engine's layout of a frame (what the element hands the Preprocessor).
FrameLayout frame_layout(const GstVideoInfo& info);
GstBuffer* to_buffer(const TestFrame& frame, GstClockTime pts);
std::string caps_string(const TestFrame& frame);

// The engine path (Preprocessor + ForwardPlan) outside GStreamer: probabilities as the element
// reports them (the model's output after softmax, else softmax computed here in double), from
// the frame's packed-RGB twin or from the frame's own bytes and layout.
class EnginePath {
 public:
  explicit EnginePath(const std::string& model_path);
  ~EnginePath();
  std::vector<double> probabilities(const TestFrame& frame, bool own_format = false);

 private:
  std::vector<float> output(const uint8_t* bytes, const FrameLayout& layout);
  std::unique_ptr<Model> model_;
  std::unique_ptr<ForwardPlan> plan_;
};

// The element (created with `properties` as gst-launch would set them, then PLAYING inside a
// harness) with its own bus. Unless `properties` set max-in-flight, it is 1, where every buffer
// pushed comes out before the push returns (what push_pull needs).
struct Harnessed {
  GstElement* element = nullptr;
  GstHarness* harness = nullptr;
  GstBus* bus = nullptr;
  explicit Harnessed(const std::string& properties);
  ~Harnessed();
  // Pushes one frame (caps first if they changed) and pulls the result.
  GstBuffer* push_pull(const TestFrame& frame, GstClockTime pts);
  // Sends the caps of `frame` unless they were the last sent (the element sets up for them).
  void set_caps(const TestFrame& frame);
  // Pushes one frame (caps first if they changed); with frames in flight it may stay inside.
  GstFlowReturn push(const TestFrame& frame, GstClockTime pts);
  // The next message of `type` already on the bus, or null.
  GstMessage* pop(GstMessageType type);
  // PLAYING -> NULL -> PLAYING and a new stream-start; the next push_pull sends caps again.
  bool restart();

 private:
  std::string caps_;
};

// The element's scores as class id -> score (only the reported classes).
std::vector<std::pair<uint32_t, float>> reported(const VkcnnClassificationMeta* meta);
// Text of an error/warning message: the GError's message.
std::string message_text(GstMessage* message);
// Starts a bare element (no harness: a failing start must not abort) and returns the error its
// bus got, or "" when it started; a started one is kept in `keep` (holding its instance).
std::string start_error(const std::string& properties, std::vector<GstElement*>* keep = nullptr);
bool contains(const std::string& text, const std::string& part);

}  // namespace vkcnn::plugin_test
