#include "support/gpu_test.h"

#include <cmath>
#include <memory>
#include <sstream>

namespace vkcnn::test {

Context& context() {
  static std::unique_ptr<Context> ctx = [] {
    ContextOptions options;
    options.persistent_pipeline_cache = false;
    return std::make_unique<Context>(options);
  }();
  return *ctx;
}

std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<double> to_double(std::span<const float> v) { return {v.begin(), v.end()}; }

double relative_error(std::span<const float> gpu, std::span<const double> ref) {
  if (gpu.size() != ref.size()) return INFINITY;
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    double d = gpu[i] - ref[i];
    diff += d * d;
    norm += ref[i] * ref[i];
  }
  if (!std::isfinite(diff)) return INFINITY;
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

std::string worst_element(std::span<const float> gpu, std::span<const double> ref) {
  if (gpu.size() != ref.size())
    return "size mismatch: gpu " + std::to_string(gpu.size()) + " vs reference " + std::to_string(ref.size());
  std::size_t worst = 0;
  double worst_diff = -1;
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    double d = std::abs(gpu[i] - ref[i]);
    if (!(d <= worst_diff)) worst = i, worst_diff = d;
  }
  std::ostringstream os;
  if (gpu.empty()) return "(empty)";
  os << "index " << worst << ": gpu " << gpu[worst] << " vs reference " << ref[worst];
  return os.str();
}

namespace {

struct DeviceLayer {
  std::vector<Tensor> inputs, params, grad_inputs, grad_params;
  Tensor output, scratch, grad_output;
  LayerIO io;
  LayerGrads grads;
};

Tensor make_tensor(Shape shape, std::span<const float> values) {
  Tensor t(context(), shape);
  if (!values.empty()) t.upload(values);
  return t;
}

void prepare(Layer& layer, DeviceLayer& d, const std::vector<HostTensor>& inputs,
             const std::vector<std::vector<float>>& params, bool training) {
  std::vector<Shape> shapes;
  for (const auto& in : inputs) shapes.push_back(in.shape);
  for (const auto& in : inputs) d.inputs.push_back(make_tensor(in.shape, in.values));
  auto descs = layer.params(shapes);
  if (descs.size() != params.size())
    throw Error("test passes " + std::to_string(params.size()) + " params, layer has " + std::to_string(descs.size()));
  for (std::size_t i = 0; i < descs.size(); ++i)
    d.params.push_back(make_tensor(Shape{static_cast<uint32_t>(descs[i].count()), 1, 1, 1}, params[i]));
  Shape out = layer.output_shape(shapes);
  if (!layer.aliases_input(training)) d.output = Tensor(context(), out);
  std::size_t scratch = layer.scratch_floats(shapes, training);
  if (scratch) d.scratch = Tensor(context(), Shape{static_cast<uint32_t>(scratch), 1, 1, 1});

  for (auto& t : d.inputs) d.io.inputs.push_back(t.view());
  d.io.output = layer.aliases_input(training) ? d.inputs[0].view(out) : d.output.view();
  for (auto& t : d.params) d.io.params.push_back(t.view());
  if (scratch) d.io.scratch = d.scratch.view();
  d.io.training = training;
}

}  // namespace

std::vector<float> run_forward(Layer& layer, const std::vector<HostTensor>& inputs,
                               const std::vector<std::vector<float>>& params, bool training, uint32_t seed) {
  DeviceLayer d;
  prepare(layer, d, inputs, params, training);
  d.io.seed = seed;
  Recorder rec(context());
  rec.begin();
  layer.forward(rec, d.io);
  rec.end();
  rec.submit_and_wait();
  std::vector<float> out(d.io.output.shape.count());
  d.io.output.buffer->read(std::as_writable_bytes(std::span(out)));
  return out;
}

BackwardResult run_backward(Layer& layer, const std::vector<HostTensor>& inputs,
                            const std::vector<std::vector<float>>& params, const std::vector<float>& grad_output,
                            uint32_t seed, float grad_init, bool frozen) {
  DeviceLayer d;
  prepare(layer, d, inputs, params, !frozen);
  d.io.seed = seed;
  std::vector<Shape> shapes;
  for (const auto& in : inputs) shapes.push_back(in.shape);
  auto descs = layer.params(shapes);

  d.grad_output = make_tensor(d.io.output.shape, grad_output);
  for (const auto& in : inputs)
    d.grad_inputs.push_back(make_tensor(in.shape, std::vector<float>(in.shape.count(), grad_init)));
  for (const auto& desc : descs)
    if (desc.trainable && !frozen)
      d.grad_params.push_back(make_tensor(Shape{static_cast<uint32_t>(desc.count()), 1, 1, 1},
                                          std::vector<float>(desc.count(), grad_init)));
  d.grads.grad_output = d.grad_output.view();
  for (auto& t : d.grad_inputs) d.grads.grad_inputs.push_back(t.view());
  for (auto& t : d.grad_params) d.grads.grad_params.push_back(t.view());

  Recorder rec(context());
  rec.begin();
  layer.forward(rec, d.io);
  layer.backward(rec, d.io, d.grads);
  rec.end();
  rec.submit_and_wait();

  BackwardResult r;
  r.output.resize(d.io.output.shape.count());
  d.io.output.buffer->read(std::as_writable_bytes(std::span(r.output)));
  for (auto& t : d.grad_inputs) r.grad_inputs.push_back(t.download());
  for (auto& t : d.grad_params) r.grad_params.push_back(t.download());
  for (auto& t : d.params) r.params_after.push_back(t.download());
  return r;
}

std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x,
                                     double step) {
  std::vector<double> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    double keep = x[i];
    x[i] = keep + step;
    double up = f(x);
    x[i] = keep - step;
    double down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * step);
  }
  return g;
}

}  // namespace vkcnn::test
