// fp16 inference on a real model and real images: the shipped Fashion-MNIST model classifies
// the 10 000 test images in fp16 as it does in fp32. The layer tests bound each kernel's error
// on random data; this bounds what a user sees (the top class, the probabilities) after every
// layer's rounding has compounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/scores.h>

#include "batches.h"
#include "data_source.h"
#include "support/gpu_test.h"

namespace vkcnn::trainer {
namespace {

const char* kDataDir = "/usr/share/datasets/fashion-mnist";
const std::string kModel = std::string(VKCNN_SOURCE_DIR) + "/models/fashion-mnist.vkcnn";

// Probabilities per image, image after image, from a plan of this precision.
std::vector<float> classify_all(const Model& model, const Dataset& data, Precision precision) {
  const uint32_t batch = 500;  // divides 10 000: no padded last batch
  ForwardPlan plan(model, batch, precision);
  EXPECT_EQ(plan.precision(), precision);
  Normalizer norm(model.spec().input);
  std::vector<float> images(std::size_t(batch) * data.image_bytes());
  std::vector<uint32_t> labels(batch);
  std::vector<std::size_t> idx(batch);
  std::vector<float> all;
  for (std::size_t at = 0; at + batch <= data.size(); at += batch) {
    for (std::size_t k = 0; k < batch; ++k) idx[k] = at + k;
    fill_batch(data, idx, norm, Augment{}, 0, images, labels);
    const std::vector<float> out = plan.run(images);
    for (std::size_t k = 0; k < batch; ++k) {
      auto p = probabilities(model.graph(), std::span(out).subspan(k * model.classes(), model.classes()));
      all.insert(all.end(), p.begin(), p.end());
    }
  }
  return all;
}

TEST(ShippedModelFp16, ClassifiesTheTestSetAsFp32Does) {
  // scripts/setup.sh installs the data set: its absence is a broken setup, not a reason to skip.
  ASSERT_TRUE(std::filesystem::exists(std::string(kDataDir) + "/t10k-images-idx3-ubyte.gz"))
      << kDataDir << " is missing (Debian package dataset-fashion-mnist)";
  auto model = Model::load(test::context(), kModel);
  const DataSplits splits = load_data(std::string("fashion-mnist:") + kDataDir, model->spec().input);
  ASSERT_TRUE(splits.test);
  const Dataset& test_set = *splits.test;
  ASSERT_EQ(test_set.size(), 10000u);

  const std::vector<float> p32 = classify_all(*model, test_set, Precision::Fp32);
  const std::vector<float> p16 = classify_all(*model, test_set, Precision::Fp16);
  ASSERT_EQ(p32.size(), p16.size());
  const std::size_t classes = model->classes();
  std::size_t same_top = 0, right32 = 0, right16 = 0;
  double worst = 0;
  for (std::size_t i = 0; i < test_set.size(); ++i) {
    auto a = std::span(p32).subspan(i * classes, classes), b = std::span(p16).subspan(i * classes, classes);
    const auto top32 = std::size_t(std::max_element(a.begin(), a.end()) - a.begin());
    const auto top16 = std::size_t(std::max_element(b.begin(), b.end()) - b.begin());
    same_top += top32 == top16;
    right32 += top32 == test_set.labels[i];
    right16 += top16 == test_set.labels[i];
    for (std::size_t c = 0; c < classes; ++c) worst = std::max(worst, double(std::fabs(a[c] - b[c])));
  }
  // Disagreement can only come from images whose two best classes are nearly tied; 1 in 200
  // would mean fp16 changes answers, not just breaks ties.
  EXPECT_GE(same_top, 9950u) << "fp16 and fp32 agree on the top class of " << same_top << " of 10000 images";
  // Eight layers of 11-bit rounding move a probability by a few thousandths at most.
  EXPECT_LE(worst, 1e-2) << "largest probability difference between fp16 and fp32";
  EXPECT_LE(std::max(right32, right16) - std::min(right32, right16), 20u)
      << "test accuracy: fp32 " << right32 / 100.0 << " %, fp16 " << right16 / 100.0 << " %";
  std::printf("fp32 %.2f %%, fp16 %.2f %%, same top class %zu / 10000, largest probability difference %.2e\n",
              right32 / 100.0, right16 / 100.0, same_top, worst);
}

}  // namespace
}  // namespace vkcnn::trainer
