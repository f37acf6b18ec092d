#include "onnx_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

// Models of ordinary classifiers are tens to hundreds of MB; protobuf itself refuses messages
// over 2 GB, and a model whose weights live in external files is not what we import.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t(2) << 30;

std::string read_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read: " + ec.message());
  if (size == 0) throw Error(path + ": empty file, not an ONNX model");
  if (size >= kMaxFileBytes) throw Error(path + ": larger than 2 GB, which protobuf cannot hold in one message");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw Error(path + ": cannot read");
  return bytes.str();
}

}  // namespace

onnx::ModelProto read_onnx_model(const std::string& path) {
  const std::string bytes = read_bytes(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    throw Error(path +
                ": not a valid ONNX model (protobuf parsing failed: the file is truncated, corrupt or not ONNX)");
  // A file cut at a field boundary still parses: what is left then lacks its graph or opset.
  if (!model.has_graph() || model.opset_import_size() == 0)
    throw Error(path + ": not a complete ONNX model (no graph or no opset_import: truncated or not ONNX)");
  check_and_infer_shapes(model, path);
  return model;
}

void check_and_infer_shapes(onnx::ModelProto& model, const std::string& path) {
  try {
    onnx::checker::check_model(model);
    onnx::ShapeInferenceOptions strict{/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/false};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    throw Error(path + ": invalid ONNX model: " + e.what());
  }
}

void write_onnx_model(const std::string& path, const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(path + ": the exported model fails onnx::checker: " + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error(path + ": cannot serialise the ONNX model");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(path + ": cannot write " + tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot rename " + tmp + " into place: " + ec.message());
  }
}

}  // namespace vkcnn
