// The GEMM core for CPU devices (lavapipe): C[RM x 32*CV] += A * B with workgroups of 8
// invocations, no shared memory and no barriers. Lavapipe runs the 8 invocations of a subgroup
// as the 8 lanes of one AVX register, so a workgroup is one subgroup there. A load from a storage buffer or shared memory whose
// address differs between lanes becomes a branchy loop over the lanes, which costs more than
// a hundred FMAs; a texelFetch from a texel buffer becomes one call that gathers all lanes,
// several times cheaper (measured on Mesa 22.3, docs/design.md). So this core reads A and B as
// texels only:
//  - A's rows are the same for every lane: each lane fetches row m0 + r itself, a vec4 of four
//    consecutive k. In SIMD that costs what one fetch does, and it is far cheaper than sharing
//    one lane's fetch: Mesa 22.3 runs each subgroupBroadcast as a loop over the lanes (about
//    50 instructions), which made the broadcasts most of the core's time (perf, refcnn's c2);
//  - lane l fetches its own CV vec4s of B (columns 4(l + 8j) .. +3) for each k.
// Per four k a lane does RM*CV*4 vec4 FMAs (RM=32, CV=2: 1024 FMA lanes) for RM A fetches and
// 4*CV B fetches, row by row (gemm_subgroup_row), so that the accumulators the AVX registers
// cannot hold go to memory and back once per four k, not once per k. RM is 32 where there are
// enough rows (twice the rows per B fetch: 1.45x faster than 16), else 16 (conv2d_gemm.cpp's
// subgroup_tile); 64 was faster still, but lavapipe took four times as long to compile it.
// It uses no subgroup operation, so it is correct on any device; it is named for the subgroup
// of 8 that each workgroup is on lavapipe, the only device it is fast on so far.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 8) in;
const uint SG = 8;       // lanes
layout(constant_id = 1) const uint RM = 16;  // rows per workgroup: the tiling's BM
const uint CV = 2;       // vec4 columns per lane: 64 columns per workgroup
const uint CN4 = SG * CV;  // vec4 columns per workgroup

vec4 acc[RM][CV];  // acc[r][j]: row m0 + r, vec4 column n4_0 + lane + 8j

void gemm_subgroup_init() {
  [[unroll]] for (uint r = 0; r < RM; ++r) [[unroll]] for (uint j = 0; j < CV; ++j) acc[r][j] = vec4(0.0);
}

// Four k steps of row r: a holds A[r][k .. k+3] (the same in every lane), b[t][j] this lane's
// vec4 column j of B at k + t.
void gemm_subgroup_row(uint r, vec4 a, const vec4 b[4][CV]) {
  [[unroll]] for (uint t = 0; t < 4; ++t)
    [[unroll]] for (uint j = 0; j < CV; ++j) acc[r][j] = fma(vec4(a[t]), b[t][j], acc[r][j]);
}
