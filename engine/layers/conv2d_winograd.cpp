#include "layers/conv2d_winograd.h"

#include <algorithm>

#include "layers/conv2d.h"
#include "layers/texel_inputs.h"

namespace vkcnn::conv2d::winograd {
namespace {

// Mirrors the push block of shaders/conv2d_winograd_common.glsl (76 bytes).
struct Push {
  uint32_t batch, cin, h, w;
  uint32_t cout, oh, ow;
  uint32_t tiles_w, tiles_img;
  uint32_t tile0, tiles;
  uint32_t u_off, v_off, m_off;
  uint32_t cin_stride, cout_stride, chunk;
  FastDiv div_img, div_tw;
  float slope;
};
static_assert(sizeof(Push) == 88);

// V + M of one chunk stay under 2^21 floats (8 MiB): a ResNet-18 at 224x224, batch 1, runs
// every layer in one chunk, while a large batch runs in several instead of growing scratch.
constexpr uint64_t kChunkBudget = uint64_t(1) << 21;
constexpr uint64_t kMinChunk = 64;  // tiles: one transform workgroup
constexpr uint32_t kLocal = 64;     // local_size_x of the transform shaders
constexpr uint32_t kMaxGroupsPerDim = 65535;

// Rows of U, V and M start on 16-byte boundaries (the subgroup GEMM reads them as vec4s).
uint64_t round4(uint64_t n) { return (n + 3) / 4 * 4; }
// A tile's V row and M row in every transform position.
uint64_t floats_per_tile(const Problem& p) { return uint64_t(p.positions()) * (round4(p.cin) + round4(p.cout)); }
uint64_t u_floats(const Problem& p) { return uint64_t(p.positions()) * p.cin * round4(p.cout); }

uint64_t chunk_tiles(const Problem& p) {
  return std::min(p.tiles(), std::max(kMinChunk, kChunkBudget / floats_per_tile(p)));
}

// Specialization constants 0..12: the GEMM tiling (unused but for the GEMM), then
// shaders/conv2d_winograd_common.glsl's. Each shader gets defaults for what it ignores, so
// that layers differing only there share its pipeline.
std::vector<uint32_t> specialization(const Tile& t, uint32_t m, uint32_t pad_h = 0, uint32_t pad_w = 0,
                                     const Epilogue& e = {}) {
  return {t.threads(),
          t.bm,
          t.bn,
          t.bk,
          t.tm,
          t.tn,
          m,
          pad_h,
          pad_w,
          static_cast<uint32_t>(e.act),
          e.bias ? 1u : 0u,
          e.accumulate ? 1u : 0u,
          e.flip ? 1u : 0u};
}
constexpr Tile kNoTile{4, 4, 4, 4, 4};

}  // namespace

uint64_t Problem::tiles() const { return uint64_t(batch) * ((oh + tile - 1) / tile) * ((ow + tile - 1) / tile); }

std::size_t scratch_floats(const Problem& p) { return u_floats(p) + floats_per_tile(p) * chunk_tiles(p); }

std::size_t min_scratch_floats(const Problem& p) {
  return u_floats(p) + floats_per_tile(p) * std::min<uint64_t>(p.tiles(), kMinChunk);
}

namespace {

// Where U, V and M lie in scratch, and how many tiles a chunk has.
struct Layout {
  uint64_t chunk, u_off, v_off, m_off;
};

Layout layout(const Problem& p, const TensorView& scratch) {
  if (p.tile != 2 && p.tile != 4) throw Error("conv2d winograd: output tiles must be 2x2 or 4x4");
  const uint64_t capacity = scratch.empty() ? 0 : scratch.shape.count();
  if (capacity < min_scratch_floats(p))
    throw Error("conv2d winograd: scratch of " + std::to_string(capacity) + " floats, needs " +
                std::to_string(min_scratch_floats(p)));
  if (std::max(p.cin, p.cout) > kMaxGroupsPerDim) throw Error("conv2d winograd: more than 65535 channels");
  // A larger scratch (training's, sized for the weight gradient) still runs budget-sized chunks,
  // which keep the transform grids within Vulkan's limits.
  const uint64_t chunk = std::min(chunk_tiles(p), (capacity - u_floats(p)) / floats_per_tile(p));
  // scratch: U (a*a, cin, round4(cout)) | V (a*a, chunk, round4(cin)) | M (a*a, chunk, round4(cout))
  const uint64_t v_off = u_floats(p), m_off = v_off + uint64_t(p.positions()) * chunk * round4(p.cin);
  if (m_off + uint64_t(p.positions()) * chunk * round4(p.cout) > (uint64_t(1) << 32) ||
      p.tiles() >= (uint64_t(1) << 31))
    throw Error("conv2d winograd: tensors past 2^31 elements are not supported");
  return {chunk, 0, v_off, m_off};
}

Push make_push(const Problem& p, const Layout& l, float slope) {
  const uint32_t tiles_w = (p.ow + p.tile - 1) / p.tile, tiles_h = (p.oh + p.tile - 1) / p.tile;
  return {p.batch,
          p.cin,
          p.h,
          p.w,
          p.cout,
          p.oh,
          p.ow,
          tiles_w,
          tiles_w * tiles_h,
          0,
          0,
          static_cast<uint32_t>(l.u_off),
          static_cast<uint32_t>(l.v_off),
          static_cast<uint32_t>(l.m_off),
          static_cast<uint32_t>(round4(p.cin)),
          static_cast<uint32_t>(round4(p.cout)),
          static_cast<uint32_t>(l.chunk),
          FastDiv(tiles_w * tiles_h),
          FastDiv(tiles_w),
          slope};
}

}  // namespace

void record_weights(Recorder& rec, const Problem& p, bool flip, const TensorView& w, const TensorView& scratch) {
  const Push push = make_push(p, layout(p, scratch), 0.f);
  const Kernel& k = rec.context().kernel(in_precision_of(w, ShaderId::conv2d_winograd_weight),
                                         specialization(kNoTile, p.tile, 0, 0, {.flip = flip}));
  rec.dispatch(k, {w.reads(), scratch.writes()}, push, Groups{div_up(p.cin, kLocal), p.cout, 1});
}

void record(Recorder& rec, const Problem& p, const Epilogue& e, const TensorView& x, const TensorView& w,
            const TensorView& b, const TensorView& y, const TensorView& scratch, bool weights_ready) {
  const Layout l = layout(p, scratch);
  Push push = make_push(p, l, e.slope);
  Context& ctx = rec.context();
  if (!weights_ready) record_weights(rec, p, e.flip, w, scratch);

  // The transforms read x and M as texels where the views can hold them (texel_inputs.h).
  const bool x_texels = use_texel_inputs(ctx, {x.shape.count()});
  const bool m_texels = use_texel_inputs(ctx, {scratch.shape.count()});
  const Kernel& input =
      ctx.kernel(in_precision_of(x, x_texels ? ShaderId::conv2d_winograd_input_texel : ShaderId::conv2d_winograd_input),
                 specialization(kNoTile, p.tile, p.pad_h, p.pad_w));
  const uint64_t largest = std::max(l.v_off - l.u_off, l.m_off - l.v_off) / 4;  // vec4 texels of U or V
  const bool subgroup =
      use_subgroup_gemm(p.gemm, largest, l.v_off * 4 % ctx.info().texel_offset_alignment == 0, ctx, "conv2d winograd");
  const Tile t = pick_tile(ctx, p.cout, l.chunk, p.positions(), p.gemm_tile);
  // The GEMMs do not depend on m (their count is the grid's z): one pipeline for both.
  // The subgroup core's rows are tiles: as many as the largest chunk holds.
  const Tile st = subgroup_tile(l.chunk);
  const Kernel& gemm = subgroup ? ctx.kernel(ShaderId::conv2d_winograd_gemm_subgroup, specialization(st, 2))
                                : ctx.kernel(ShaderId::conv2d_winograd_gemm, specialization(t, 2));
  const uint64_t u_count = l.v_off - l.u_off, v_count = l.m_off - l.v_off;
  Epilogue out_e = e;
  out_e.flip = false;
  const Kernel& output = ctx.kernel(
      in_precision_of(y, m_texels ? ShaderId::conv2d_winograd_output_texel : ShaderId::conv2d_winograd_output),
      specialization(kNoTile, p.tile, 0, 0, out_e));
  const uint64_t total = p.tiles();
  for (uint64_t first = 0; first < total; first += l.chunk) {
    push.tile0 = static_cast<uint32_t>(first);
    push.tiles = static_cast<uint32_t>(std::min(l.chunk, total - first));
    rec.dispatch(input, {::vkcnn::input(x, x_texels), scratch.writes()}, push,
                 Groups{div_up(push.tiles, kLocal), div_up(p.cin, 4), 1});
    if (subgroup)
      rec.dispatch(gemm,
                   {scratch.reads_vec4s(l.u_off, u_count), scratch.reads_vec4s(l.v_off, v_count), scratch.writes()},
                   push, Groups{div_up(p.cout, kSubgroupColumns), div_up(push.tiles, st.bm), p.positions()});
    else
      rec.dispatch(gemm, {scratch.writes()}, push,
                   Groups{div_up(push.tiles, t.bn), div_up(p.cout, t.bm), p.positions()});
    rec.dispatch(output, {::vkcnn::input(scratch, m_texels), e.bias ? b.reads() : scratch.reads(), y.writes()}, push,
                 Groups{div_up(push.tiles, kLocal), p.cout, 1});
  }
}

}  // namespace vkcnn::conv2d::winograd
