// The GEMM core for CPU devices (lavapipe): C[RM x 32*CV] += A * B with one subgroup of 8 per
// workgroup, no shared memory and no barriers. Lavapipe runs the 8 invocations of a subgroup
// as the 8 lanes of one AVX register. A load from a storage buffer or shared memory whose
// address differs between lanes becomes a branchy loop over the lanes, which costs more than
// a hundred FMAs; a texelFetch from a texel buffer becomes one hardware gather, several times
// cheaper (measured on Mesa 22.3, docs/design.md). So this core reads A and B as vec4 texels
// only, and shares them across lanes in registers:
//  - lane l fetches 4 consecutive k of row m0 + 8g + l of A, and subgroupBroadcast hands row
//    m0 + 8g + i to every lane: one fetch feeds 8 rows x 4 k;
//  - lane l fetches its own CV vec4s of B (columns 4(l + 8j) .. +3) for each k.
// Per k a lane does RG*8 x CV vec4 FMAs (RG=2, CV=2: 128 FMA lanes) for RG/4 + CV fetches.
// Needs subgroups of exactly 8 with the ballot feature (engine/layers/conv2d_gemm.cpp checks).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 8) in;
const uint SG = 8;       // lanes
const uint RG = 2;       // groups of 8 rows: RM = 16 rows per workgroup
const uint CV = 2;       // vec4 columns per lane: 64 columns per workgroup
const uint RM = RG * SG;
const uint CN4 = SG * CV;  // vec4 columns per workgroup

vec4 acc[RM][CV];  // acc[r][j]: row m0 + r, vec4 column n4_0 + lane + 8j

void gemm_subgroup_init() {
  [[unroll]] for (uint r = 0; r < RM; ++r) [[unroll]] for (uint j = 0; j < CV; ++j) acc[r][j] = vec4(0.0);
}

// One k step: av[g] holds lane l's 4 k values of row m0 + 8g + l; kk picks one of them.
// (Vulkan 1.1's subgroupBroadcast takes only constant lane ids, hence the written-out list.)
void gemm_subgroup_step(const vec4 av[RG], uint kk, const vec4 bv[CV]) {
  [[unroll]] for (uint g = 0; g < RG; ++g) {
    const float x = av[g][kk];
    const float rows[SG] = float[SG](subgroupBroadcast(x, 0), subgroupBroadcast(x, 1), subgroupBroadcast(x, 2),
                                     subgroupBroadcast(x, 3), subgroupBroadcast(x, 4), subgroupBroadcast(x, 5),
                                     subgroupBroadcast(x, 6), subgroupBroadcast(x, 7));
    [[unroll]] for (uint i = 0; i < SG; ++i)
      [[unroll]] for (uint j = 0; j < CV; ++j) acc[g * SG + i][j] = fma(vec4(rows[i]), bv[j], acc[g * SG + i][j]);
  }
}
