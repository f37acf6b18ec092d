// An application built only on an installed vkcnn (<vkcnn/...> headers, the library, the shipped
// model): classifies one grey frame with the Fashion-MNIST model and checks the probabilities.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <numeric>
#include <vector>

#include <vkcnn/model/forward_plan.h>
#include <vkcnn/model/model.h>
#include <vkcnn/model/scores.h>
#include <vkcnn/preprocess.h>
#include <vkcnn/vk/buffer.h>
#include <vkcnn/vk/context.h>
#include <vkcnn/vk/recorder.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.vkcnn\n", argv[0]);
    return 2;
  }
  try {
    vkcnn::Context ctx;
    auto model = vkcnn::Model::load(ctx, argv[1]);
    vkcnn::ForwardPlan plan(*model, 1);
    vkcnn::Buffer readback(ctx, plan.output().shape.count() * sizeof(float), vkcnn::MemoryKind::Readback);
    auto layout = vkcnn::FrameLayout::packed(vkcnn::PixelFormat::GRAY8, 28, 28);
    vkcnn::Preprocessor pre(ctx, model->spec().input, layout);
    vkcnn::Recorder rec(ctx);
    rec.begin();
    pre.record(rec, plan.input(), 0);
    plan.record(rec);
    rec.copy(*plan.output().buffer, readback, readback.bytes());
    rec.end();
    std::memset(pre.frame_memory(), 128, layout.size);
    rec.submit_and_wait();
    std::vector<float> out(plan.output().shape.count());
    readback.read(std::as_writable_bytes(std::span(out)));
    auto probabilities = vkcnn::probabilities(model->graph(), out);
    double sum = std::accumulate(probabilities.begin(), probabilities.end(), 0.0);
    auto top = vkcnn::top_k(probabilities, model->spec().labels, 1);
    if (probabilities.size() != 10 || std::abs(sum - 1.0) > 1e-4 || top.empty()) {
      std::fprintf(stderr, "unexpected result: %zu classes, sum %f\n", probabilities.size(), sum);
      return 1;
    }
    std::printf("top-1 %s %.4f (sum %.6f)\n", top[0].label.c_str(), top[0].score, sum);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
