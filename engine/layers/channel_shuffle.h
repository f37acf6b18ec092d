// channel_shuffle: ShuffleNet's interleaving of channel groups (PyTorch's nn.ChannelShuffle;
// in ONNX the Reshape (N, g, C/g, H, W) -> Transpose (0, 2, 1, 3, 4) -> Reshape (N, C, H, W)
// that torchvision's channel_shuffle exports as). Output channel i * g + k is input channel
// k * C/g + i.
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class ChannelShuffleLayer : public Layer {
 public:
  ChannelShuffleLayer(std::string name, uint32_t groups) : Layer(std::move(name)), groups_(groups) {}
  // "groups" (required, >= 1).
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "channel_shuffle"; }

  // (N, C, H, W) -> (N, C, H, W); C must be a multiple of groups.
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx += dy permuted back.
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  uint32_t groups_;
};

}  // namespace vkcnn
