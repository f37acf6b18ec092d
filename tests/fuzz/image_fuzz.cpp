// libFuzzer target: any bytes as an image file for the tools (size check from the header, then
// OpenCV's decoders).
#include <cstddef>
#include <cstdint>

#include <opencv2/imgcodecs.hpp>

#include <vkcnn/vk/check.h>

#include "file_input.h"
#include "image_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vkcnn::fuzz::write_input("image", data, size);
  try {
    vkcnn::tools::read_image(path, cv::IMREAD_UNCHANGED);
  } catch (const vkcnn::Error&) {
  }
  return 0;
}
