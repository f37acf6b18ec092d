#include "layers/fast_div.h"

#include <vkcnn/vk/check.h>

namespace vkcnn {

FastDiv::FastDiv(uint32_t divisor) {
  if (divisor == 0) throw Error("fast_div: division by a zero size");
  while ((uint64_t(1) << shift) < divisor) ++shift;
  mul = static_cast<uint32_t>(((uint64_t(1) << 32) * ((uint64_t(1) << shift) - divisor)) / divisor + 1);
}

}  // namespace vkcnn
