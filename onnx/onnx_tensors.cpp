#include "onnx_tensors.h"

#include <bit>
#include <cmath>
#include <cstring>

#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian; so is this reader");

Error tensor_error(const onnx::TensorProto& t, const std::string& what) {
  return Error("tensor '" + t.name() + "': " + what);
}

std::size_t element_count(const onnx::TensorProto& t) {
  std::size_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) throw tensor_error(t, "has a negative dimension");
    if (d != 0 && n > (std::size_t(1) << 34) / static_cast<std::size_t>(d)) throw tensor_error(t, "is too large");
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

// Values of type T stored as raw bytes, checked against the dims.
template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t, std::size_t count) {
  if (t.raw_data().size() != count * sizeof(T))
    throw tensor_error(t, "raw_data holds " + std::to_string(t.raw_data().size()) + " bytes, its dims need " +
                              std::to_string(count * sizeof(T)));
  std::vector<T> out(count);
  std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());
  return out;
}

template <typename Field>
void check_count(const onnx::TensorProto& t, const Field& field, std::size_t count) {
  if (static_cast<std::size_t>(field.size()) != count)
    throw tensor_error(t, "holds " + std::to_string(field.size()) + " values, its dims need " + std::to_string(count));
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float v = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -v : v;
  }
  const uint32_t bits =
      exponent == 31 ? sign | 0x7f800000u | (mantissa << 13) : sign | ((exponent + 112) << 23) | (mantissa << 13);
  return std::bit_cast<float>(bits);
}

}  // namespace

HostParam float_tensor(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw tensor_error(t, "keeps its data in an external file, which vkcnn-import does not read");
  HostParam p;
  p.dims.assign(t.dims().begin(), t.dims().end());
  const std::size_t n = element_count(t);
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw) {
        p.values = raw_values<float>(t, n);
      } else {
        check_count(t, t.float_data(), n);
        p.values.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d;
      if (raw) {
        d = raw_values<double>(t, n);
      } else {
        check_count(t, t.double_data(), n);
        d.assign(t.double_data().begin(), t.double_data().end());
      }
      p.values.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::FLOAT16: {
      std::vector<uint16_t> h;
      if (raw) {
        h = raw_values<uint16_t>(t, n);
      } else {  // int32_data holds one half per element, in its low 16 bits
        check_count(t, t.int32_data(), n);
        for (int32_t v : t.int32_data()) h.push_back(static_cast<uint16_t>(v));
      }
      for (uint16_t v : h) p.values.push_back(half_to_float(v));
      break;
    }
    default:
      throw tensor_error(
          t, "has element type " + std::to_string(t.data_type()) + "; vkcnn reads FLOAT, DOUBLE and FLOAT16 weights");
  }
  return p;
}

bool is_integer(const onnx::TensorProto& t) {
  return t.data_type() == onnx::TensorProto::INT64 || t.data_type() == onnx::TensorProto::INT32 ||
         t.data_type() == onnx::TensorProto::BOOL;
}

std::vector<int64_t> int_tensor(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) throw tensor_error(t, "keeps its data in an external file");
  const std::size_t n = element_count(t);
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::INT64:
      if (raw) return raw_values<int64_t>(t, n);
      check_count(t, t.int64_data(), n);
      return {t.int64_data().begin(), t.int64_data().end()};
    case onnx::TensorProto::BOOL:
    case onnx::TensorProto::INT32: {
      if (raw && t.data_type() == onnx::TensorProto::BOOL) {
        auto v = raw_values<uint8_t>(t, n);
        return {v.begin(), v.end()};
      }
      if (raw) {
        auto v = raw_values<int32_t>(t, n);
        return {v.begin(), v.end()};
      }
      check_count(t, t.int32_data(), n);
      return {t.int32_data().begin(), t.int32_data().end()};
    }
    default:
      throw tensor_error(t, "must hold integers (INT64 or INT32), has element type " + std::to_string(t.data_type()));
  }
}

onnx::TensorProto to_tensor_proto(const std::string& name, const HostParam& p) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : p.dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(p.values.data()), p.values.size() * sizeof(float)));
  return t;
}

}  // namespace vkcnn
