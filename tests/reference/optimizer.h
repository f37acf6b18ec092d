// Double-precision reference optimizers, written from PyTorch's documented algorithms
// (torch.optim.SGD with dampening 0, torch.optim.AdamW without amsgrad).
#pragma once
#include <cstdint>
#include <vector>

namespace vkcnn::reference {

struct SgdState {
  std::vector<double> momentum_buffer;  // empty until the first step (PyTorch's "None")
};
void sgd_step(std::vector<double>& param, const std::vector<double>& grad, SgdState& state, double lr, double momentum,
              double weight_decay, bool nesterov);

struct AdamWState {
  std::vector<double> exp_avg, exp_avg_sq;
  uint64_t step = 0;
};
void adamw_step(std::vector<double>& param, const std::vector<double>& grad, AdamWState& state, double lr, double beta1,
                double beta2, double eps, double weight_decay);

}  // namespace vkcnn::reference
