// Shuffling, augmentation and normalisation on a tiny dataset whose pixels are their own
// coordinates, so every move can be checked exactly; plus the reports and curves the CLI prints.
#include "batches.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include "curves.h"
#include "report.h"

namespace vkcnn::trainer {
namespace {

// Two 1-channel 5x7 images; pixel value = 10 * y + x + 1 (image 1: + 100), so 0 means padding.
Dataset coordinates() {
  Dataset d;
  d.height = 5, d.width = 7;
  for (int i = 0; i < 2; ++i) {
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x) d.pixels.push_back(static_cast<uint8_t>(10 * y + x + 1 + 100 * i));
    d.labels.push_back(i);
  }
  d.classes = {"a", "b"};
  return d;
}

InputSpec identity_input() {
  InputSpec in;
  in.height = 5, in.width = 7;
  in.mean = {0};
  in.std = {1.f / 255};  // (v / 255 - 0) / (1 / 255) = v: normalised values are the raw pixels
  return in;
}

TEST(Batches, EpochOrderIsASeededPermutation) {
  auto a = epoch_order(1000, 7, 0), b = epoch_order(1000, 7, 0), c = epoch_order(1000, 7, 1),
       d = epoch_order(1000, 8, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c) << "epochs shuffle differently";
  EXPECT_NE(a, d) << "seeds shuffle differently";
  std::set<std::size_t> seen(a.begin(), a.end());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.rbegin(), 999u);
}

TEST(Batches, NormalisesWithMeanAndStd) {
  Dataset d = coordinates();
  InputSpec in = identity_input();
  in.mean = {0.5f};
  in.std = {0.25f};
  std::vector<float> out(2 * 35);
  std::vector<uint32_t> labels(2);
  const std::size_t idx[] = {1, 0};
  fill_batch(d, idx, Normalizer(in), Augment{}, 0, out, labels);
  EXPECT_EQ(labels, (std::vector<uint32_t>{1, 0}));
  for (int k = 0; k < 35; ++k) {
    EXPECT_FLOAT_EQ(out[k], (d.pixels[35 + k] / 255.f - 0.5f) / 0.25f);
    EXPECT_FLOAT_EQ(out[35 + k], (d.pixels[k] / 255.f - 0.5f) / 0.25f);
  }
}

TEST(Batches, CropShiftsWithZeroPaddingAndFlipMirrors) {
  Dataset d = coordinates();
  Normalizer norm(identity_input());
  std::vector<float> out(35);
  std::vector<uint32_t> labels(1);
  const std::size_t idx[] = {0};
  std::set<std::pair<int, int>> shifts;
  int flips = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    fill_batch(d, idx, norm, Augment{2, true}, seed, out, labels);
    // Find the shift: some output pixel is a real pixel (value 10y + x + 1) unless all padding.
    int dy = 99, dx = 99;
    bool flipped = false;
    for (int y = 0; y < 5 && dy == 99; ++y)
      for (int x = 0; x < 7; ++x) {
        const int v = static_cast<int>(std::lround(out[y * 7 + x]));
        if (v == 0) continue;
        const int sy = (v - 1) / 10, sx = (v - 1) % 10;
        // Unflipped: sx = x + dx. Flipped: sx = (6 - x) + dx. The neighbour tells which.
        if (x + 1 < 7 && std::lround(out[y * 7 + x + 1]) != 0) flipped = std::lround(out[y * 7 + x + 1]) == v - 1;
        dy = sy - y;
        dx = flipped ? sx - (6 - x) : sx - x;
        break;
      }
    ASSERT_NE(dy, 99) << "seed " << seed << ": everything is padding";
    ASSERT_LE(std::abs(dy), 2);
    ASSERT_LE(std::abs(dx), 2);
    shifts.insert({dy, dx});
    flips += flipped;
    // Every output pixel must be exactly what the shift and flip predict.
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x) {
        const int sy = y + dy, sx = (flipped ? 6 - x : x) + dx;
        const float expected = sy >= 0 && sy < 5 && sx >= 0 && sx < 7 ? 10 * sy + sx + 1 : 0;
        ASSERT_FLOAT_EQ(out[y * 7 + x], expected) << "seed " << seed << " at " << y << "," << x;
      }
  }
  EXPECT_EQ(shifts.size(), 25u) << "every offset in [-2, 2]^2 occurs";
  EXPECT_GT(flips, 60);
  EXPECT_LT(flips, 140);
  std::vector<float> again(35);
  fill_batch(d, idx, norm, Augment{2, true}, 199, again, labels);
  EXPECT_EQ(again, out) << "same seed, same augmentation";
}

TEST(Report, CountsPerClassAndFormatsTheConfusionMatrix) {
  Evaluation e(3);
  e.add(0, 0, 0.1), e.add(0, 1, 2.0), e.add(1, 1, 0.3), e.add(1, 1, 0.2);
  EXPECT_EQ(e.count(), 4u);
  EXPECT_DOUBLE_EQ(e.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(e.mean_loss(), 2.6 / 4);
  auto pc = e.per_class_accuracy();
  EXPECT_DOUBLE_EQ(pc[0], 0.5);
  EXPECT_DOUBLE_EQ(pc[1], 1.0);
  EXPECT_TRUE(std::isnan(pc[2]));
  const std::string text = format_report(e, {"cat", "dog", "emu"});
  EXPECT_NE(text.find("accuracy 75.00% (3/4), loss 0.6500"), std::string::npos) << text;
  EXPECT_NE(text.find("cat    50.00% (2)"), std::string::npos) << text;
  EXPECT_NE(text.find("emu       -   (no samples)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 dog      0   2   0"), std::string::npos) << text;
  auto j = report_json(e, {"cat", "dog", "emu"});
  EXPECT_EQ(j["confusion"][0][1], 1);
  EXPECT_EQ(j["classes"][1]["label"], "dog");
  EXPECT_TRUE(j["classes"][2]["accuracy"].is_null());
}

TEST(Curves, WritesCsvAndAPlotOpenCvCanRead) {
  std::vector<EpochStats> h;
  for (uint32_t e = 1; e <= 4; ++e) {
    EpochStats s;
    s.epoch = e, s.lr = 0.1 / e, s.train_loss = 1.0 / e, s.train_accuracy = 0.5 + 0.1 * e;
    if (e != 2) s.val_loss = 1.1 / e, s.val_accuracy = 0.45 + 0.1 * e;
    h.push_back(s);
  }
  EXPECT_EQ(epoch_stats_from_json(to_json(h[2])).val_accuracy, h[2].val_accuracy);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string csv = (dir / "vkcnn_curves_test.csv").string(), png = (dir / "vkcnn_curves_test.png").string();
  write_curves_csv(csv, h);
  std::ifstream in(csv);
  std::string header, line1, line2;
  std::getline(in, header), std::getline(in, line1), std::getline(in, line2);
  EXPECT_EQ(header, "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second");
  EXPECT_EQ(line1.rfind("1,0.1,1.000000,0.600000,1.100000,0.550000,", 0), 0u) << line1;
  EXPECT_EQ(line2.rfind("2,0.05,0.500000,0.700000,,,", 0), 0u) << line2;
  plot_curves(png, h, "test run");
  cv::Mat img = cv::imread(png);
  EXPECT_EQ(img.cols, 1000);
  EXPECT_EQ(img.rows, 480);
  std::filesystem::remove(csv);
  std::filesystem::remove(png);
  try {
    plot_curves((dir / "no_such_dir/x.png").string(), h, "t");
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_dir/x.png: cannot write the plot"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkcnn::trainer
