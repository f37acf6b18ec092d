#include "train/loss.h"

#include <vkcnn/vk/context.h>

namespace vkcnn {
namespace {
struct Push {
  uint32_t rows;
  uint32_t count;
  uint32_t classes;
  float smoothing;
};
constexpr uint32_t kLocal = 64;  // local_size_x of softmax_cross_entropy.comp
}  // namespace

void record_softmax_cross_entropy(Recorder& rec, const LossViews& v, uint32_t count, float label_smoothing) {
  const Shape& s = v.logits.shape;
  if (count > s.n) throw Error("softmax_cross_entropy: " + std::to_string(count) + " samples for logits " + s.str());
  if (!(label_smoothing >= 0.f && label_smoothing < 1.f))
    throw Error("softmax_cross_entropy: label smoothing must be in [0, 1), got " + std::to_string(label_smoothing));
  const bool grad = !v.grad_logits.empty();
  if (grad && v.grad_logits.shape.count() != s.count())
    throw Error("softmax_cross_entropy: gradient " + v.grad_logits.shape.str() + " does not match logits " + s.str());
  const uint32_t spec[] = {grad ? 1u : 0u};
  const Kernel& k = rec.context().kernel(ShaderId::softmax_cross_entropy, spec);
  // Without a gradient the shader never touches binding 2; bind the logits there, read-only.
  Binding dlogits = grad ? v.grad_logits.writes() : v.logits.reads();
  Push push{s.n, count, static_cast<uint32_t>(s.per_image()), label_smoothing};
  rec.dispatch(k, {v.logits.reads(), reads(*v.labels), dlogits, writes(*v.loss), writes(*v.predicted)}, push,
               Groups{div_up(s.n, kLocal)});
}

}  // namespace vkcnn
