#include "dataset.h"

#include <cstring>

#include <opencv2/imgproc.hpp>

#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {
namespace {

// One image as an interleaved OpenCV matrix (gray, or 3 channels in the dataset's order).
cv::Mat to_mat(const Dataset& d, std::size_t i) {
  auto img = d.image(i);
  const std::size_t plane = std::size_t(d.height) * d.width;
  if (d.channels == 1) return cv::Mat(d.height, d.width, CV_8UC1, const_cast<uint8_t*>(img.data())).clone();
  std::vector<cv::Mat> planes;
  for (uint32_t c = 0; c < d.channels; ++c)
    planes.emplace_back(d.height, d.width, CV_8UC1, const_cast<uint8_t*>(img.data() + c * plane));
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

}  // namespace

Dataset conform(Dataset d, const InputSpec& in) {
  if (in.channels != 1 && in.channels != 3)
    throw Error(d.origin + ": the model wants " + std::to_string(in.channels) +
                " input channels; datasets provide gray (1) or color (3) images");
  const bool same_color = d.channels == in.channels && (in.channels == 1 || d.color == in.color);
  if (same_color && d.height == in.height && d.width == in.width) return d;

  Dataset out;
  out.origin = d.origin;
  out.channels = in.channels;
  out.height = in.height;
  out.width = in.width;
  out.color = in.color;
  out.labels = std::move(d.labels);
  out.classes = std::move(d.classes);
  out.pixels.resize(out.size() * out.image_bytes());
  const std::size_t plane = std::size_t(in.height) * in.width;
  for (std::size_t i = 0; i < out.size(); ++i) {
    cv::Mat m = to_mat(d, i);
    // Work in RGB (or gray) order, the way the GPU preprocessor reads frames.
    if (d.channels == 3 && d.color == ColorOrder::BGR) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    if (d.channels == 3 && in.channels == 1) cv::cvtColor(m, m, cv::COLOR_RGB2GRAY);
    if (d.channels == 1 && in.channels == 3) cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
    if (in.channels == 3 && in.color == ColorOrder::BGR) cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
    if (m.rows != static_cast<int>(in.height) || m.cols != static_cast<int>(in.width)) {
      const bool shrink = m.rows > static_cast<int>(in.height) || m.cols > static_cast<int>(in.width);
      cv::resize(m, m, cv::Size(in.width, in.height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    uint8_t* dst = out.pixels.data() + i * out.image_bytes();
    if (in.channels == 1) {
      for (uint32_t y = 0; y < in.height; ++y) std::memcpy(dst + y * in.width, m.ptr<uint8_t>(y), in.width);
      continue;
    }
    std::vector<cv::Mat> planes;
    cv::split(m, planes);
    for (uint32_t c = 0; c < 3; ++c)
      for (uint32_t y = 0; y < in.height; ++y)
        std::memcpy(dst + c * plane + y * in.width, planes[c].ptr<uint8_t>(y), in.width);
  }
  return out;
}

Dataset subset(const Dataset& d, std::span<const std::size_t> indices) {
  Dataset out;
  out.origin = d.origin;
  out.channels = d.channels;
  out.height = d.height;
  out.width = d.width;
  out.color = d.color;
  out.classes = d.classes;
  out.pixels.resize(indices.size() * d.image_bytes());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    auto img = d.image(indices[k]);
    std::memcpy(out.pixels.data() + k * d.image_bytes(), img.data(), img.size());
    out.labels.push_back(d.labels[indices[k]]);
  }
  return out;
}

}  // namespace vkcnn::trainer
