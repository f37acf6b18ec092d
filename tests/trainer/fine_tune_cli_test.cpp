// vkcnn-train and vkcnn-eval as processes on an image folder the test writes: fine-tuning the
// shipped Fashion-MNIST model's head on three new classes raises validation accuracy from chance,
// vkcnn-eval scores the same held-out split, and every new error path says what to do.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <vkcnn/model/model_file.h>

#include "support/process.h"
#include "support/scratch_dir.h"

namespace vkcnn {
namespace {

const std::string kModel = std::string(VKCNN_SOURCE_DIR) + "/models/fashion-mnist.vkcnn";

// DIR/<class>/<n>.png: 28x28 gray noise with horizontal stripes, vertical stripes or a grid of dots.
const test::ScratchDir& folder() {
  static test::ScratchDir dir("vkcnn-finetune");
  static bool written = [] {
    cv::RNG rng(7);
    for (const std::string cls : {"dots", "horizontal", "vertical"}) {
      std::filesystem::create_directories(dir.path(cls));
      for (int i = 0; i < 30; ++i) {
        cv::Mat img(28, 28, CV_8UC1);
        rng.fill(img, cv::RNG::UNIFORM, 0, 80);
        for (int y = 0; y < 28; ++y)
          for (int x = 0; x < 28; ++x) {
            const bool on = cls == "horizontal" ? y % 4 == 0
                            : cls == "vertical" ? x % 4 == 0
                                                : x % 4 == 0 && y % 4 == 0;
            if (on) img.at<uint8_t>(y, x) += 150;
          }
        cv::imwrite(dir.path(cls + "/" + std::to_string(i) + ".png"), img);
      }
    }
    return true;
  }();
  (void)written;
  return dir;
}

test::ProcessResult train(const std::string& args) {
  return test::run_command(std::string(VKCNN_TRAIN) + " --data folder:" + folder().path() + " " + args + " 2>&1");
}

TEST(FineTuneCli, ResetHeadOnAnImageFolderLearnsTheNewClasses) {
  test::ScratchDir out("vkcnn-finetune-out");
  const std::string model = out.path("ft.vkcnn");
  auto r = train("--init " + kModel + " --reset-head --classes 3 --freeze all-but-head --val-split 0.3 --seed 3 " +
                 "--epochs 3 --batch 16 --lr 0.02 --out " + model);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("frozen: c1, c2, f1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the last batch of each epoch holds 15 images"), std::string::npos) << r.out;  // 63 = 3*16+15
  EXPECT_NE(r.out.find("kept epoch "), std::string::npos) << r.out;

  const ModelFile file = read_model_file(model);
  EXPECT_EQ(file.spec.labels, (std::vector<std::string>{"dots", "horizontal", "vertical"}));
  EXPECT_EQ(file.spec.input.mean, read_model_file(kModel).spec.input.mean) << "preprocessing comes from the model";

  // The same held-out images, scored through the inference path: far above chance (1/3).
  auto e = test::run_command(std::string(VKCNN_EVAL) + " --model " + model + " --data folder:" + folder().path() +
                             " --split val --val-split 0.3 --seed 3 --json");
  ASSERT_EQ(e.status, 0) << e.out;
  const auto report = nlohmann::json::parse(e.out);
  EXPECT_EQ(report.at("samples"), 27);
  EXPECT_GT(report.at("accuracy").get<double>(), 0.8) << e.out;
}

TEST(FineTuneCli, ErrorsSayWhatToDo) {
  test::ScratchDir out("vkcnn-finetune-err");
  const std::string o = " --out " + out.path("x.vkcnn");
  auto r = train("--init " + kModel + o);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find(": 3 classes (dots, horizontal, vertical), but " + kModel +
                       " outputs 10: --reset-head replaces its last layer"),
            std::string::npos)
      << r.out;
  r = train("--init " + kModel + " --reset-head --classes 4" + o);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--classes 4, but folder:" + folder().path() + " has 3 classes"), std::string::npos) << r.out;
  r = train("--init " + kModel + " --reset-head --freeze c1,conv7 --val-split 0.3" + o);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cannot freeze 'conv7': no layer of that name (layers with parameters: c1, c2, f1, f2)"),
            std::string::npos)
      << r.out;
  r = train("--init " + kModel + " --reset-head --keep best --epochs 1" + o);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--keep best needs a validation split (--val-split F, e.g. 0.2)"), std::string::npos) << r.out;
  r = train("--init " + kModel + " --reset-head --mean 0.5,0.5" + o);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--mean \"0.5,0.5\": 2 values for a model with 1 input channels"), std::string::npos) << r.out;

  // A folder without a test split: the trainer notes it, vkcnn-eval suggests --split val.
  r = train("--init " + kModel + " --reset-head --freeze all-but-head --epochs 1 --batch 32" + o);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("has no test split (DIR/test or DIR/val), so nothing validates this run; --val-split 0.2"),
            std::string::npos)
      << r.out;
  auto e = test::run_command(std::string(VKCNN_EVAL) + " --model " + out.path("x.vkcnn") +
                             " --data folder:" + folder().path() + " 2>&1");
  EXPECT_NE(e.status, 0);
  EXPECT_NE(e.out.find("has no test split (DIR/test or DIR/val); score the trainer's validation split with --split val "
                       "--val-split F --seed S"),
            std::string::npos)
      << e.out;
  e = test::run_command(std::string(VKCNN_EVAL) + " --model " + out.path("x.vkcnn") +
                        " --data folder:" + folder().path() + " --split val 2>&1");
  EXPECT_NE(e.status, 0);
  EXPECT_NE(e.out.find("--split val needs --val-split F"), std::string::npos) << e.out;
}

}  // namespace
}  // namespace vkcnn
