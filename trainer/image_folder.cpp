#include "image_folder.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vkcnn/vk/check.h>

#include "image_file.h"

namespace vkcnn::trainer {
namespace fs = std::filesystem;

bool is_image_file(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"})
    if (ext == e) return true;
  return false;
}

namespace {

// Decoded, converted to the model's channels and order, resized, stored planar.
void append_image(Dataset& d, const std::string& path, const InputSpec& in) {
  cv::Mat m = tools::read_image(path, in.channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (in.channels == 3 && in.color == ColorOrder::RGB) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  if (m.rows != static_cast<int>(in.height) || m.cols != static_cast<int>(in.width)) {
    const bool shrink = m.rows > static_cast<int>(in.height) || m.cols > static_cast<int>(in.width);
    cv::resize(m, m, cv::Size(in.width, in.height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  std::vector<cv::Mat> planes;
  cv::split(m, planes);
  for (const cv::Mat& p : planes)
    for (int y = 0; y < p.rows; ++y) d.pixels.insert(d.pixels.end(), p.ptr<uint8_t>(y), p.ptr<uint8_t>(y) + p.cols);
}

}  // namespace

Dataset read_image_folder(const std::string& root, const InputSpec& in, const std::vector<std::string>& known) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error(root + ": no such folder");
  if (in.channels != 1 && in.channels != 3)
    throw Error(root + ": the model wants " + std::to_string(in.channels) + " channels; images give 1 or 3");
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  if (found.empty()) throw Error(root + ": no class folders (expected " + root + "/<class>/<image>)");

  Dataset d;
  d.origin = root;
  d.channels = in.channels;
  d.height = in.height;
  d.width = in.width;
  d.color = in.color;
  d.classes = known.empty() ? found : known;
  for (const std::string& cls : found) {
    auto it = std::find(d.classes.begin(), d.classes.end(), cls);
    if (it == d.classes.end())
      throw Error((fs::path(root) / cls).string() + ": class folder not among the training classes");
    const uint32_t label = static_cast<uint32_t>(it - d.classes.begin());
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(fs::path(root) / cls))
      if (e.is_regular_file() && is_image_file(e.path().string())) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw Error((fs::path(root) / cls).string() + ": class folder holds no images (.jpg, .png, .bmp, ...)");
    for (const std::string& f : files) {
      append_image(d, f, in);
      d.labels.push_back(label);
    }
  }
  return d;
}

FolderSplits load_image_folder(const std::string& root, const InputSpec& in) {
  std::error_code ec;
  const fs::path r = root;
  if (!fs::is_directory(r / "train", ec)) return {read_image_folder(root, in), std::nullopt};
  FolderSplits s{read_image_folder((r / "train").string(), in), std::nullopt};
  for (const char* name : {"test", "val"})
    if (fs::is_directory(r / name, ec)) {
      s.test = read_image_folder((r / name).string(), in, s.train.classes);
      break;
    }
  return s;
}

}  // namespace vkcnn::trainer
