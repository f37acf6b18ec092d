// vkcnn-classify: classify image files with a .vkcnn model, applying the model's own
// preprocessing (color, resize, mean/std) on the GPU exactly as the GStreamer element does.
//   vkcnn-classify --model m.vkcnn [--top-k K] [--json] img.png ...
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/preprocess.h>

#include "image_file.h"

namespace {

struct Options {
  std::string model;
  std::vector<std::string> images;
  uint32_t top_k = 5;
  bool json = false;
  std::string device;
  std::string precision = "auto";
};

// An image decoded by OpenCV, in one of the packed layouts the preprocessor reads.
struct Frame {
  cv::Mat pixels;
  vkcnn::PixelFormat format;
};

Frame decode(const std::string& path) {
  cv::Mat img = vkcnn::tools::read_image(path, cv::IMREAD_UNCHANGED);
  if (img.depth() != CV_8U) img.convertTo(img, CV_8U, img.depth() == CV_16U ? 1.0 / 257 : 255.0);
  switch (img.channels()) {
    case 1:
      return {img.isContinuous() ? img : img.clone(), vkcnn::PixelFormat::GRAY8};
    case 3:
      return {img.isContinuous() ? img : img.clone(), vkcnn::PixelFormat::BGR};
    case 4:
      return {img.isContinuous() ? img : img.clone(), vkcnn::PixelFormat::BGRA};
    default:
      throw vkcnn::Error(path + ": unsupported channel count " + std::to_string(img.channels()));
  }
}

// One recorded pass per image layout: frame upload -> preprocess -> forward -> readback.
class Classifier {
 public:
  Classifier(vkcnn::Context& ctx, const std::string& model_path, vkcnn::Precision precision)
      : ctx_(ctx),
        model_(vkcnn::Model::load(ctx, model_path)),
        plan_(*model_, 1, precision),
        readback_(ctx, plan_.output().shape.count() * sizeof(float), vkcnn::MemoryKind::Readback) {}

  std::vector<float> scores(const Frame& frame) {
    auto layout = vkcnn::FrameLayout::packed(frame.format, frame.pixels.cols, frame.pixels.rows);
    auto key = std::make_tuple(static_cast<int>(layout.format), layout.width, layout.height);
    auto it = passes_.find(key);
    if (it == passes_.end()) {
      Pass pass{std::make_unique<vkcnn::Preprocessor>(ctx_, model_->spec().input, layout),
                std::make_unique<vkcnn::Recorder>(ctx_)};
      pass.recorder->begin();
      pass.pre->record(*pass.recorder, plan_.input(), 0);
      plan_.record(*pass.recorder);
      pass.recorder->copy(*plan_.output().buffer, readback_, readback_.bytes());
      pass.recorder->end();
      it = passes_.emplace(key, std::move(pass)).first;
    }
    std::memcpy(it->second.pre->frame_memory(), frame.pixels.data, layout.size);
    it->second.recorder->submit_and_wait();
    std::vector<float> out(plan_.output().shape.count());
    readback_.read(std::as_writable_bytes(std::span(out)));
    return vkcnn::probabilities(model_->graph(), out);
  }

  const vkcnn::Model& model() const { return *model_; }

 private:
  struct Pass {
    std::unique_ptr<vkcnn::Preprocessor> pre;
    std::unique_ptr<vkcnn::Recorder> recorder;
  };
  vkcnn::Context& ctx_;
  std::unique_ptr<vkcnn::Model> model_;
  vkcnn::ForwardPlan plan_;
  vkcnn::Buffer readback_;
  std::map<std::tuple<int, uint32_t, uint32_t>, Pass> passes_;
};

void print(const std::string& file, const std::vector<vkcnn::ClassScore>& top, bool json) {
  if (json) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& c : top) entries.push_back({{"id", c.id}, {"label", c.label}, {"score", c.score}});
    std::printf("%s\n", nlohmann::json{{"file", file}, {"top", entries}}.dump().c_str());
  } else {
    std::printf("%s:", file.c_str());
    for (const auto& c : top) std::printf("  %s (%.4f)", c.label.c_str(), c.score);
    std::printf("\n");
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"vkcnn-classify: top-k labels for image files, with the model's own preprocessing on the GPU"};
  app.add_option("--model", o.model, "the .vkcnn model file")->required()->check(CLI::ExistingFile);
  app.add_option("--top-k", o.top_k, "labels to print per image")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_flag("--json", o.json, "one JSON object per line: {\"file\", \"top\": [{\"id\", \"label\", \"score\"}]}");
  app.add_option("--device", o.device,
                 "Vulkan device index or name substring (default: VKCNN_DEVICE, else a discrete GPU)");
  app.add_option("--precision", o.precision,
                 "fp32, fp16 (an error where the device cannot store 16-bit floats) or auto (fp16 on GPUs "
                 "that can, fp32 on CPU devices)")
      ->check(CLI::IsMember({"fp32", "fp16", "auto"}))
      ->capture_default_str();
  app.add_option("images", o.images, "image files (anything OpenCV decodes)")->required();
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<vkcnn::Context> ctx;
  std::unique_ptr<Classifier> classifier;
  try {
    ctx = std::make_unique<vkcnn::Context>(vkcnn::ContextOptions{o.device});
    classifier = std::make_unique<Classifier>(
        *ctx, o.model, vkcnn::resolve_precision(ctx->info(), vkcnn::parse_precision_choice(o.precision)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-classify: %s\n", e.what());
    return 1;
  }
  // A bad image is reported and skipped; the others are still classified.
  int failures = 0;
  for (const std::string& path : o.images) {
    try {
      auto scores = classifier->scores(decode(path));
      print(path, vkcnn::top_k(scores, classifier->model().spec().labels, o.top_k), o.json);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vkcnn-classify: %s\n", e.what());
      ++failures;
    }
  }
  return failures ? 1 : 0;
}
