#include <vkcnn/layers/layer.h>

namespace vkcnn {

void Layer::backward(Recorder&, const LayerIO&, const LayerGrads&) {
  throw error("backward pass is not available for this layer type");
}

Error Layer::error(const std::string& what) const { return Error(std::string(type()) + " '" + name_ + "': " + what); }

}  // namespace vkcnn
