// What the maxpool2d and avgpool2d references share: the window configuration and the number
// of windows (PyTorch's MaxPool2d / AvgPool2d rules).
#pragma once
#include <cstdint>
#include <vector>

#include <vkcnn/tensor.h>

namespace vkcnn::reference {

struct Pool2dConfig {
  int kh = 2, kw = 2;
  int sh = 2, sw = 2;
  int ph = 0, pw = 0;
  int dh = 1, dw = 1;  // maxpool2d only
  bool ceil_mode = false;
  bool count_include_pad = true;  // avgpool2d only
};

// Number of windows along one axis, counted one window at a time (not PyTorch's closed form,
// so that the engine's formula has something independent to agree with). 0: none fit.
int pool_output_extent(int in, int k, int s, int p, int d, bool ceil_mode);
Shape pool_output_shape(const Pool2dConfig& c, Shape in);

}  // namespace vkcnn::reference
