// vkcnn-classify end to end: generated images and a model written by the test, the binary run
// as a process, its JSON lines checked against the double-precision reference of the
// preprocessing and the model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model_file.h>
#include <vkcnn/model/scores.h>

#include "reference/model.h"
#include "reference/preprocess.h"
#include "support/gpu_test.h"
#include "support/process.h"
#include "support/scratch_dir.h"
#include "support/tiny_model.h"

namespace vkcnn {
namespace {

namespace fs = std::filesystem;

using test::ProcessResult;
using test::slurp;

ProcessResult run(const std::string& command) { return test::run_command(command); }

class ClassifyTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    spec_ = parse_model_spec(test::kTinyRgbArch, "tiny-rgb");
    weights_ = initialize_weights(Graph(spec_), 5);
    // Sharpen the scores so the classes differ clearly.
    for (float& w : weights_.at("fc.weight").values) w *= 8.f;
    model_ = (dir_ / "tiny.vkcnn").string();
    write_model_file(model_, spec_, weights_);
  }

  // Expected top-k for an image file, computed on the CPU from the decoded pixels.
  std::vector<ClassScore> expected(const std::string& path, uint32_t k) {
    cv::Mat img = cv::imread(path, cv::IMREAD_UNCHANGED);
    PixelFormat f = img.channels() == 1   ? PixelFormat::GRAY8
                    : img.channels() == 3 ? PixelFormat::BGR
                                          : PixelFormat::BGRA;
    auto layout = FrameLayout::packed(f, img.cols, img.rows);
    std::span<const uint8_t> bytes(img.data, layout.size);
    auto x = reference::preprocess(bytes, layout, spec_.input);
    auto y = reference::model_forward(spec_, weights_, 1, x);
    std::vector<float> scores(y.begin(), y.end());
    return top_k(scores, spec_.labels, k);
  }

  // Blurred random images of these types and sizes (width, height), written as PNGs.
  std::vector<std::string> write_images(const std::vector<std::pair<int, cv::Size>>& kinds, const std::string& prefix) {
    std::vector<std::string> files;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      cv::Mat img(kinds[i].second, kinds[i].first);
      cv::randu(img, 0, 255);
      cv::GaussianBlur(img, img, {3, 3}, 0);
      files.push_back((dir_ / (prefix + std::to_string(i) + ".png")).string());
      EXPECT_TRUE(cv::imwrite(files.back(), img)) << files.back();
    }
    return files;
  }

  // vkcnn-classify --top-k 3 --json `flags` on the files: one line per file, in order, with the
  // reference's top 3 (ids and labels exactly, scores within `tolerance`).
  void expect_json_lines(const std::string& flags, const std::vector<std::string>& files, double tolerance) {
    std::string cmd = std::string(VKCNN_CLASSIFY) + " --model " + model_ + " --top-k 3 --json " + flags;
    for (const auto& f : files) cmd += " " + f;
    ProcessResult r = run(cmd);
    ASSERT_EQ(r.status, 0) << r.out;
    std::istringstream lines(r.out);
    std::string line;
    std::size_t i = 0;
    for (; std::getline(lines, line); ++i) {
      ASSERT_LT(i, files.size()) << line;
      auto j = nlohmann::json::parse(line);
      EXPECT_EQ(j.at("file"), files[i]);
      auto want = expected(files[i], 3);
      ASSERT_EQ(j.at("top").size(), want.size()) << line;
      for (std::size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(j["top"][k]["id"].get<uint32_t>(), want[k].id) << line;
        EXPECT_EQ(j["top"][k]["label"].get<std::string>(), want[k].label) << line;
        EXPECT_NEAR(j["top"][k]["score"].get<float>(), want[k].score, tolerance) << line;
      }
    }
    EXPECT_EQ(i, files.size());
  }

  test::ScratchDir scratch_{"vkcnn-classify-test"};
  fs::path dir_;
  ModelSpec spec_;
  Weights weights_;
  std::string model_;
};

TEST_F(ClassifyTool, JsonLinesMatchTheReferenceForColorGrayAndAlphaImages) {
  auto files = write_images({{CV_8UC3, {23, 17}}, {CV_8UC1, {9, 31}}, {CV_8UC4, {40, 40}}, {CV_8UC3, {64, 20}}}, "img");
  expect_json_lines("", files, 1e-4);
}

// A multi-label model (sigmoid last): the scores are its own sigmoid outputs, as the double
// reference computes them, not a softmax over them.
TEST_F(ClassifyTool, SigmoidHeadScoresAreItsOwnOutputs) {
  std::string arch = test::kTinyRgbArch;
  const std::string softmax = R"({"type": "softmax"})";
  ASSERT_NE(arch.find(softmax), std::string::npos);
  arch.replace(arch.find(softmax), softmax.size(), R"({"type": "sigmoid"})");
  spec_ = parse_model_spec(arch, "tiny-sigmoid");
  write_model_file(model_, spec_, weights_);
  auto files = write_images({{CV_8UC3, {21, 15}}, {CV_8UC3, {30, 30}}}, "multi-");
  expect_json_lines("", files, 1e-4);
}

// --precision fp16 stores the activations and weights in 16-bit floats: the same classes as the
// double reference, each score within what a few fp16 roundings (2^-11 relative, through
// three layers and the softmax) can move it; an unknown precision is refused by the parser.
TEST_F(ClassifyTool, Fp16MatchesTheReferenceWithinFp16Rounding) {
  auto files = write_images({{CV_8UC3, {19, 26}}, {CV_8UC3, {26, 23}}, {CV_8UC3, {33, 20}}}, "fp16-");
  expect_json_lines("--precision fp16", files, 4e-3);

  std::string err = (dir_ / "err.txt").string();
  ProcessResult r =
      run(std::string(VKCNN_CLASSIFY) + " --model " + model_ + " --precision fp8 " + files[0] + " 2>" + err);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(slurp(err).find("--precision"), std::string::npos) << slurp(err);
}

TEST_F(ClassifyTool, TextOutputNamesFileLabelsAndScores) {
  cv::Mat img(30, 30, CV_8UC3, cv::Scalar(10, 200, 30));
  std::string file = (dir_ / "green.png").string();
  ASSERT_TRUE(cv::imwrite(file, img));
  ProcessResult r = run(std::string(VKCNN_CLASSIFY) + " --model " + model_ + " --top-k 2 " + file);
  ASSERT_EQ(r.status, 0);
  auto want = expected(file, 2);
  char first[64];
  std::snprintf(first, sizeof first, "%s (%.4f)", want[0].label.c_str(), want[0].score);
  EXPECT_EQ(r.out.rfind(file + ":", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(first), std::string::npos) << r.out;
}

TEST_F(ClassifyTool, UnreadableImageIsReportedAndTheOthersStillClassified) {
  cv::Mat img(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
  std::string good = (dir_ / "good.png").string(), bad = (dir_ / "bad.png").string();
  ASSERT_TRUE(cv::imwrite(good, img));
  std::ofstream(bad) << "not a png";
  std::string err = (dir_ / "err.txt").string();
  ProcessResult r =
      run(std::string(VKCNN_CLASSIFY) + " --model " + model_ + " --json " + bad + " " + good + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(slurp(err).find(bad + ": cannot read or decode the image"), std::string::npos) << slurp(err);
  EXPECT_NE(r.out.find(good), std::string::npos) << r.out;
}

TEST_F(ClassifyTool, CorruptModelFailsWithTheFileNameAndNoOutput) {
  std::string corrupt = (dir_ / "corrupt.vkcnn").string();
  std::string bytes = slurp(model_);
  std::ofstream(corrupt, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  cv::Mat img(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
  std::string good = (dir_ / "good.png").string();
  ASSERT_TRUE(cv::imwrite(good, img));
  std::string err = (dir_ / "err.txt").string();
  ProcessResult r = run(std::string(VKCNN_CLASSIFY) + " --model " + corrupt + " " + good + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(slurp(err).find(corrupt + ":"), std::string::npos) << slurp(err);
}

// A 30000x30000 PNG compresses to under 1 MB and used to cost 1.9 GB: the header is checked
// before anything is decoded (only the header exists here, so decoding would fail anyway,
// but with another message).
TEST_F(ClassifyTool, ImageLargerThanTheLimitIsRefusedFromItsHeader) {
  std::string huge = (dir_ / "huge.png").string();
  std::ofstream out(huge, std::ios::binary);
  const unsigned char header[] = {0x89, 'P', 'N', 'G',  '\r', '\n', 0x1A, '\n', 0,    0, 0, 13, 'I', 'H', 'D',
                                  'R',  0,   0,   0x75, 0x30, 0,    0,    0x75, 0x30, 8, 2, 0,  0,   0};
  out.write(reinterpret_cast<const char*>(header), sizeof header);
  out.close();
  std::string err = (dir_ / "err.txt").string();
  ProcessResult r = run(std::string(VKCNN_CLASSIFY) + " --model " + model_ + " " + huge + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(slurp(err).find(huge + ": the image is 30000x30000, above the limit of 64 megapixels"), std::string::npos)
      << slurp(err);
}

// NaN weights used to load and print no labels with exit 0.
TEST_F(ClassifyTool, ModelWithNanWeightsIsRefused) {
  Weights nan_weights = weights_;
  nan_weights.at("c1.weight").values[3] = std::nanf("");
  std::string bad = (dir_ / "nan.vkcnn").string();
  write_model_file(bad, spec_, nan_weights);
  cv::Mat img(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
  std::string good = (dir_ / "good.png").string();
  ASSERT_TRUE(cv::imwrite(good, img));
  std::string err = (dir_ / "err.txt").string();
  ProcessResult r = run(std::string(VKCNN_CLASSIFY) + " --model " + bad + " --json " + good + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(slurp(err).find(bad + ": tensor 'c1.weight' holds NaN at index 3"), std::string::npos) << slurp(err);
}

// No driver at all (the loader is pointed at an ICD that does not exist), and a device name
// that matches nothing: both say what is missing and how to get it, and exit non-zero.
TEST_F(ClassifyTool, NoVulkanDeviceIsAClearError) {
  cv::Mat img(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
  std::string good = (dir_ / "good.png").string();
  ASSERT_TRUE(cv::imwrite(good, img));
  std::string err = (dir_ / "err.txt").string();
  ProcessResult r = run("VK_ICD_FILENAMES=/nonexistent/icd.json VK_DRIVER_FILES=/nonexistent/icd.json " +
                        std::string(VKCNN_CLASSIFY) + " --model " + model_ + " " + good + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(slurp(err).find("mesa-vulkan-drivers"), std::string::npos) << slurp(err);

  r = run("VKCNN_DEVICE=no-such-gpu " + std::string(VKCNN_CLASSIFY) + " --model " + model_ + " " + good + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(slurp(err).find("no Vulkan device matches \"no-such-gpu\"; devices: 0: "), std::string::npos) << slurp(err);
}

}  // namespace
}  // namespace vkcnn
