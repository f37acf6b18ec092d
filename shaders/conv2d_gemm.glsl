// The tiled GEMM core of the conv2d shaders: per step, C[BM x BN] += A[BM x BK] * B[BK x BN],
// with A and B staged in shared memory by the including shader (which knows how to gather
// them from the tensors). Tiles are stored as vec4 along M and N: each invocation owns a
// TM x TN block of C (multiples of 4) and reads it with TM/4 + TN/4 vec4 loads per k. Vector
// loads are what make this fast on lavapipe, which executes every load lane by lane, and they
// are 128-bit shared-memory loads on GPUs. Invocation (tm, tn) owns vec4 columns j4*WN + tn
// and vec4 rows i4*WM + tm: neighbouring invocations touch neighbouring addresses.
// Nothing depends on the subgroup size.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint THREADS = 256;  // (BM / TM) * (BN / TN)
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

const uint WM = BM / TM;  // invocations along M
const uint WN = BN / TN;  // invocations along N
const uint BM4 = BM / 4, BN4 = BN / 4, TM4 = TM / 4, TN4 = TN / 4;
// One vec4 of padding per row: the loaders write down columns of these tiles, and an
// unpadded power-of-two stride would put a whole column in one shared-memory bank.
const uint AS = BM4 + 1;
const uint BS = BN4 + 1;
shared vec4 As[BK * AS];  // As[k * AS + m / 4]
shared vec4 Bs[BK * BS];  // Bs[k * BS + n / 4]

// acc[(i4 * 4 + r) * TN4 + j4] = C at row 4*(i4*WM + tm) + r, columns 4*(j4*WN + tn) + 0..3.
vec4 acc[TM * TN4];
uint tid, tm, tn;

void gemm_init() {
  tid = gl_LocalInvocationID.x;
  tm = tid / WN;
  tn = tid % WN;
  [[unroll]] for (uint i = 0; i < TM * TN4; ++i) acc[i] = vec4(0.0);
}

// acc += As * Bs for the staged tiles (call between two barriers). The register-block loops
// are unrolled so that acc is only ever indexed by constants and stays in registers.
void gemm_multiply() {
  for (uint k = 0; k < BK; ++k) {
    vec4 a[TM4], b[TN4];
    [[unroll]] for (uint i4 = 0; i4 < TM4; ++i4) a[i4] = As[k * AS + i4 * WM + tm];
    [[unroll]] for (uint j4 = 0; j4 < TN4; ++j4) b[j4] = Bs[k * BS + j4 * WN + tn];
    [[unroll]] for (uint i4 = 0; i4 < TM4; ++i4)
      [[unroll]] for (uint r = 0; r < 4; ++r)
        [[unroll]] for (uint j4 = 0; j4 < TN4; ++j4) acc[(i4 * 4 + r) * TN4 + j4] = fma(vec4(a[i4][r]), b[j4], acc[(i4 * 4 + r) * TN4 + j4]);
  }
}

// Row (within the tile) of acc[(i4 * 4 + r) * TN4 + j4], and its first column.
uint tile_row(uint i4, uint r) { return 4 * (i4 * WM + tm) + r; }
uint tile_col(uint j4) { return 4 * (j4 * WN + tn); }
