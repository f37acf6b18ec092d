#include "batches.h"

#include <random>

#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {

uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9e3779b97f4a7c15ull + b + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::vector<std::size_t> epoch_order(std::size_t n, uint64_t seed, uint64_t epoch) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(mix_seed(seed, epoch));
  // The modulo bias of a 64-bit draw over a dataset-sized range is far below anything measurable.
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

Normalizer::Normalizer(const InputSpec& in) : tables_(in.channels) {
  for (uint32_t c = 0; c < in.channels; ++c)
    for (int v = 0; v < 256; ++v) tables_[c][v] = (static_cast<float>(v) / 255.f - in.mean[c]) / in.std[c];
}

void fill_batch(const Dataset& d, std::span<const std::size_t> indices, const Normalizer& norm, const Augment& aug,
                uint64_t seed, std::span<float> out, std::span<uint32_t> labels) {
  const std::size_t per_image = d.image_bytes();
  if (out.size() < indices.size() * per_image || labels.size() < indices.size())
    throw Error("fill_batch: output too small for " + std::to_string(indices.size()) + " images");
  std::mt19937_64 rng(seed);
  const int H = static_cast<int>(d.height), W = static_cast<int>(d.width), P = static_cast<int>(aug.crop_padding);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const uint8_t* src = d.image(indices[k]).data();
    float* dst = out.data() + k * per_image;
    labels[k] = d.labels[indices[k]];
    // Draw in a fixed order whatever is enabled, so turning one option off keeps the other's draws.
    const uint64_t r = rng();
    const int dy = P ? static_cast<int>(r % (2 * P + 1)) - P : 0;
    const int dx = P ? static_cast<int>((r >> 16) % (2 * P + 1)) - P : 0;
    const bool flip = aug.flip && ((r >> 32) & 1);
    if (!P && !flip) {
      for (uint32_t c = 0; c < d.channels; ++c) {
        const float* t = norm.table(c);
        for (int i = 0; i < H * W; ++i) dst[c * H * W + i] = t[src[c * H * W + i]];
      }
      continue;
    }
    for (uint32_t c = 0; c < d.channels; ++c) {
      const float* t = norm.table(c);
      const uint8_t* plane = src + c * H * W;
      for (int y = 0; y < H; ++y) {
        const int sy = y + dy;
        for (int x = 0; x < W; ++x) {
          // crop: output (y, x) reads padded (y + dy, x + dx); flip mirrors the cropped x.
          const int sx = (flip ? W - 1 - x : x) + dx;
          const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
          dst[(c * H + y) * W + x] = t[inside ? plane[sy * W + sx] : 0];
        }
      }
    }
  }
}

}  // namespace vkcnn::trainer
