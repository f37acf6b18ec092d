// Every layer's _fp16 shader variants, run by a Precision::Fp16 plan, against the double
// reference. Inputs and weights are first rounded to fp16 (what the plan stores), so the
// reference sees exactly the values the device reads; what remains is the rounding of each
// stored output (at most 2^-11 of it) and fp32 arithmetic. Each case is a one-layer model (an
// activation after a conv is fused into it), so the output is rounded once: the bound is
// twice that rounding. CI runs these with texel inputs (lavapipe's default) and again with
// storage buffers (the storage_inputs. prefix).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/init.h>
#include <vkcnn/model/model.h>

#include "reference/fp16.h"
#include "reference/model.h"
#include "support/gpu_test.h"

namespace vkcnn {
namespace {

constexpr double kFp16Tolerance = 2 * reference::kFp16RelativeRounding;

struct Fp16Case {
  const char* what;
  uint32_t channels, height, width, batch;
  const char* layers;  // the spec's "layers" array
};

ModelSpec spec_of(const Fp16Case& c) {
  return parse_model_spec(std::string(R"({"name": ")") + c.what + R"(", "input": {"channels": )" +
                              std::to_string(c.channels) + R"(, "height": )" + std::to_string(c.height) +
                              R"(, "width": )" + std::to_string(c.width) + R"(}, "layers": )" + c.layers + "}",
                          c.what);
}

std::vector<float> rounded(std::vector<float> v) {
  for (float& x : v) x = static_cast<float>(reference::round_to_fp16(x));
  return v;
}

class Fp16Forward : public ::testing::TestWithParam<Fp16Case> {};

TEST_P(Fp16Forward, MatchesReferenceOnFp16RoundedData) {
  const Fp16Case& c = GetParam();
  const ModelSpec spec = spec_of(c);
  Graph graph(spec, spec.name);
  Weights weights = initialize_weights(graph, 3);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> positive(0.5f, 1.5f), centred(-0.5f, 0.5f);
  for (const ParamEntry& e : graph.params()) {
    std::vector<float>& values = weights.at(e.name).values;
    if (graph.nodes()[e.node].layer->type() == "batchnorm2d") {  // statistics that are not the identity
      const bool scale_like = e.name.ends_with(".weight") || e.name.ends_with(".running_var");
      for (float& x : values) x = scale_like ? positive(rng) : centred(rng);
    }
    values = rounded(values);
  }
  Model model(test::context(), spec, weights, spec.name);
  ForwardPlan plan(model, c.batch, Precision::Fp16);
  const auto x = rounded(test::random_floats(plan.input().shape.count(), rng, -2.f, 2.f));
  const auto gpu = plan.run(x);
  const auto ref = reference::model_forward(spec, weights, c.batch, test::to_double(x));
  EXPECT_CLOSE_TO_REFERENCE(gpu, ref, kFp16Tolerance, std::string(c.what) + " batch " + std::to_string(c.batch));
  // The layers with shaders of their own really stored fp16 (not a silent fp32 run): the plan
  // says so, and where the last of them is the model's last layer, every output is an fp16 value.
  const auto& nodes = model.graph().nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].layer->aliases_input(false)) {
      EXPECT_EQ(plan.stores_fp16(i), nodes[i].layer->supports_fp16())
          << "node " << i << " (" << nodes[i].layer->type() << ")";
    }
  }
  if (plan.stores_fp16(nodes.size() - 1)) {
    for (std::size_t i = 0; i < gpu.size(); ++i) {
      ASSERT_EQ(gpu[i], reference::round_to_fp16(gpu[i])) << "output " << i << " is not an fp16 value";
    }
  }
}

// Each conv2d algorithm and GEMM core forced in turn, the other layers with a shader of their
// own, odd sizes throughout (models take 1 or 3 input channels: RGB here).
const Fp16Case kCases[] = {
    {"conv_gemm_shared", 3, 13, 11, 2,
     R"([{"type": "conv2d", "out_channels": 7, "kernel": 3, "padding": 1, "algorithm": "gemm", "gemm": "shared"}])"},
    {"conv_gemm_subgroup", 3, 13, 11, 2,
     R"([{"type": "conv2d", "out_channels": 7, "kernel": 3, "padding": 1, "algorithm": "gemm", "gemm": "subgroup"}])"},
    {"conv_strided_no_bias_relu", 3, 15, 9, 1,
     R"([{"type": "conv2d", "out_channels": 9, "kernel": 3, "stride": 2, "padding": 1, "bias": false},
         {"type": "relu"}])"},
    {"conv_pointwise_vec4", 3, 8, 6, 2, R"([{"type": "conv2d", "out_channels": 10, "kernel": 1}, {"type": "relu6"}])"},
    {"conv_winograd_f4", 3, 11, 13, 2,
     R"([{"type": "conv2d", "out_channels": 5, "kernel": 3, "padding": 1, "algorithm": "winograd"},
         {"type": "hard_swish"}])"},
    {"conv_winograd_f2", 3, 11, 13, 1,
     R"([{"type": "conv2d", "out_channels": 5, "kernel": 3, "padding": 1, "algorithm": "winograd_f2"}])"},
    {"conv_depthwise", 3, 14, 11, 2,
     R"([{"type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1, "groups": 3, "algorithm": "depthwise"},
         {"type": "silu"}])"},
    // A 2x2 max pool fused into the conv: pooled in the subgroup core's epilogue, or by a max
    // pool over the shared-memory core's output in scratch.
    {"conv_max_pool_subgroup", 3, 13, 11, 2,
     R"([{"type": "conv2d", "out_channels": 7, "kernel": 3, "padding": 1, "gemm": "subgroup"},
         {"type": "leaky_relu", "negative_slope": 0.1}, {"type": "maxpool2d", "kernel": 2}])"},
    {"conv_max_pool_shared", 3, 13, 11, 2,
     R"([{"type": "conv2d", "out_channels": 7, "kernel": 3, "padding": 1, "gemm": "shared"},
         {"type": "leaky_relu", "negative_slope": 0.1}, {"type": "maxpool2d", "kernel": 2}])"},
    {"dense_gemv", 3, 5, 7, 3, R"([{"type": "flatten"}, {"type": "dense", "out_features": 11}])"},
    {"dense_gemm_batch_10", 3, 5, 7, 10, R"([{"type": "flatten"}, {"type": "dense", "out_features": 11}])"},
    {"sigmoid", 3, 7, 9, 2, R"([{"type": "sigmoid"}])"},
    {"tanh", 3, 7, 9, 1, R"([{"type": "tanh"}])"},
    {"leaky_relu", 3, 7, 9, 1, R"([{"type": "leaky_relu", "negative_slope": 0.1}])"},
    {"maxpool", 3, 13, 11, 2, R"([{"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1}])"},
    {"avgpool", 3, 13, 11, 2, R"([{"type": "avgpool2d", "kernel": 3, "stride": 2, "padding": 1}])"},
    {"global_avgpool", 3, 9, 7, 3, R"([{"type": "global_avgpool"}])"},
    {"batchnorm", 3, 9, 7, 2, R"([{"type": "batchnorm2d"}])"},
    {"add", 3, 7, 5, 2, R"([{"type": "add", "inputs": ["input", "input"]}])"},
    // Counts that are multiples of 4: elementwise shaders then take four elements an invocation.
    {"add_vec4", 3, 4, 5, 2, R"([{"type": "add", "inputs": ["input", "input"]}])"},
    {"leaky_relu_vec4", 3, 4, 6, 2, R"([{"type": "leaky_relu", "negative_slope": 0.1}])"},
    {"mul", 3, 7, 5, 2, R"([{"type": "mul", "inputs": ["input", "input"]}])"},
    {"concat", 3, 7, 5, 2, R"([{"type": "concat", "inputs": ["input", "input"]}])"},
    // softmax has no fp16 variant: the plan converts the conv's fp16 output for it.
    {"conv_then_fp32_softmax", 3, 5, 5, 2,
     R"([{"type": "conv2d", "out_channels": 4, "kernel": 5}, {"type": "flatten"}, {"type": "softmax"}])"},
};
INSTANTIATE_TEST_SUITE_P(Layers, Fp16Forward, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.what); });

}  // namespace
}  // namespace vkcnn

namespace vkcnn {
namespace {

TEST(Precision, AutoPicksFp16OnGpusThatStoreItAndFp32Elsewhere) {
  DeviceInfo gpu{.name = "some GPU", .type = "discrete GPU", .fp16_storage = true};
  DeviceInfo cpu{.name = "llvmpipe", .type = "CPU", .fp16_storage = true};
  DeviceInfo old_gpu{.name = "old GPU", .type = "discrete GPU", .fp16_storage = false};
  EXPECT_EQ(resolve_precision(gpu, PrecisionChoice::Auto), Precision::Fp16);
  EXPECT_EQ(resolve_precision(cpu, PrecisionChoice::Auto), Precision::Fp32);
  EXPECT_EQ(resolve_precision(old_gpu, PrecisionChoice::Auto), Precision::Fp32);
  EXPECT_EQ(resolve_precision(cpu, PrecisionChoice::Fp16), Precision::Fp16);
  EXPECT_EQ(resolve_precision(gpu, PrecisionChoice::Fp32), Precision::Fp32);
}

TEST(Precision, Fp16WhereTheDeviceCannotStoreItIsAnErrorNamingTheDevice) {
  DeviceInfo old_gpu{.name = "old GPU", .type = "discrete GPU", .fp16_storage = false};
  try {
    resolve_precision(old_gpu, PrecisionChoice::Fp16);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "precision fp16: Vulkan device \"old GPU\" cannot store tensors as 16-bit floats");
  }
}

TEST(Precision, ParsesTheThreeChoicesAndListsThemOtherwise) {
  EXPECT_EQ(parse_precision_choice("fp32"), PrecisionChoice::Fp32);
  EXPECT_EQ(parse_precision_choice("fp16"), PrecisionChoice::Fp16);
  EXPECT_EQ(parse_precision_choice("auto"), PrecisionChoice::Auto);
  try {
    parse_precision_choice("half");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "precision \"half\": expected fp32, fp16 or auto");
  }
}

}  // namespace
}  // namespace vkcnn
