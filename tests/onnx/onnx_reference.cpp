#include "onnx/onnx_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "reference/activation.h"
#include "reference/avgpool2d.h"
#include "reference/batchnorm2d.h"
#include "reference/conv2d.h"
#include "reference/global_avgpool.h"
#include "reference/log_softmax.h"
#include "reference/maxpool2d.h"
#include "reference/softmax.h"

namespace vkcnn::test {
namespace {

struct Value {
  std::vector<int64_t> dims;
  std::vector<double> data;
};

template <typename T>
std::vector<double> raw(const std::string& bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return {v.begin(), v.end()};
}

// Typed fields (as the tests' builder writes) or raw little-endian data (as vkcnn-export and
// PyTorch write).
Value from_tensor(const onnx::TensorProto& t) {
  Value v{{t.dims().begin(), t.dims().end()}, {}};
  const bool is_raw = t.has_raw_data();
  if (t.data_type() == onnx::TensorProto::FLOAT)
    v.data = is_raw ? raw<float>(t.raw_data()) : std::vector<double>(t.float_data().begin(), t.float_data().end());
  else if (t.data_type() == onnx::TensorProto::INT64)
    v.data = is_raw ? raw<int64_t>(t.raw_data()) : std::vector<double>(t.int64_data().begin(), t.int64_data().end());
  else
    throw std::runtime_error("reference: initializer type " + std::to_string(t.data_type()));
  return v;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t int_attr(const onnx::NodeProto& n, const char* name, int64_t fallback) {
  const auto* a = attribute(n, name);
  return a ? a->i() : fallback;
}
float float_attr(const onnx::NodeProto& n, const char* name, float fallback) {
  const auto* a = attribute(n, name);
  return a ? a->f() : fallback;
}
std::vector<int64_t> ints_attr(const onnx::NodeProto& n, const char* name, std::vector<int64_t> fallback) {
  const auto* a = attribute(n, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

Shape shape4(const std::vector<int64_t>& d) {
  return {static_cast<uint32_t>(d[0]), static_cast<uint32_t>(d[1]), static_cast<uint32_t>(d[2]),
          static_cast<uint32_t>(d[3])};
}

// Explicit padding (any four pads, `fill` in the new cells): how asymmetric pads are checked
// independently of the importer's reading of them.
Value pad(const Value& x, const std::vector<int64_t>& p, double fill) {
  const auto& d = x.dims;
  Value y{{d[0], d[1], d[2] + p[0] + p[2], d[3] + p[1] + p[3]}, {}};
  y.data.assign(static_cast<std::size_t>(y.dims[0] * y.dims[1] * y.dims[2] * y.dims[3]), fill);
  for (int64_t nc = 0; nc < d[0] * d[1]; ++nc)
    for (int64_t i = 0; i < d[2]; ++i)
      for (int64_t j = 0; j < d[3]; ++j)
        y.data[(nc * y.dims[2] + i + p[0]) * y.dims[3] + j + p[1]] = x.data[(nc * d[2] + i) * d[3] + j];
  return y;
}

std::vector<int64_t> same_pads(const onnx::NodeProto& n, const std::vector<int64_t>& x, const std::vector<int64_t>& k,
                               const std::vector<int64_t>& s, const std::vector<int64_t>& dil) {
  const std::string mode = attribute(n, "auto_pad") ? attribute(n, "auto_pad")->s() : "NOTSET";
  std::vector<int64_t> p = ints_attr(n, "pads", {0, 0, 0, 0});
  if (mode == "VALID") p = {0, 0, 0, 0};
  if (mode == "SAME_UPPER" || mode == "SAME_LOWER")
    for (int i = 0; i < 2; ++i) {
      const int64_t out = (x[2 + i] + s[i] - 1) / s[i];
      const int64_t total = std::max<int64_t>(0, (out - 1) * s[i] + (k[i] - 1) * dil[i] + 1 - x[2 + i]);
      p[i] = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      p[2 + i] = total - p[i];
    }
  return p;
}

Value conv(const onnx::NodeProto& n, const Value& x, const Value& w, const Value* b) {
  const std::vector<int64_t> k{w.dims[2], w.dims[3]};
  const auto s = ints_attr(n, "strides", {1, 1}), dil = ints_attr(n, "dilations", {1, 1});
  const Value xp = pad(x, same_pads(n, x.dims, k, s, dil), 0.0);
  reference::Conv2dConfig c;
  c.out_channels = static_cast<uint32_t>(w.dims[0]);
  c.kh = static_cast<uint32_t>(k[0]), c.kw = static_cast<uint32_t>(k[1]);
  c.sh = static_cast<uint32_t>(s[0]), c.sw = static_cast<uint32_t>(s[1]);
  c.dh = static_cast<uint32_t>(dil[0]), c.dw = static_cast<uint32_t>(dil[1]);
  c.groups = static_cast<uint32_t>(int_attr(n, "group", 1));
  const Shape in = shape4(xp.dims), out = reference::conv2d_output_shape(c, in);
  return {{out.n, out.c, out.h, out.w},
          reference::conv2d_forward(c, in, xp.data, w.data, b ? b->data : std::vector<double>{})};
}

Value pool(const onnx::NodeProto& n, const Value& x) {
  const auto k = ints_attr(n, "kernel_shape", {}), s = ints_attr(n, "strides", {1, 1});
  const auto dil = ints_attr(n, "dilations", {1, 1});
  const auto p = same_pads(n, x.dims, k, s, dil);
  if (p[0] != p[2] || p[1] != p[3]) throw std::runtime_error("reference: asymmetric pool pads");
  reference::Pool2dConfig c;
  c.kh = int(k[0]), c.kw = int(k[1]), c.sh = int(s[0]), c.sw = int(s[1]), c.ph = int(p[0]), c.pw = int(p[1]);
  c.dh = int(dil[0]), c.dw = int(dil[1]);
  c.ceil_mode = int_attr(n, "ceil_mode", 0) != 0;
  c.count_include_pad = int_attr(n, "count_include_pad", 0) != 0;
  const Shape in = shape4(x.dims), out = reference::pool_output_shape(c, in);
  std::vector<double> y = n.op_type() == "MaxPool" ? reference::maxpool2d_forward(c, in, x.data).y
                                                   : reference::avgpool2d_forward(c, in, x.data);
  return {{out.n, out.c, out.h, out.w}, y};
}

// Y = alpha * A' B' + beta * C, A' (M, K), B' (K, N), C broadcast per column or scalar.
Value gemm(const Value& a, const Value& b, const Value* c, bool trans_b, double alpha, double beta) {
  const int64_t m = a.dims[0], k = a.dims[1], cols = trans_b ? b.dims[0] : b.dims[1];
  Value y{{m, cols}, std::vector<double>(static_cast<std::size_t>(m * cols))};
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double sum = 0;
      for (int64_t t = 0; t < k; ++t) sum += a.data[i * k + t] * (trans_b ? b.data[j * k + t] : b.data[t * cols + j]);
      const double bias = c ? c->data[c->data.size() == 1 ? 0 : j] : 0.0;
      y.data[i * cols + j] = alpha * sum + beta * bias;
    }
  return y;
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

// y[i_0, ..., i_k] = x[sum over axes of (begin_a + i_a) * x_stride_(from_a)]: Transpose (from =
// perm, begin 0) and Slice (from = identity, begin = the start) by one loop.
Value gather_view(const Value& x, const std::vector<int64_t>& out_dims, const std::vector<int64_t>& from,
                  const std::vector<int64_t>& begin) {
  const auto xs = strides_of(x.dims);
  Value y{out_dims, {}};
  int64_t count = 1;
  for (int64_t d : out_dims) count *= d;
  std::vector<int64_t> idx(out_dims.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (std::size_t a = 0; a < idx.size(); ++a) src += (begin[a] + idx[a]) * xs[from[a]];
    y.data.push_back(x.data[src]);
    for (int a = static_cast<int>(idx.size()) - 1; a >= 0 && ++idx[a] == out_dims[a]; --a) idx[a] = 0;
  }
  return y;
}

std::vector<int64_t> as_ints(const Value& v) { return {v.data.begin(), v.data.end()}; }

Value elementwise(const Value& x, const std::function<double(double)>& f) {
  Value y = x;
  for (double& v : y.data) v = f(v);
  return y;
}

}  // namespace

std::vector<double> onnx_reference_forward(const onnx::ModelProto& model, int64_t batch, const std::vector<double>& x) {
  const auto& g = model.graph();
  std::map<std::string, Value> v;
  for (const auto& t : g.initializer()) v[t.name()] = from_tensor(t);
  for (const auto& in : g.input())
    if (!v.count(in.name())) {
      const auto& d = in.type().tensor_type().shape().dim();
      v[in.name()] = {{batch, d[1].dim_value(), d[2].dim_value(), d[3].dim_value()}, x};
    }
  int64_t opset = 0;
  for (const auto& o : model.opset_import()) opset = o.version();
  for (const auto& n : g.node()) {
    const std::string& op = n.op_type();
    auto in = [&](int i) -> const Value& { return v.at(n.input(i)); };
    auto has = [&](int i) { return n.input_size() > i && !n.input(i).empty(); };
    Value y;
    if (op == "Conv") {
      y = conv(n, in(0), in(1), has(2) ? &in(2) : nullptr);
    } else if (op == "BatchNormalization") {
      y = in(0);
      y.data = reference::batchnorm2d_forward(shape4(y.dims), in(0).data, in(3).data, in(4).data, in(1).data,
                                              in(2).data, float_attr(n, "epsilon", 1e-5f));
    } else if (op == "Relu" || op == "Sigmoid" || op == "LeakyRelu") {
      const std::string type = op == "Relu" ? "relu" : op == "Sigmoid" ? "sigmoid" : "leaky_relu";
      const double alpha = float_attr(n, "alpha", 0.01f);
      y = elementwise(in(0), [&](double t) { return reference::activate(type, t, alpha); });
    } else if (op == "Tanh") {
      y = elementwise(in(0), [](double t) { return std::tanh(t); });
    } else if (op == "HardSigmoid" || op == "HardSwish") {
      // ONNX: max(0, min(1, alpha * x + beta)); HardSwish is x times that with alpha 1/6, beta 1/2.
      const double alpha = op == "HardSwish" ? 1.0 / 6 : float_attr(n, "alpha", 0.2f);
      const double beta = op == "HardSwish" ? 0.5 : float_attr(n, "beta", 0.5f);
      const bool swish = op == "HardSwish";
      y = elementwise(in(0), [&](double t) { return (swish ? t : 1.0) * std::clamp(alpha * t + beta, 0.0, 1.0); });
    } else if (op == "Mul") {
      // Same dims, or (N, C, H, W) by (N, C, 1, 1) in either order (numpy broadcasting).
      const Value &a = in(0), &b = in(1);
      y = a.data.size() >= b.data.size() ? a : b;
      const Value& small = a.data.size() >= b.data.size() ? b : a;
      const std::size_t repeat = y.data.size() / small.data.size();
      for (std::size_t i = 0; i < y.data.size(); ++i) y.data[i] *= small.data[i / repeat];
    } else if (op == "Concat" && int_attr(n, "axis", 1) == 0) {  // of 1-D shape vectors
      for (int i = 0; i < n.input_size(); ++i) y.data.insert(y.data.end(), in(i).data.begin(), in(i).data.end());
      y.dims = {static_cast<int64_t>(y.data.size())};
    } else if (op == "Concat") {
      if (int_attr(n, "axis", 1) != 1) throw std::runtime_error("reference: concat axis");
      y.dims = in(0).dims;
      y.dims[1] = 0;
      for (int i = 0; i < n.input_size(); ++i) y.dims[1] += in(i).dims[1];
      const int64_t batch = y.dims[0];
      for (int64_t b = 0; b < batch; ++b)
        for (int i = 0; i < n.input_size(); ++i) {
          const std::size_t per_image = in(i).data.size() / batch;
          y.data.insert(y.data.end(), in(i).data.begin() + b * per_image, in(i).data.begin() + (b + 1) * per_image);
        }
    } else if (op == "Clip") {
      // Opset 11 moved the bounds from attributes to inputs.
      double lo = opset < 11 ? float_attr(n, "min", -INFINITY) : has(1) ? in(1).data[0] : -INFINITY;
      double hi = opset < 11 ? float_attr(n, "max", INFINITY) : has(2) ? in(2).data[0] : INFINITY;
      y = elementwise(in(0), [&](double t) { return std::clamp(t, lo, hi); });
    } else if (op == "MaxPool" || op == "AveragePool") {
      y = pool(n, in(0));
    } else if (op == "GlobalAveragePool" || op == "ReduceMean") {
      const auto& d = in(0).dims;
      const bool keep = op == "GlobalAveragePool" || int_attr(n, "keepdims", 1) != 0;
      y = {keep ? std::vector<int64_t>{d[0], d[1], 1, 1} : std::vector<int64_t>{d[0], d[1]},
           reference::global_avgpool_forward(shape4(d), in(0).data)};
    } else if (op == "Gemm") {
      if (int_attr(n, "transA", 0)) throw std::runtime_error("reference: transA");
      y = gemm(in(0), in(1), has(2) ? &in(2) : nullptr, int_attr(n, "transB", 0) != 0, float_attr(n, "alpha", 1.f),
               float_attr(n, "beta", 1.f));
    } else if (op == "MatMul") {
      y = gemm(in(0), in(1), nullptr, false, 1.0, 0.0);
    } else if (op == "Add") {
      const Value &a = in(0), &b = in(1);
      y = a.data.size() >= b.data.size() ? a : b;
      const Value& small = a.data.size() >= b.data.size() ? b : a;  // same shape, or a bias per column
      for (std::size_t i = 0; i < y.data.size(); ++i) y.data[i] += small.data[i % small.data.size()];
    } else if (op == "Flatten") {
      y = in(0);
      y.dims = {y.dims[0], static_cast<int64_t>(y.data.size()) / y.dims[0]};
    } else if (op == "Reshape") {  // 0 copies the input's dim, -1 takes the rest
      y = in(0);
      y.dims = as_ints(in(1));
      int64_t known = 1, rest = -1;
      for (std::size_t i = 0; i < y.dims.size(); ++i) {
        if (y.dims[i] == 0) y.dims[i] = in(0).dims[i];
        if (y.dims[i] == -1)
          rest = static_cast<int64_t>(i);
        else
          known *= y.dims[i];
      }
      if (rest >= 0) y.dims[rest] = static_cast<int64_t>(y.data.size()) / known;
    } else if (op == "Transpose") {
      const auto perm = ints_attr(n, "perm", {});
      std::vector<int64_t> dims;
      for (int64_t p : perm) dims.push_back(in(0).dims[p]);
      y = gather_view(in(0), dims, perm, std::vector<int64_t>(perm.size(), 0));
    } else if (op == "Slice") {  // steps 1
      const auto& d = in(0).dims;
      const int64_t rank = static_cast<int64_t>(d.size());
      std::vector<int64_t> from(d.size()), begin(d.size(), 0), dims = d;
      for (int64_t a = 0; a < rank; ++a) from[a] = a;
      const auto starts = as_ints(in(1)), ends = as_ints(in(2));
      for (std::size_t i = 0; i < starts.size(); ++i) {
        int64_t axis = has(3) ? as_ints(in(3))[i] : static_cast<int64_t>(i);
        if (axis < 0) axis += rank;
        auto bound = [&](int64_t b) { return std::clamp<int64_t>(b < 0 ? b + d[axis] : b, 0, d[axis]); };
        begin[axis] = bound(starts[i]);
        dims[axis] = bound(ends[i]) - begin[axis];
      }
      y = gather_view(in(0), dims, from, begin);
    } else if (op == "Split") {  // on one axis, sizes from the input or equal
      const auto& d = in(0).dims;
      int64_t axis = int_attr(n, "axis", 0);
      if (axis < 0) axis += static_cast<int64_t>(d.size());
      std::vector<int64_t> sizes =
          has(1) ? as_ints(in(1)) : std::vector<int64_t>(n.output_size(), d[axis] / n.output_size());
      std::vector<int64_t> from(d.size()), begin(d.size(), 0);
      for (std::size_t a = 0; a < d.size(); ++a) from[a] = static_cast<int64_t>(a);
      for (int o = 0; o < n.output_size(); ++o) {
        std::vector<int64_t> dims = d;
        dims[axis] = sizes[o];
        v[n.output(o)] = gather_view(in(0), dims, from, begin);
        begin[axis] += sizes[o];
      }
      continue;
    } else if (op == "Pad") {  // constant, H and W of (N, C, H, W)
      const auto p = as_ints(in(1));
      y = pad(in(0), {p[2], p[3], p[6], p[7]}, has(2) ? in(2).data[0] : 0.0);
    } else if (op == "Shape") {
      y = {{static_cast<int64_t>(in(0).dims.size())}, {in(0).dims.begin(), in(0).dims.end()}};
    } else if (op == "Gather") {  // axis 0 of a 1-D shape
      y = {in(1).dims, {}};
      for (double i : in(1).data) y.data.push_back(in(0).data[static_cast<std::size_t>(i)]);
    } else if (op == "Unsqueeze") {  // of a scalar
      y = {{static_cast<int64_t>(in(0).data.size())}, in(0).data};
    } else if (op == "Cast") {
      y = in(0);
    } else if (op == "Div") {  // integer division of shape values (ONNX's truncates)
      y = in(0);
      for (double& t : y.data) t = std::trunc(t / in(1).data[0]);
    } else if (op == "Softmax" || op == "LogSoftmax") {
      y = in(0);
      const int64_t n_rows = y.dims[0], features = static_cast<int64_t>(y.data.size()) / n_rows;
      const int64_t axis = int_attr(n, "axis", opset < 13 ? 1 : -1);
      if (!(axis == 1 || (axis == -1 && y.dims.size() == 2))) throw std::runtime_error("reference: softmax axis");
      const Shape rows{static_cast<uint32_t>(n_rows), static_cast<uint32_t>(features), 1, 1};
      y.data =
          op == "Softmax" ? reference::softmax_forward(rows, y.data) : reference::log_softmax_forward(rows, y.data);
    } else if (op == "Dropout" || op == "Identity") {
      y = in(0);
    } else if (op == "Constant") {
      y = from_tensor(attribute(n, "value")->t());
    } else {
      throw std::runtime_error("reference: no " + op);
    }
    v[n.output(0)] = std::move(y);
  }
  return v.at(g.output(0).name()).data;
}

}  // namespace vkcnn::test
