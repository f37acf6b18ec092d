// `--data KIND:PATH` → training and test images in the model's input format.
//   fashion-mnist:DIR   IDX files (train-* and t10k-*), Fashion-MNIST class names
//   mnist:DIR           IDX files, classes "0".."9"
//   cifar10:DIR         CIFAR-10 binary batches, class names from batches.meta.txt
//   folder:DIR          ImageFolder (DIR/<class>/<img>, or DIR/train + DIR/test|val)
// A bare DIR is recognised by its content (IDX files, batches.meta.txt, or class folders).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"

namespace vkcnn::trainer {

struct DataSplits {
  std::string kind;  // "fashion-mnist", "mnist", "cifar10", "folder"
  Dataset train;
  std::optional<Dataset> test;
  // The images as the files hold them, before conversion to the model's input: IDX and CIFAR
  // have one fixed format; 0 for image folders, decoded and resized to the model's input.
  uint32_t file_channels = 0, file_height = 0, file_width = 0;
  ColorOrder file_color = ColorOrder::Gray;
};

const std::vector<std::string>& fashion_mnist_classes();

// Throws Error naming the source, the file or the folder at fault.
DataSplits load_data(const std::string& source, const InputSpec& input);

}  // namespace vkcnn::trainer
