#include <gtest/gtest.h>

#include <vkcnn/tensor.h>

#include "support/gpu_test.h"

namespace vkcnn {
namespace {

TEST(Tensor, UploadDownloadRoundTripsAndSizeMismatchesAreNamed) {
  Tensor t(test::context(), Shape{2, 3, 5, 7});
  std::mt19937 rng(1);
  auto values = test::random_floats(t.shape().count(), rng);
  t.upload(values);
  EXPECT_EQ(t.download(), values);

  std::vector<float> wrong(10);
  try {
    t.upload(wrong);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "uploading 10 values into a tensor of shape (2, 3, 5, 7)");
  }
  try {
    t.view(Shape{2, 3, 5, 8});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "cannot view a tensor of shape (2, 3, 5, 7) as (2, 3, 5, 8)");
  }
  EXPECT_EQ(t.view(Shape{2, 105, 1, 1}).shape, (Shape{2, 105, 1, 1}));
}

}  // namespace
}  // namespace vkcnn
