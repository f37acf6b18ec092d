// conv2d's attributes in a model spec (PyTorch's names, and vkcnn's algorithm, gemm and tile)
// into Conv2dOptions: kept apart from the layer's recording code in conv2d.cpp.
#include <vkcnn/model/json_text.h>

#include "layers/conv2d.h"

namespace vkcnn {

std::unique_ptr<Layer> make_conv2d(const Attributes& a, const std::string& name) {
  Conv2dOptions o;
  o.out_channels = a.uint("out_channels");
  o.kernel = a.pair("kernel");
  o.stride = a.pair("stride", 1);
  o.padding = a.pair("padding", 0);
  o.dilation = a.pair("dilation", 1);
  o.groups = a.uint("groups", 1);
  o.bias = a.flag("bias", true);
  o.max_pool_2x2 = a.flag("max_pool_2x2", false);
  if (a.has("algorithm")) {
    const std::string name = a.text("algorithm");
    const auto algorithm = conv2d_algorithm_from_name(name);
    if (!algorithm)
      throw a.error(
          "attribute \"algorithm\" must be \"auto\", \"gemm\", \"winograd\", \"winograd_f2\" or "
          "\"depthwise\", got \"" +
          excerpt(name) + "\"");
    o.algorithm = *algorithm;
  }
  if (a.has("gemm")) {
    const std::string name = a.text("gemm");
    const auto gemm = gemm_kernel_from_name(name);
    if (!gemm)
      throw a.error("attribute \"gemm\" must be \"auto\", \"shared\" or \"subgroup\", got \"" + excerpt(name) + "\"");
    o.gemm = *gemm;
  }
  if (a.has("tile")) {
    const std::vector<uint32_t> v = a.uints("tile");
    const conv2d::Tile t = v.size() == 5 ? conv2d::Tile{v[0], v[1], v[2], v[3], v[4]} : conv2d::Tile{};
    if (v.size() != 5 || t.bm == 0 || t.bn == 0 || t.bk == 0 || t.tm == 0 || t.tn == 0 || !t.valid())
      throw a.error(
          "attribute \"tile\" must be [bm, bn, bk, tm, tn] of a valid tiling (tm, tn multiples of 4 "
          "dividing bm, bn; at most 256 invocations; see conv2d::Tile)");
    o.tile = t;
  }
  return std::make_unique<Conv2dLayer>(name, o);
}

}  // namespace vkcnn
