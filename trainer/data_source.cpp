#include "data_source.h"

#include <filesystem>

#include <vkcnn/vk/check.h>

#include "cifar.h"
#include "idx.h"
#include "image_folder.h"

namespace vkcnn::trainer {
namespace fs = std::filesystem;

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

namespace {

const char* kKinds[] = {"fashion-mnist", "mnist", "cifar10", "folder"};

std::string detect(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir + ": no such folder");
  if (find_idx_file(dir, "train", "images")) {
    std::string name = fs::path(dir).lexically_normal().string();
    return name.find("fashion") != std::string::npos ? "fashion-mnist" : "mnist";
  }
  if (fs::exists(fs::path(dir) / "batches.meta.txt", ec) ||
      fs::exists(fs::path(dir) / "cifar-10-batches-bin" / "batches.meta.txt", ec))
    return "cifar10";
  return "folder";
}

}  // namespace

DataSplits load_data(const std::string& source, const InputSpec& input) {
  std::string kind, dir = source;
  if (auto colon = source.find(':'); colon != std::string::npos) {
    std::string prefix = source.substr(0, colon);
    if (prefix == "imagefolder") prefix = "folder";
    if (prefix == "cifar-10") prefix = "cifar10";
    for (const char* k : kKinds)
      if (prefix == k) kind = k, dir = source.substr(colon + 1);
    if (kind.empty() && !fs::exists(source))
      throw Error("--data " + source + ": unknown dataset kind \"" + prefix +
                  "\" (known: fashion-mnist, mnist, cifar10, folder)");
  }
  if (dir.empty()) throw Error("--data " + source + ": no folder given after the kind");
  if (kind.empty()) kind = detect(dir);

  DataSplits s;
  s.kind = kind;
  if (kind == "fashion-mnist" || kind == "mnist") {
    std::vector<std::string> classes = fashion_mnist_classes();
    if (kind == "mnist")
      for (int i = 0; i < 10; ++i) classes[i] = std::to_string(i);
    s.train = *load_idx_split(dir, "train", classes, true);
    s.test = load_idx_split(dir, "t10k", classes, false);
  } else if (kind == "cifar10") {
    auto c = load_cifar10(dir);
    s.train = std::move(c.train);
    s.test = std::move(c.test);
  } else {
    auto f = load_image_folder(dir, input);
    s.train = std::move(f.train);
    s.test = std::move(f.test);
  }
  if (kind != "folder") {
    s.file_channels = s.train.channels;
    s.file_height = s.train.height;
    s.file_width = s.train.width;
    s.file_color = s.train.color;
  }
  s.train = conform(std::move(s.train), input);
  if (s.test) s.test = conform(std::move(*s.test), input);
  return s;
}

}  // namespace vkcnn::trainer
