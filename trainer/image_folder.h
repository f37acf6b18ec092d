// torchvision-style ImageFolder: root/<class>/<image>, classes sorted by folder name, images
// decoded with OpenCV and resized to the model's input (stretch) as they are read.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"

namespace vkcnn::trainer {

// The file extensions torchvision's ImageFolder accepts (lowercase, with the dot).
bool is_image_file(const std::string& path);

// One folder of class folders. `classes`: the names the labels must follow (a test split uses
// the training split's); empty = take them from the folder. Errors name the file or folder: no
// class folders, a class folder with no images, an image OpenCV cannot decode, a class folder
// the training split does not have.
Dataset read_image_folder(const std::string& root, const InputSpec& input,
                          const std::vector<std::string>& classes = {});

struct FolderSplits {
  Dataset train;
  std::optional<Dataset> test;
};
// root/train (+ root/test or root/val when present) if root/train exists, else root alone.
FolderSplits load_image_folder(const std::string& root, const InputSpec& input);

}  // namespace vkcnn::trainer
