#include "reference/fp16.h"

#include <cmath>
#include <limits>

namespace vkcnn::reference {

double round_to_fp16(double x) {
  if (!std::isfinite(x) || x == 0) return x;
  if (std::abs(x) >= 65520.0) return std::copysign(std::numeric_limits<double>::infinity(), x);
  int exponent = 0;
  std::frexp(x, &exponent);  // |x| = m * 2^exponent, m in [0.5, 1)
  // The quantum: 2^(exponent - 11) for normal values (11 significant bits), 2^-24 below 2^-14.
  const int quantum_exp = std::max(exponent - 11, -24);
  const double scaled = std::ldexp(x, -quantum_exp);
  return std::ldexp(std::nearbyint(scaled), quantum_exp);  // nearbyint: ties to even by default
}

std::vector<double> round_to_fp16(const std::vector<double>& x) {
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = round_to_fp16(x[i]);
  return out;
}

}  // namespace vkcnn::reference
