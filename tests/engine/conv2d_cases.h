// What the conv2d test files share: a case (input shape, configuration, bias), its model-spec
// JSON, and random data for it.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/conv2d.h"
#include "reference/conv2d.h"
#include "support/gpu_test.h"

namespace vkcnn::test {

// The GEMM cores, for tests to force each in turn: both run on every device.
inline std::vector<std::string> gemm_kernels() { return {"shared", "subgroup"}; }

struct Conv2dCase {
  const char* what;
  Shape in;
  reference::Conv2dConfig c;
  bool bias = true;
};

// The layer's JSON; `algorithm` ("gemm", "winograd", ...) and `gemm` ("shared", "subgroup")
// are left out when empty (auto).
inline nlohmann::json conv2d_spec(const Conv2dCase& k, const std::string& algorithm = "",
                                  const std::string& gemm = "") {
  const auto& c = k.c;
  nlohmann::json spec = {
      {"type", "conv2d"},        {"out_channels", c.out_channels}, {"kernel", {c.kh, c.kw}}, {"stride", {c.sh, c.sw}},
      {"padding", {c.ph, c.pw}}, {"dilation", {c.dh, c.dw}},       {"groups", c.groups},     {"bias", k.bias}};
  if (!algorithm.empty()) spec["algorithm"] = algorithm;
  if (!gemm.empty()) spec["gemm"] = gemm;
  return spec;
}

// Random x, w (and b) for a case.
struct Conv2dData {
  std::vector<float> x, w, b;
  std::vector<std::vector<float>> params() const {
    if (b.empty()) return {w};
    return {w, b};
  }
};
inline Conv2dData random_conv2d_data(const Conv2dCase& k, std::mt19937& rng) {
  const auto& c = k.c;
  Conv2dData d;
  d.x = random_floats(k.in.count(), rng);
  d.w = random_floats(std::size_t(c.out_channels) * (k.in.c / c.groups) * c.kh * c.kw, rng);
  if (k.bias) d.b = random_floats(c.out_channels, rng);
  return d;
}

// f must throw an Error whose message contains every part.
inline void expect_error(const std::function<void()>& f, std::initializer_list<const char*> parts) {
  try {
    f();
    FAIL() << "no error";
  } catch (const Error& e) {
    for (const char* part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace vkcnn::test
