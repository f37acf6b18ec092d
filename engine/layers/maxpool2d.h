// maxpool2d: PyTorch's MaxPool2d (kernel, stride, padding as -inf, dilation, ceil_mode).
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"
#include "layers/pool2d.h"

namespace vkcnn {

// How backward routes dy to the argmaxes. Gather: a thread per input element visits the windows
// that hold it; right for any geometry. Scatter: a thread per window adds into its argmax; only
// where windows cannot overlap, and faster there (maxpool2d_backward_scatter.comp says why).
// Auto takes scatter wherever it applies. The model spec's "backward" attribute forces one (tests
// run both).
enum class MaxPoolBackward { Auto, Gather, Scatter };

class MaxPool2dLayer : public Layer {
 public:
  MaxPool2dLayer(std::string name, PoolGeometry geometry, MaxPoolBackward backward = MaxPoolBackward::Auto)
      : Layer(std::move(name)), g_(geometry), backward_(backward) {}
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "maxpool2d"; }
  bool supports_fp16() const override { return true; }
  const PoolGeometry& geometry() const { return g_; }

  Shape output_shape(std::span<const Shape> inputs) const override;
  // Training keeps the argmax of every window (one uint per output element) for backward.
  std::size_t scratch_floats(std::span<const Shape> inputs, bool training) const override;

  // x (N, C, H, W) -> y (N, C, OH, OW); in training also argmax (N, C, OH, OW) into scratch
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx (N, C, H, W) += dy (N, C, OH, OW) routed to each window's argmax
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  PoolGeometry g_;
  MaxPoolBackward backward_;
};

}  // namespace vkcnn
