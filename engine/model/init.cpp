#include <cmath>
#include <random>

#include <vkcnn/model/init.h>

namespace vkcnn {

Weights initialize_weights(const Graph& graph, uint32_t seed) {
  std::mt19937 rng(seed);
  Weights weights;
  for (const ParamEntry& p : graph.params()) {
    const ParamDesc& desc = graph.nodes()[p.node].params[p.index];
    HostParam& out = weights[p.name];
    out.dims = desc.dims;
    out.values.resize(desc.count());
    // kaiming_uniform_(a=sqrt(5)) and PyTorch's bias rule both come to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    float bound = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(desc.fan_in, 1)));
    std::uniform_real_distribution<float> uniform(-bound, bound);
    for (float& v : out.values) {
      switch (desc.init) {
        case ParamInit::KaimingUniform:
        case ParamInit::FanInUniform:
          v = uniform(rng);
          break;
        case ParamInit::Zeros:
          v = 0.f;
          break;
        case ParamInit::Ones:
          v = 1.f;
          break;
      }
    }
  }
  return weights;
}

}  // namespace vkcnn
