#include "cifar.h"

#include <filesystem>
#include <fstream>

#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {
namespace fs = std::filesystem;

std::vector<std::string> read_cifar_classes(const std::string& meta_path) {
  std::ifstream in(meta_path);
  if (!in) throw Error(meta_path + ": cannot open (CIFAR-10 class names, one per line)");
  std::vector<std::string> classes;
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    classes.push_back(line.substr(b, line.find_last_not_of(" \t\r") - b + 1));
  }
  if (classes.empty()) throw Error(meta_path + ": no class names in the file");
  return classes;
}

Dataset read_cifar_batches(const std::vector<std::string>& files, const std::vector<std::string>& classes) {
  Dataset d;
  d.origin = files.empty() ? "" : fs::path(files[0]).parent_path().string();
  d.channels = 3;
  d.height = d.width = 32;
  d.color = ColorOrder::RGB;
  d.classes = classes;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty() || bytes.size() % kCifarRecordBytes != 0)
      throw Error(path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                  std::to_string(kCifarRecordBytes) + "-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)");
    const std::size_t records = bytes.size() / kCifarRecordBytes;
    for (std::size_t r = 0; r < records; ++r) {
      const auto* rec = reinterpret_cast<const uint8_t*>(bytes.data() + r * kCifarRecordBytes);
      if (rec[0] >= classes.size())
        throw Error(path + ": label " + std::to_string(rec[0]) + " of record " + std::to_string(r) +
                    " is out of range for the " + std::to_string(classes.size()) + " classes of batches.meta.txt");
      d.labels.push_back(rec[0]);
      d.pixels.insert(d.pixels.end(), rec + 1, rec + kCifarRecordBytes);
    }
  }
  return d;
}

CifarSplits load_cifar10(const std::string& dir_arg) {
  fs::path dir = dir_arg;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir_arg + ": no such folder");
  if (!fs::exists(dir / "batches.meta.txt", ec) && fs::is_directory(dir / "cifar-10-batches-bin", ec))
    dir /= "cifar-10-batches-bin";
  if (!fs::exists(dir / "batches.meta.txt", ec))
    throw Error(dir.string() + ": no batches.meta.txt (the class names of the CIFAR-10 binary version)");
  auto classes = read_cifar_classes((dir / "batches.meta.txt").string());
  std::vector<std::string> train;
  for (int k = 1; k <= 5; ++k)
    if (fs::exists(dir / ("data_batch_" + std::to_string(k) + ".bin"), ec))
      train.push_back((dir / ("data_batch_" + std::to_string(k) + ".bin")).string());
  if (train.empty())
    throw Error(dir.string() + ": no data_batch_1.bin .. data_batch_5.bin (CIFAR-10 training batches)");
  CifarSplits s{read_cifar_batches(train, classes), std::nullopt};
  if (fs::exists(dir / "test_batch.bin", ec)) s.test = read_cifar_batches({(dir / "test_batch.bin").string()}, classes);
  return s;
}

}  // namespace vkcnn::trainer
