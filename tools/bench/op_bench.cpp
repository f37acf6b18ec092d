#include "op_bench.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

#include <sys/resource.h>

#include <vkcnn/layers/layer.h>

namespace vkcnn::bench {
namespace {

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
}

Tensor random_tensor(Context& ctx, Shape shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(shape.count());
  for (float& x : v) x = u(rng);
  Tensor t(ctx, shape);
  t.upload(v);
  return t;
}

Shape flat(std::size_t n) { return Shape{static_cast<uint32_t>(std::max<std::size_t>(n, 1)), 1, 1, 1}; }

}  // namespace

OpTiming time_op(Context& ctx, const std::string& layer_json, Shape input, int runs) {
  auto layer = make_layer(nlohmann::json::parse(layer_json), "op");
  std::mt19937 rng(1);
  std::vector<Shape> shapes(layer->input_count(), input);
  Shape out = layer->output_shape(shapes);

  std::vector<Tensor> inputs, grad_inputs, params, grads;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(random_tensor(ctx, input, rng));
    grad_inputs.emplace_back(ctx, input);
  }
  for (const ParamDesc& p : layer->params(shapes)) {
    params.push_back(random_tensor(ctx, flat(p.count()), rng));
    if (p.trainable) grads.emplace_back(ctx, flat(p.count()));
  }
  Tensor y(ctx, out), dy = random_tensor(ctx, out, rng);
  Tensor scratch(ctx, flat(layer->scratch_floats(shapes, true)));

  LayerIO io;
  for (auto& t : inputs) io.inputs.push_back(t.view());
  io.output = y.view();
  for (auto& t : params) io.params.push_back(t.view());
  io.scratch = scratch.view();
  LayerGrads g;
  g.grad_output = dy.view();
  for (auto& t : grad_inputs) g.grad_inputs.push_back(t.view());
  for (auto& t : grads) g.grad_params.push_back(t.view());

  // The fastest of `runs` submits of one recorded pass (the first submit warms up).
  auto time = [&](const std::function<void(Recorder&)>& record, double* cpu) {
    Recorder rec(ctx);
    rec.begin();
    record(rec);
    rec.end();
    rec.submit_and_wait();
    double best = 1e30;
    double cpu0 = cpu_ms();
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      rec.submit_and_wait();
      best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    if (cpu) *cpu = (cpu_ms() - cpu0) / runs;
    return best;
  };

  OpTiming t;
  io.training = false;
  t.forward_ms = time([&](Recorder& rec) { layer->forward(rec, io); }, &t.forward_cpu_ms);
  io.training = true;
  t.training_forward_ms = time([&](Recorder& rec) { layer->forward(rec, io); }, nullptr);
  // Backward needs what a training forward leaves (argmax, batch statistics): record both and
  // subtract the forward.
  double both = time(
      [&](Recorder& rec) {
        layer->forward(rec, io);
        layer->backward(rec, io, g);
      },
      nullptr);
  t.backward_ms = std::max(0.0, both - t.training_forward_ms);
  return t;
}

}  // namespace vkcnn::bench
