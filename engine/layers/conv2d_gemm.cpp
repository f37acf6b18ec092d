// The GEMM cores' device side: the shared-memory core's tile tables and the choice of a tiling,
// whether the subgroup core runs, how the weight gradient is split, and the fast division the
// shaders share.
#include <algorithm>
#include <thread>

#include "layers/conv2d.h"

namespace vkcnn {
namespace {

using conv2d::Tile;

// GPUs: 256-invocation groups, 8x8 register blocks only for large tiles.
constexpr Tile kGpuTiles[] = {
    {128, 128, 16, 8, 8}, {64, 128, 16, 4, 8}, {128, 64, 16, 8, 4}, {64, 64, 16, 4, 4},
    {32, 128, 16, 4, 4},  {128, 32, 16, 4, 4}, {16, 128, 16, 4, 4}, {128, 16, 16, 4, 4},
    {4, 256, 16, 4, 4},   {32, 32, 16, 4, 4},  {64, 16, 16, 4, 4},
};
// CPU devices (lavapipe) execute every load lane by lane, so there loads per FMA decide and
// 8x8 blocks (a quarter of a load per FMA) measured fastest; larger blocks spill.
constexpr Tile kCpuTiles[] = {
    {64, 64, 16, 8, 8},  {32, 128, 16, 8, 8}, {128, 32, 16, 8, 8}, {16, 128, 16, 8, 8},
    {128, 16, 16, 8, 8}, {64, 16, 16, 8, 8},  {32, 16, 8, 8, 8},
};
static_assert(std::all_of(std::begin(kGpuTiles), std::end(kGpuTiles), [](const Tile& t) { return t.valid(); }));
static_assert(std::all_of(std::begin(kCpuTiles), std::end(kCpuTiles), [](const Tile& t) { return t.valid(); }));
}  // namespace

namespace conv2d {

constexpr uint64_t kMinSplitDepth = 512;  // pixels per weight-gradient split worth a workgroup

uint64_t max_weight_splits(const Geometry& g) {
  constexpr uint64_t kMaxSplits = 64, kScratchBudget = uint64_t(1) << 22;  // floats
  return std::max<uint64_t>(1, std::min({g.pixels() / kMinSplitDepth, kMaxSplits, kScratchBudget / g.weights(),
                                         uint64_t(kMaxGroupsPerDim / g.groups)}));
}

WeightGradPlan weight_grad_plan(const Context& ctx, const Geometry& g, uint64_t capacity, bool subgroup,
                                const std::optional<Tile>& forced) {
  const uint64_t n = uint64_t(g.cin_g) * g.khw, k = g.pixels();
  // The subgroup core computes dw transposed (rows are taps, columns output channels) unless
  // the other way round makes fewer fetches.
  const bool tap_columns = subgroup && weight_gradient_taps_as_columns(n, g.cout_g, uint64_t(g.oh) * g.ow);
  const bool taps_as_rows = subgroup && !tap_columns;
  const uint64_t rows = taps_as_rows ? n : g.cout_g, columns = taps_as_rows ? g.cout_g : n;
  const Tile t = subgroup ? subgroup_tile(rows) : pick_tile(ctx, g.cout_g, n, g.groups, forced);
  const uint32_t row_tiles = div_up(rows, t.bm), column_tiles = div_up(columns, t.bn);
  const uint64_t tiles = uint64_t(row_tiles) * column_tiles * g.groups;
  uint64_t splits = (2 * parallel_slots(ctx) + tiles - 1) / tiles;
  splits = std::max<uint64_t>(1, std::min({splits, max_weight_splits(g), capacity}));
  uint64_t k_split = (k + splits - 1) / splits;
  k_split = (k_split + t.bk - 1) / t.bk * t.bk;
  const auto actual_splits = static_cast<uint32_t>((k + k_split - 1) / k_split);
  return {t, tap_columns, actual_splits, static_cast<uint32_t>(k_split),
          Groups{column_tiles, row_tiles, g.groups * actual_splits}};
}

uint32_t parallel_slots(const Context& ctx) {
  const std::string& type = ctx.info().type;
  if (type == "CPU") return std::max(1u, std::thread::hardware_concurrency());
  return type == "discrete GPU" ? 128 : 16;
}

std::span<const Tile> gpu_tiles() { return kGpuTiles; }
std::span<const Tile> cpu_tiles() { return kCpuTiles; }

// 32 rows share each fetch of B between twice the rows of 16 (1.45x faster on lavapipe, measured
// on 64 -> 64 3x3 at 56x56); at 16 rows or fewer, half of a 32-row tile would be padding.
Tile subgroup_tile(uint64_t rows) { return {rows > 16 ? 32u : 16u, kSubgroupColumns, 4, 4, 4}; }

bool weight_gradient_taps_as_columns(uint64_t taps, uint64_t channels, uint64_t pixels_per_image) {
  if (pixels_per_image % 4 != 0) return false;
  // The cost of a quad of pixels over all tiles, in half gathers: a vec4 fetch counts as 1.5
  // gathers (measured: refcnn's c1, 9 taps by 32 channels, runs 10 ms taps as rows and 11.8 ms
  // the other way; its c2, 288 by 64, 48.6 and 27 ms).
  auto cost = [](uint64_t rows, uint64_t columns, uint64_t per_row, uint64_t per_tile) {
    const Tile t = subgroup_tile(rows);
    return (rows + t.bm - 1) / t.bm * ((columns + t.bn - 1) / t.bn) * (t.bm * per_row + per_tile);
  };
  // Channels as rows: a vec4 of dy a row, 32 gathers of x a tile. Taps as rows: 4 gathers of x
  // a row, 8 vec4s of dy a tile.
  return cost(channels, taps, 3, 64) < cost(taps, channels, 8, 24);
}

bool use_subgroup_gemm(GemmKernel want, uint64_t largest_texels, bool aligned, const Context& ctx,
                       const std::string& what) {
  const bool fits = aligned && largest_texels <= ctx.info().max_texel_elements;
  switch (want) {
    case GemmKernel::Shared:
      return false;
    case GemmKernel::Auto:
      // Its workgroups of 8 are one SIMD register where subgroups are 8 wide (lavapipe).
      return fits && ctx.info().type == "CPU" && ctx.info().subgroup_size == 8;
    case GemmKernel::Subgroup:
      break;
  }
  if (!fits)
    throw Error(what + ": operands of " + std::to_string(largest_texels) +
                " texels exceed the subgroup GEMM's texel views");
  return true;
}

// The tiling with the least estimated time for an M x N GEMM in `groups` groups: rounds of
// `slots` workgroups, each costing its padded tile area times loads per FMA: 1/TM + 1/TN from
// shared memory, and on CPU devices also the tile loaders' 1/BM + 1/BN from device memory,
// which cost lavapipe about four times as much (measured: c2's weight gradient at batch 64 is
// 20% faster with 64x64 tiles than with the 64x16 that register loads alone would pick).
// Small M gets narrow channel tiles, small N short pixel tiles; ties go to the earlier tile.
Tile pick_tile(const Context& ctx, uint64_t m, uint64_t n, uint64_t groups, const std::optional<Tile>& forced) {
  if (forced) return *forced;
  const bool cpu = ctx.info().type == "CPU";
  const std::span<const Tile> tiles = cpu ? std::span<const Tile>(kCpuTiles) : std::span<const Tile>(kGpuTiles);
  const uint64_t slots = parallel_slots(ctx);
  const Tile* best = nullptr;
  double best_cost = 0;
  for (const Tile& t : tiles) {
    uint64_t workgroups = (m + t.bm - 1) / t.bm * ((n + t.bn - 1) / t.bn) * groups;
    double loads = double(t.tm + t.tn) / (t.tm * t.tn);
    if (cpu) loads += 4.0 * double(t.bm + t.bn) / (double(t.bm) * t.bn);
    double cost = double((workgroups + slots - 1) / slots) * t.bm * t.bn * loads;
    if (!best || cost < best_cost) best = &t, best_cost = cost;
  }
  return *best;
}

}  // namespace conv2d

}  // namespace vkcnn
