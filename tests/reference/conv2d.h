// Double-precision reference for conv2d (PyTorch nn.Conv2d semantics): the oracle for the
// GPU shaders, written as the plain loops of the definition.
#pragma once
#include <cstdint>
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

struct Conv2dConfig {
  uint32_t out_channels = 1;
  uint32_t kh = 1, kw = 1;
  uint32_t sh = 1, sw = 1;
  uint32_t ph = 0, pw = 0;
  uint32_t dh = 1, dw = 1;
  uint32_t groups = 1;
};

Shape conv2d_output_shape(const Conv2dConfig& c, Shape in);

// x: (N, Cin, H, W)   w: (Cout, Cin/groups, kh, kw)   b: (Cout) or empty for no bias
// returns y: (N, Cout, OH, OW)
std::vector<double> conv2d_forward(const Conv2dConfig& c, Shape in, const std::vector<double>& x,
                                   const std::vector<double>& w, const std::vector<double>& b);

struct Conv2dGrads {
  std::vector<double> dx;  // (N, Cin, H, W)
  std::vector<double> dw;  // (Cout, Cin/groups, kh, kw)
  std::vector<double> db;  // (Cout)
};
// Gradients of L = sum(dy * y) (dy: (N, Cout, OH, OW)), starting from zero.
Conv2dGrads conv2d_backward(const Conv2dConfig& c, Shape in, const std::vector<double>& x, const std::vector<double>& w,
                            const std::vector<double>& dy);

}  // namespace vkcnn::reference
