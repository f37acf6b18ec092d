// conv2d's attributes in a model spec (PyTorch's names, and vkcnn's algorithm, gemm, tile and
// max_pool_2x2) into Conv2dOptions, and the names of algorithms and GEMM cores: kept apart from
// the layer's recording code in conv2d.cpp.
#include <vkcnn/model/json_text.h>

#include "layers/conv2d.h"

namespace vkcnn {

std::optional<Conv2dAlgorithm> conv2d_algorithm_from_name(std::string_view name) {
  for (Conv2dAlgorithm a : {Conv2dAlgorithm::Auto, Conv2dAlgorithm::Gemm, Conv2dAlgorithm::Winograd,
                            Conv2dAlgorithm::WinogradF2, Conv2dAlgorithm::Depthwise})
    if (name == conv2d_algorithm_name(a)) return a;
  return std::nullopt;
}

const char* conv2d_algorithm_name(Conv2dAlgorithm a) {
  switch (a) {
    case Conv2dAlgorithm::Auto:
      return "auto";
    case Conv2dAlgorithm::Gemm:
      return "gemm";
    case Conv2dAlgorithm::Winograd:
      return "winograd";
    case Conv2dAlgorithm::WinogradF2:
      return "winograd_f2";
    case Conv2dAlgorithm::Depthwise:
      return "depthwise";
  }
  return "?";
}

std::optional<GemmKernel> gemm_kernel_from_name(std::string_view name) {
  for (GemmKernel k : {GemmKernel::Auto, GemmKernel::Shared, GemmKernel::Subgroup})
    if (name == gemm_kernel_name(k)) return k;
  return std::nullopt;
}

const char* gemm_kernel_name(GemmKernel k) {
  switch (k) {
    case GemmKernel::Auto:
      return "auto";
    case GemmKernel::Shared:
      return "shared";
    case GemmKernel::Subgroup:
      return "subgroup";
  }
  return "?";
}

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
