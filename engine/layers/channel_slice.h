// channel_slice: channels [start, end) of its input (PyTorch's x[:, start:end] and the halves
// of chunk/split; ONNX Slice and Split on axis 1: ShuffleNet's units split their input in two).
// A Split with several outputs becomes one channel_slice per output, all reading one input.
#pragma once
#include <vkcnn/layers/layer.h>

#include "layers/attributes.h"

namespace vkcnn {

class ChannelSliceLayer : public Layer {
 public:
  ChannelSliceLayer(std::string name, uint32_t start, uint32_t end)
      : Layer(std::move(name)), start_(start), end_(end) {}
  // "start", "end" (required, start < end).
  static std::unique_ptr<Layer> create(const Attributes& a, const std::string& name);
  std::string_view type() const override { return "channel_slice"; }

  // (N, C, H, W) -> (N, end - start, H, W); end <= C.
  Shape output_shape(std::span<const Shape> inputs) const override;
  void forward(Recorder& rec, const LayerIO& io) override;
  // dx[:, start:end] += dy.
  void backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) override;

 private:
  uint32_t start_, end_;
};

}  // namespace vkcnn
