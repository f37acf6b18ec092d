#include "layers/fast_div.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

TEST(FastDiv, IsExactBelowTwoToThe31) {
  std::mt19937 rng(23);
  std::uniform_int_distribution<uint32_t> any(0, (1u << 31) - 1);
  for (uint32_t d : {1u, 2u, 3u, 7u, 14u, 28u, 49u, 196u, 784u, 12544u, 50176u, 1000003u, (1u << 30) + 1}) {
    FastDiv f(d);
    for (int i = 0; i < 20000; ++i) {
      uint32_t n = i < 1000 ? uint32_t(i) : any(rng);
      ASSERT_EQ(f.divide(n), n / d) << n << " / " << d;
    }
    ASSERT_EQ(f.divide((1u << 31) - 1), ((1u << 31) - 1) / d) << d;
  }
}

TEST(FastDiv, ZeroDivisorIsAnError) {
  try {
    FastDiv f(0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fast_div: division by a zero size"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkcnn
