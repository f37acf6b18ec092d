// n / d for n < 2^31, with (mul, shift) from vkcnn::conv2d::FastDiv (Granlund-Montgomery):
// GPUs have no fast integer divide and lavapipe scalarises it.
uint fast_div(uint n, uint mul, uint shift) {
  uint hi, lo;
  umulExtended(n, mul, hi, lo);
  return (hi + n) >> shift;
}
