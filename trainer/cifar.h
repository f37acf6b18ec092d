// CIFAR-10 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html): records of one label
// byte and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32x32), in
// data_batch_1.bin .. data_batch_5.bin and test_batch.bin; class names in batches.meta.txt.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"

namespace vkcnn::trainer {

inline constexpr std::size_t kCifarRecordBytes = 1 + 3 * 32 * 32;

// Non-empty lines of batches.meta.txt (surrounding whitespace trimmed).
std::vector<std::string> read_cifar_classes(const std::string& meta_path);
// Records of the given batch files, in order; each file's size must be a whole number of
// records and every label < classes.size(). Errors name the file.
Dataset read_cifar_batches(const std::vector<std::string>& files, const std::vector<std::string>& classes);

struct CifarSplits {
  Dataset train;
  std::optional<Dataset> test;
};
// `dir` is the folder holding the .bin files, or its parent holding cifar-10-batches-bin/.
// Train: every data_batch_<k>.bin present (k = 1..5, at least one); test: test_batch.bin if present.
CifarSplits load_cifar10(const std::string& dir);

}  // namespace vkcnn::trainer
