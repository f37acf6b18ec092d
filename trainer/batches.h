// From dataset images to the floats a training step uploads: seeded shuffling, augmentation
// (random crop with zero padding, horizontal flip; torchvision's RandomCrop(padding) then
// RandomHorizontalFlip) and mean/std normalisation. Every random draw is a pure function of
// (seed, epoch) or (seed, step), so a resumed run sees exactly the batches it would have seen.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dataset.h"

namespace vkcnn::trainer {

struct Augment {
  uint32_t crop_padding = 0;  // 0 = no random crop
  bool flip = false;          // horizontal flip with probability 1/2
  bool any() const { return crop_padding > 0 || flip; }
};

// splitmix64 of two values: independent streams from one seed.
uint64_t mix_seed(uint64_t a, uint64_t b);

// A permutation of [0, n) for this epoch (Fisher-Yates on mt19937_64, portable across libraries).
std::vector<std::size_t> epoch_order(std::size_t n, uint64_t seed, uint64_t epoch);

// value = (pixel / 255 - mean[c]) / std[c], as a 256-entry table per channel.
class Normalizer {
 public:
  explicit Normalizer(const InputSpec& input);
  const float* table(uint32_t channel) const { return tables_[channel].data(); }

 private:
  std::vector<std::array<float, 256>> tables_;
};

// Writes data's images `indices` into `out` (indices.size() * C*H*W floats) and their labels;
// augmentation draws from a generator seeded with `seed`.
void fill_batch(const Dataset& data, std::span<const std::size_t> indices, const Normalizer& norm,
                const Augment& augment, uint64_t seed, std::span<float> out, std::span<uint32_t> labels);

}  // namespace vkcnn::trainer
