#include "layers/dropout.h"

#include <gtest/gtest.h>

#include <numeric>

#include "reference/dropout.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

using test::HostTensor;

std::unique_ptr<Layer> make_dropout(double p) { return make_layer({{"type", "dropout"}, {"p", p}}, "d"); }

double zero_fraction(const std::vector<float>& v) {
  return double(std::count(v.begin(), v.end(), 0.f)) / double(v.size());
}

TEST(Dropout, InferenceIsTheIdentityWithoutWork) {
  std::mt19937 rng(3);
  Shape in{2, 3, 13, 11};
  auto layer = make_dropout(0.5);
  EXPECT_TRUE(layer->aliases_input(false));
  EXPECT_FALSE(layer->aliases_input(true));
  auto x = test::random_floats(in.count(), rng);
  auto y = test::run_forward(*layer, {HostTensor{in, x}}, {}, /*training=*/false, /*seed=*/42);
  EXPECT_EQ(y, x);
}

// Exactly representable p (0.25, 0.5): the reference then draws the very same threshold.
TEST(Dropout, TrainingMatchesReferenceMask) {
  std::mt19937 rng(4);
  for (double p : {0.25, 0.5, 0.0}) {
    for (Shape in : {Shape{2, 3, 13, 11}, Shape{1, 1, 1, 7}}) {
      auto layer = make_dropout(p);
      auto x = test::random_floats(in.count(), rng, 0.5f, 1.5f);  // no zeros of its own
      auto y = test::run_forward(*layer, {HostTensor{in, x}}, {}, true, 1234);
      auto ref = reference::dropout_forward(test::to_double(x), p, 1234);
      const std::string what = "p " + std::to_string(p) + " " + in.str();
      EXPECT_CLOSE_TO_REFERENCE(y, ref, test::kForwardTolerance, what);
      std::size_t mask_mismatches = 0;
      for (std::size_t i = 0; i < y.size(); ++i) mask_mismatches += (y[i] == 0.f) != (ref[i] == 0.0);
      EXPECT_EQ(mask_mismatches, 0u) << what;
    }
  }
}

// 65536 elements: the fraction dropped has a standard deviation of at most 0.002, so a bound
// of 0.01 (5 sigma) fails a biased mask, not a fair one.
TEST(Dropout, DropsAboutPOfTheElementsAndScalesTheRest) {
  std::mt19937 rng(5);
  Shape in{4, 16, 32, 32};
  auto x = test::random_floats(in.count(), rng, 0.5f, 1.5f);
  for (double p : {0.1, 0.3, 0.5, 0.9}) {
    auto layer = make_dropout(p);
    auto y = test::run_forward(*layer, {HostTensor{in, x}}, {}, true, 99);
    EXPECT_NEAR(zero_fraction(y), p, 0.01) << "p " << p;
    // Each image on its own too: the hash must not favour positions.
    for (std::size_t part = 0; part < 4; ++part) {
      std::vector<float> image(y.begin() + part * in.per_image(), y.begin() + (part + 1) * in.per_image());
      EXPECT_NEAR(zero_fraction(image), p, 0.025) << "p " << p << " image " << part;
    }
    const float scale = 1.f / (1.f - float(p));
    double worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      if (y[i] != 0.f) worst = std::max(worst, std::abs(double(y[i]) - double(x[i]) * scale) / (x[i] * scale));
    EXPECT_LT(worst, 1e-6) << "kept values are x / (1 - p), p " << p;
  }
}

TEST(Dropout, SameSeedSameMaskOtherSeedOtherMask) {
  std::mt19937 rng(6);
  Shape in{2, 8, 16, 16};
  auto layer = make_dropout(0.5);
  auto x = test::random_floats(in.count(), rng, 0.5f, 1.5f);
  auto first = test::run_forward(*layer, {HostTensor{in, x}}, {}, true, 7);
  auto again = test::run_forward(*layer, {HostTensor{in, x}}, {}, true, 7);
  EXPECT_EQ(first, again);
  for (uint32_t other : {8u, 7u ^ 0x80000000u}) {
    auto y = test::run_forward(*layer, {HostTensor{in, x}}, {}, true, other);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < y.size(); ++i) differ += (y[i] == 0.f) != (first[i] == 0.f);
    // Independent masks at p = 0.5 disagree on half the elements.
    EXPECT_NEAR(double(differ) / double(y.size()), 0.5, 0.02) << "seed " << other;
  }
}

TEST(Dropout, BackwardUsesTheForwardMaskAndMatchesFiniteDifferences) {
  std::mt19937 rng(8);
  Shape in{2, 3, 13, 11};
  const double p = 0.25;
  const uint32_t seed = 2024;
  auto layer = make_dropout(p);
  auto x = test::random_floats(in.count(), rng, 0.5f, 1.5f);
  auto dy = test::random_floats(in.count(), rng, 0.5f, 1.5f);
  const float grad_init = 0.5f;
  auto r = test::run_backward(*layer, {HostTensor{in, x}}, {}, dy, seed, grad_init);

  auto added = r.grad_inputs[0];
  for (float& g : added) g -= grad_init;  // what backward added (an overwrite fails here)
  std::size_t inconsistent = 0;
  for (std::size_t i = 0; i < added.size(); ++i) inconsistent += (added[i] == 0.f) != (r.output[i] == 0.f);
  EXPECT_EQ(inconsistent, 0u) << "backward's mask differs from forward's";
  EXPECT_NEAR(zero_fraction(added), p, 0.05);

  auto dyd = test::to_double(dy);
  auto loss = [&](const std::vector<double>& v) {
    auto y = reference::dropout_forward(v, p, seed);
    return std::inner_product(y.begin(), y.end(), dyd.begin(), 0.0);
  };
  auto numeric = test::numeric_gradient(loss, test::to_double(x));
  EXPECT_CLOSE_TO_REFERENCE(added, reference::dropout_backward(dyd, p, seed), test::kBackwardTolerance, "reference");
  EXPECT_CLOSE_TO_REFERENCE(added, numeric, test::kBackwardTolerance, "finite differences");
}

TEST(Dropout, POutsideZeroToOneIsRejected) {
  for (const nlohmann::json& p : {nlohmann::json(1.0), nlohmann::json(-0.1), nlohmann::json("half")}) {
    try {
      make_layer({{"type", "dropout"}, {"p", p}}, "d1");
      ADD_FAILURE() << "no error for p = " << p.dump();
    } catch (const Error& e) {
      EXPECT_CONTAINS(std::string(e.what()), "layer 'd1': attribute \"p\"");
    }
  }
  EXPECT_NO_THROW(make_layer({{"type", "dropout"}}, "d1"));  // p = 0.5 by default
}

}  // namespace
}  // namespace vkcnn
