#include "layers/dense.h"

#include <algorithm>

namespace vkcnn {
namespace {

// C[I, J] (= or +=) A[I, P] B[P, J] with A[i, p] = a[i * a_si + p * a_sp], B[p, j] = b[p * b_sp + j * b_sj],
// C row-major with ldc = J columns. Matches the push constants of shaders/dense_gemm.comp.
struct GemmPush {
  uint32_t I, J, P;
  uint32_t chunk;
  uint32_t a_si, a_sp;
  uint32_t b_sp, b_sj;
  uint32_t ldc;
  float slope;
};
struct ReducePush {
  uint32_t count, J, splits;
  float slope;
};
struct GemvPush {
  uint32_t K, M;
  float slope;
};
struct BiasPush {
  uint32_t N, M;
};

enum GemmMode : uint32_t { kStore = 0, kAccumulate = 1, kPartial = 2 };  // MODE_* in dense_gemm.comp

// Below this batch the forward pass is a matrix-vector product: a GEMV that splits K across a
// workgroup beats a GEMM whose tiles would be almost all padding (shaders/dense_gemv.comp).
constexpr uint32_t kMaxGemvRows = 8;
constexpr uint32_t kMaxGroups = 65535;
constexpr uint32_t kDepthStep = 16;  // BK in dense_gemm.comp
// Tiling targets, sized for a large GPU (an H100 has 132 compute units): a register block is
// taken only if it leaves kEnoughGroups tiles; with fewer than kSplitBelow tiles, K is split so
// that about kSplitTarget workgroups run, each walking at least kMinChunk of K.
constexpr uint64_t kEnoughGroups = 64, kSplitBelow = 128, kSplitTarget = 256;
constexpr uint32_t kMinChunk = 128;

struct GemmPlan {
  uint32_t block = 1;   // register block R: tiles of 16R x 16R
  uint32_t splits = 1;  // workgroups along K
  uint32_t chunk = 0;   // K per split
  std::size_t scratch_floats(uint32_t I, uint32_t J) const { return splits > 1 ? std::size_t(splits) * I * J : 0; }
};

GemmPlan plan_gemm(uint32_t I, uint32_t J, uint32_t P, uint32_t forced_block) {
  GemmPlan g;
  g.block = forced_block;
  if (!g.block) {
    g.block = 1;
    for (uint32_t r : {4u, 2u})
      if (uint64_t(div_up(I, 16 * r)) * div_up(J, 16 * r) >= kEnoughGroups) {
        g.block = r;
        break;
      }
  }
  g.chunk = P;
  const uint64_t tiles = uint64_t(div_up(I, 16 * g.block)) * div_up(J, 16 * g.block);
  if (tiles < kSplitBelow) {
    const uint64_t splits = std::min<uint64_t>(div_up(kSplitTarget, tiles), div_up(P, kMinChunk));
    if (splits > 1) {
      g.chunk = div_up(div_up(P, splits), kDepthStep) * kDepthStep;
      g.splits = div_up(P, g.chunk);
    }
  }
  return g;
}

struct Gemm {
  GemmPush push;
  bool accumulate = false;  // C += A B, else C = act(A B + bias)
  bool has_bias = false;
  Activation act = Activation::None;
};

// Records C (op)= A B, through the scratch partials when the plan splits K and scratch has room
// for them (without it the product still comes out right, on fewer workgroups).
void record_gemm(Recorder& rec, Gemm g, uint32_t forced_block, Binding a, Binding b, Binding bias, Binding c,
                 const TensorView& scratch) {
  GemmPush& p = g.push;
  GemmPlan plan = plan_gemm(p.I, p.J, p.P, forced_block);
  const std::size_t need = plan.scratch_floats(p.I, p.J);
  if (need && (scratch.empty() || scratch.shape.count() < need)) plan.splits = 1, plan.chunk = p.P;
  p.chunk = plan.chunk;

  const uint32_t r = plan.block;
  Groups groups{div_up(p.J, 16 * r), div_up(p.I, 16 * r), plan.splits};
  if (groups.x > kMaxGroups || groups.y > kMaxGroups)
    throw Error("dense: a " + std::to_string(p.I) + " x " + std::to_string(p.J) + " product needs more than " +
                std::to_string(kMaxGroups) + " workgroups in one dimension");
  const uint32_t mode = plan.splits > 1 ? kPartial : g.accumulate ? kAccumulate : kStore;
  const uint32_t spec[] = {r, p.a_sp == 1, p.b_sp == 1, mode, g.has_bias, static_cast<uint32_t>(g.act)};
  const Kernel& k = rec.context().kernel(ShaderId::dense_gemm, 4, spec);
  if (plan.splits == 1) {
    rec.dispatch(k, {a, b, bias, c}, p, groups);
    return;
  }
  // partials [splits, I, J] in scratch, then C (op)= their sum
  rec.dispatch(k, {a, b, bias, scratch.writes()}, p, groups);
  const uint32_t rspec[] = {g.accumulate, g.has_bias, static_cast<uint32_t>(g.act)};
  const Kernel& reduce = rec.context().kernel(ShaderId::dense_gemm_reduce, 3, rspec);
  const std::size_t count = std::size_t(p.I) * p.J;
  rec.dispatch(reduce, {scratch.reads(), bias, c}, ReducePush{static_cast<uint32_t>(count), p.J, plan.splits, p.slope},
               elementwise_groups(count));
}

}  // namespace

DenseLayer::DenseLayer(std::string name, uint32_t out_features, bool bias)
    : Layer(std::move(name)), out_features_(out_features), bias_(bias) {
  if (out_features == 0) throw error("out_features must be at least 1");
}

bool DenseLayer::fuse_activation(Activation kind, float negative_slope) {
  act_ = kind;
  slope_ = negative_slope;
  return true;
}

void DenseLayer::set_register_block(uint32_t r) {
  if (r != 0 && r != 1 && r != 2 && r != 4) throw error("register block must be 0 (automatic), 1, 2 or 4");
  forced_block_ = r;
}

Shape DenseLayer::output_shape(std::span<const Shape> inputs) const {
  if (inputs.size() != 1) throw error("takes one input, got " + std::to_string(inputs.size()));
  return Shape{inputs[0].n, out_features_, 1, 1};
}

std::vector<ParamDesc> DenseLayer::params(std::span<const Shape> inputs) const {
  const int64_t in = static_cast<int64_t>(inputs[0].per_image());
  std::vector<ParamDesc> out = {{"weight", {out_features_, in}, true, ParamInit::KaimingUniform, in}};
  if (bias_) out.push_back({"bias", {out_features_}, true, ParamInit::FanInUniform, in});
  return out;
}

std::size_t DenseLayer::scratch_floats(std::span<const Shape> inputs, bool training) const {
  const uint32_t N = inputs[0].n, K = static_cast<uint32_t>(inputs[0].per_image()), M = out_features_;
  std::size_t need = 0;
  if (forced_block_ || N > kMaxGemvRows || M > kMaxGroups)  // forward takes the GEMM
    need = plan_gemm(N, M, K, forced_block_).scratch_floats(N, M);
  if (training)
    need = std::max({need, plan_gemm(N, K, M, forced_block_).scratch_floats(N, K),
                     plan_gemm(M, K, N, forced_block_).scratch_floats(M, K)});
  return need;
}

void DenseLayer::forward(Recorder& rec, const LayerIO& io) {
  const TensorView& x = io.inputs[0];  // (N, K)
  const TensorView& w = io.params[0];  // [M, K]
  const Binding bias = bias_ ? io.params[1].reads() : w.reads();  // bound but unread without bias
  const uint32_t N = x.shape.n, K = static_cast<uint32_t>(x.shape.per_image()), M = out_features_;

  if (forced_block_ == 0 && N <= kMaxGemvRows && M <= kMaxGroups) {
    const uint32_t spec[] = {N, bias_, static_cast<uint32_t>(act_)};
    const Kernel& k = rec.context().kernel(ShaderId::dense_gemv, 4, spec);
    rec.dispatch(k, {x.reads(), w.reads(), bias, io.output.writes()}, GemvPush{K, M, slope_}, Groups{M, 1, 1});
    return;
  }
  // Y[n, m] = sum_k X[n, k] W[m, k]: A = X, B[k, m] = W[m, k].
  Gemm g{GemmPush{N, M, K, 0, K, 1, 1, K, M, slope_}, false, bias_, act_};
  record_gemm(rec, g, forced_block_, x.reads(), w.reads(), bias, io.output.writes(), io.scratch);
}

void DenseLayer::backward(Recorder& rec, const LayerIO& io, const LayerGrads& grads) {
  if (act_ != Activation::None)
    throw error("backward pass is not available with a fused activation (fusion is for inference)");
  if (grads.grad_params.size() != (bias_ ? 2u : 1u))
    throw error("backward needs " + std::to_string(bias_ ? 2 : 1) + " parameter gradients, got " +
                std::to_string(grads.grad_params.size()));
  const TensorView& x = io.inputs[0];        // (N, K)
  const TensorView& w = io.params[0];        // [M, K]
  const TensorView& dy = grads.grad_output;  // (N, M)
  const uint32_t N = x.shape.n, K = static_cast<uint32_t>(x.shape.per_image()), M = out_features_;

  // dX[n, k] += sum_m dY[n, m] W[m, k]: A = dY, B = W. (The bias slot is bound but unread.)
  if (!grads.grad_inputs.empty() && !grads.grad_inputs[0].empty()) {
    Gemm g{GemmPush{N, K, M, 0, M, 1, K, 1, K, 0.f}, true};
    record_gemm(rec, g, forced_block_, dy.reads(), w.reads(), w.reads(), grads.grad_inputs[0].writes(), io.scratch);
  }
  // dW[m, k] += sum_n dY[n, m] X[n, k]: A[m, n] = dY[n, m], B = X.
  Gemm g{GemmPush{M, K, N, 0, 1, M, K, 1, K, 0.f}, true};
  record_gemm(rec, g, forced_block_, dy.reads(), x.reads(), x.reads(), grads.grad_params[0].writes(), io.scratch);

  // db[m] += sum_n dY[n, m]
  if (bias_) {
    const Kernel& k = rec.context().kernel(ShaderId::dense_backward_bias, 2);
    rec.dispatch(k, {dy.reads(), grads.grad_params[1].writes()}, BiasPush{N, M}, elementwise_groups(M));
  }
}

}  // namespace vkcnn
