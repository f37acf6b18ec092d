// IEEE 754 binary16 rounding in double: what storing a value as a 16-bit float keeps.
#pragma once
#include <vector>

namespace vkcnn::reference {

// The binary16 value nearest to x (ties to even), as a double: 11 significant bits down to
// 2^-14, a fixed quantum of 2^-24 below (subnormals), infinity from 65520 up (the rounding
// boundary above the largest finite value, 65504).
double round_to_fp16(double x);
std::vector<double> round_to_fp16(const std::vector<double>& x);

// The largest relative change round_to_fp16 makes to a normal value: half a unit in the
// last of 11 significant bits.
inline constexpr double kFp16RelativeRounding = 1.0 / 2048;

}  // namespace vkcnn::reference
