// What every GPU test needs: one shared device, seeded random data, the error measure the
// tests assert on, and a way to run one layer's forward/backward on the device.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <vkcnn/layers/layer.h>
#include <vkcnn/tensor.h>
#include <vkcnn/vk/context.h>

namespace vkcnn::test {

// The device all tests share (created on first use; picked as users pick theirs: VKCNN_DEVICE).
Context& context();

std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float lo = -1.f, float hi = 1.f);
std::vector<double> to_double(std::span<const float> v);

// ||gpu - ref|| / ||ref|| (or the plain norm of the difference when ref is all zeros).
double relative_error(std::span<const float> gpu, std::span<const double> ref);
// Index of the largest |gpu - ref|, for failure messages.
std::string worst_element(std::span<const float> gpu, std::span<const double> ref);

// The bound for fp32 against the double reference (docs/design.md, "Testing").
inline constexpr double kForwardTolerance = 1e-4;
inline constexpr double kBackwardTolerance = 1e-3;

#define EXPECT_CLOSE_TO_REFERENCE(gpu, ref, tol, what)                             \
  do {                                                                             \
    double err_ = ::vkcnn::test::relative_error(gpu, ref);                         \
    EXPECT_LT(err_, tol) << (what) << ": relative error " << err_ << ", worst at " \
                         << ::vkcnn::test::worst_element(gpu, ref);                \
  } while (0)

// For error-message checks: the text must contain `part`.
#define EXPECT_CONTAINS(text, part)                                         \
  do {                                                                      \
    const std::string text_ = (text);                                       \
    EXPECT_NE(text_.find(part), std::string::npos) << "message: " << text_; \
  } while (0)

struct HostTensor {
  Shape shape;
  std::vector<float> values;
};

// Runs layer.forward on the device for these inputs/params (params in Layer::params() order,
// non-trainable ones included) and returns y.
std::vector<float> run_forward(Layer& layer, const std::vector<HostTensor>& inputs,
                               const std::vector<std::vector<float>>& params, bool training = false, uint32_t seed = 0);

struct BackwardResult {
  std::vector<float> output;
  std::vector<std::vector<float>> grad_inputs;   // per input
  std::vector<std::vector<float>> grad_params;   // per trainable param
  std::vector<std::vector<float>> params_after;  // every param after the pass (running stats move)
};
// Runs forward (training mode) then backward with dL/dy = grad_output, all in one command
// buffer, gradients starting from `grad_init` (zero by default) to check they accumulate.
// `frozen`: the layer as fine-tuning keeps it fixed: an inference-mode forward, and a backward
// asked for dx only (grad_params stays empty).
BackwardResult run_backward(Layer& layer, const std::vector<HostTensor>& inputs,
                            const std::vector<std::vector<float>>& params, const std::vector<float>& grad_output,
                            uint32_t seed = 0, float grad_init = 0.f, bool frozen = false);

// Central finite differences in double: d f / d x_i for every i.
std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x,
                                     double step = 1e-5);

}  // namespace vkcnn::test
