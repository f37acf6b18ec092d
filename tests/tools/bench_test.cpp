// vkcnn-bench run as a process: every mode prints JSON with the shared fields and positive
// numbers, and bad flags are refused with a message. Nothing here asserts how fast anything is.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <vkcnn/model/spec.h>

#include "support/gpu_test.h"
#include "support/process.h"
#include "support/scratch_dir.h"
#include "support/tiny_model.h"

namespace vkcnn {
namespace {

using test::ProcessResult;
using test::run_command;
using test::slurp;

const std::string kBench = VKCNN_BENCH;
const std::string kRefcnn = std::string(VKCNN_SOURCE_DIR) + "/models/refcnn.json";

// Every result entry of every mode: batch, median_ms, min_ms, images_per_s, all positive.
void expect_result(const nlohmann::json& r, uint32_t batch, const std::string& context) {
  EXPECT_EQ(r.at("batch").get<uint32_t>(), batch) << context;
  for (const char* key : {"median_ms", "min_ms", "images_per_s"}) {
    ASSERT_TRUE(r.contains(key)) << key << " missing: " << context;
    EXPECT_GT(r.at(key).get<double>(), 0.0) << key << ": " << context;
  }
  EXPECT_LE(r.at("min_ms").get<double>(), r.at("median_ms").get<double>()) << context;
}

class BenchTool : public ::testing::Test {
 protected:
  void SetUp() override {
    arch_ = scratch_.path("tiny.json");
    std::ofstream(arch_) << test::kTinyRgbArch;
  }

  // Runs vkcnn-bench with `flags`; stderr goes to a file returned in err.
  ProcessResult bench(const std::string& flags, std::string* err = nullptr) {
    const std::string err_path = scratch_.path("err.txt");
    ProcessResult r = run_command(kBench + " " + flags + " 2>" + err_path);
    if (err) *err = slurp(err_path);
    return r;
  }

  test::ScratchDir scratch_{"vkcnn-bench-test"};
  std::string arch_;
};

TEST_F(BenchTool, ForwardJsonHasOneResultPerBatch) {
  ProcessResult r = bench("--arch " + arch_ + " --batch 1,3 --runs 2 --warmup 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("mode"), "forward");
  EXPECT_EQ(j.at("model"), arch_);
  EXPECT_FALSE(j.at("device").get<std::string>().empty());
  ASSERT_EQ(j.at("results").size(), 2u);
  expect_result(j["results"][0], 1, r.out);
  expect_result(j["results"][1], 3, r.out);
  // auto resolves to what ran; fp16 is what was asked, and says so.
  EXPECT_EQ(j.at("precision"), "fp32") << "auto on a CPU device (lavapipe) is fp32";
  r = bench("--arch " + arch_ + " --batch 2 --runs 1 --warmup 0 --precision fp16 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("precision"), "fp16");
  expect_result(j["results"][0], 2, r.out);

  r = bench("--op '{\"type\": \"maxpool2d\", \"kernel\": 2}' --shape 2,3,9,8 --runs 2");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("input (2, 3, 9, 8)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("backward"), std::string::npos) << r.out;
}

TEST_F(BenchTool, TrainTimesRefcnnStepsWithEitherOptimizer) {
  ProcessResult r = bench("--arch " + kRefcnn + " --train --batch 4 --runs 2 --warmup 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("mode"), "train");
  EXPECT_EQ(j.at("optimizer"), "adamw");
  EXPECT_DOUBLE_EQ(j.at("lr").get<double>(), 1e-3);
  ASSERT_EQ(j.at("results").size(), 1u);
  expect_result(j["results"][0], 4, r.out);
  // Ten classes, random labels: the cross-entropy of a fresh model is finite and near ln 10.
  ASSERT_TRUE(j["results"][0].at("last_loss").is_number()) << r.out;
  const double loss = j["results"][0]["last_loss"].get<double>();
  EXPECT_TRUE(std::isfinite(loss) && loss > 0 && loss < 20) << r.out;

  r = bench("--arch " + kRefcnn + " --train --optimizer sgd --lr 0.01 --batch 2 --runs 1 --warmup 0");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("sgd, lr 0.01"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("images/s"), std::string::npos) << r.out;
}

TEST_F(BenchTool, FrameTimesEveryStageForPackedPlanarAndGrayFormats) {
  for (const char* format : {"BGRA", "RGB", "GRAY8", "NV12", "I420"}) {
    const std::string frame = std::string("33x17:") + format;  // odd sizes: chroma planes round up
    ProcessResult r = bench("--arch " + arch_ + " --frame " + frame + " --runs 2 --warmup 1 --json");
    ASSERT_EQ(r.status, 0) << frame << ": " << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("mode"), "frame");
    EXPECT_EQ(j.at("frame"), frame);
    ASSERT_EQ(j.at("results").size(), 1u);
    const auto& e = j["results"][0];
    expect_result(e, 1, r.out);
    EXPECT_DOUBLE_EQ(e.at("frames_per_s").get<double>(), e.at("images_per_s").get<double>());
    for (const char* stage : {"copy", "submit_wait_readback", "top_k"})
      EXPECT_GE(e.at("stages_median_ms").at(stage).get<double>(), 0.0) << stage;
  }
  ProcessResult r = bench("--arch " + arch_ + " --frame 64x48:bgrx --runs 1 --warmup 0");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("frame 64x48:BGRx"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frames/s"), std::string::npos) << r.out;
}

TEST_F(BenchTool, FrameIsReadInPlaceWhereTheDeviceCanAndCopiedWithFrameCopy) {
  // As the element does it: read in place where the device imports host memory, else copied.
  const bool can_import = test::context().info().host_import_alignment != 0;
  for (bool copy : {false, true}) {
    ProcessResult r = bench("--arch " + arch_ + " --frame 64x48:BGRA --runs 2 --warmup 1 --json" +
                            std::string(copy ? " --frame-copy" : ""));
    ASSERT_EQ(r.status, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    const bool in_place = j.at("in_place").get<bool>();
    EXPECT_EQ(in_place, can_import && !copy) << r.out;
    if (in_place) EXPECT_EQ(j["results"][0].at("stages_median_ms").at("copy").get<double>(), 0.0) << r.out;
  }
  ProcessResult r = bench("--arch " + arch_ + " --frame 64x48:BGRA --runs 1 --warmup 0");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(can_import ? "frame read in place" : "copy into the upload buffer"), std::string::npos)
      << r.out;
  std::string err;
  EXPECT_NE(bench("--arch " + arch_ + " --frame-copy", &err).status, 0) << "--frame-copy needs --frame";
  EXPECT_NE(err.find("--frame"), std::string::npos) << err;
}

TEST_F(BenchTool, BadModeFlagsAreRefusedWithAReason) {
  std::string err;
  EXPECT_NE(bench("--arch " + arch_ + " --frame 1920x1080:YUY2", &err).status, 0);
  EXPECT_NE(err.find("unknown format \"YUY2\" (known: RGB, BGR"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --frame 1920:BGRA", &err).status, 0);
  EXPECT_NE(err.find("expected WIDTHxHEIGHT:FORMAT"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --frame 64x48:RGB --batch 2", &err).status, 0);
  EXPECT_NE(err.find("excludes"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --train --optimizer adam", &err).status, 0);
  EXPECT_NE(err.find("adam"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --optimizer sgd", &err).status, 0);
  EXPECT_NE(err.find("requires --train"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --train --precision fp16", &err).status, 0);
  EXPECT_NE(err.find("--precision excludes --train"), std::string::npos) << err;
  EXPECT_NE(bench("--arch " + arch_ + " --precision half", &err).status, 0);
  EXPECT_NE(err.find("--precision"), std::string::npos) << err;
}

// bench/compare.sh and bench/bench_table.py: no PyTorch, no table (and no half table); the join
// of a vkcnn-bench result with a PyTorch line gives one row with its ratio.
TEST_F(BenchTool, CompareNeedsPyTorchAndTheTableIsWholeOrAbsent) {
  const std::string source = VKCNN_SOURCE_DIR;
  // kBench is <build>/tools/bench/vkcnn-bench.
  const std::string build = std::filesystem::path(kBench).parent_path().parent_path().parent_path().string();
  std::string err_path = scratch_.path("compare.err");
  ProcessResult r = run_command("PYTHON=/bin/false VKCNN_BUILD_DIR=" + build + " " + source +
                                "/bench/compare.sh quick 2>" + err_path);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(slurp(err_path).find("install python3-torch and python3-torchvision"), std::string::npos)
      << slurp(err_path);

  // scripts/setup.sh installs python3: its absence is a broken setup, not a reason to skip.
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/python3")) << "no /usr/bin/python3 for bench_table.py";
  r = bench("--arch " + arch_ + " --batch 2 --runs 2 --warmup 0 --json");
  ASSERT_EQ(r.status, 0);
  std::ofstream(scratch_.path("vk.json")) << r.out;
  std::ofstream(scratch_.path("pt.json"))
      << R"({"model": "tiny", "device": "cpu0", "device_type": "CPU", "mode": "forward", "torch": "9.9", "threads": 3,)"
      << R"( "dtype": "fp32", "results": [{"batch": 2, "median_ms": 4.0, "min_ms": 3.0, "images_per_s": 500.0}]})"
      << "\n";
  std::ofstream(scratch_.path("manifest"))
      << "tiny forward\tlatency\t2\t" << scratch_.path("vk.json") << "\t" << scratch_.path("pt.json") << "\n";
  const std::string table = "/usr/bin/python3 " + source + "/bench/bench_table.py " + scratch_.path("manifest");
  r = run_command(table + " --cpu 'Test CPU' --cores 3 2>" + err_path);
  ASSERT_EQ(r.status, 0) << slurp(err_path);
  EXPECT_NE(r.out.find("| tiny forward | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" | 4 ms (500 img/s) | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("× time |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Machine: Test CPU, 3 cores."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PyTorch 9.9 on cpu0 (CPU), 3 CPU threads"), std::string::npos) << r.out;

  // A PyTorch side that printed nothing: no table at all, and the reason names the file.
  std::ofstream(scratch_.path("pt.json"), std::ios::trunc);
  r = run_command(table + " 2>" + err_path);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(slurp(err_path).find("pt.json: empty"), std::string::npos) << slurp(err_path);
}

}  // namespace
}  // namespace vkcnn
