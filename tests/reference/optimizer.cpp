#include "reference/optimizer.h"

#include <cmath>

namespace vkcnn::reference {

void sgd_step(std::vector<double>& param, const std::vector<double>& grad, SgdState& state, double lr, double momentum,
              double weight_decay, bool nesterov) {
  std::vector<double> d(param.size());
  for (std::size_t i = 0; i < param.size(); ++i) d[i] = grad[i] + weight_decay * param[i];
  if (momentum != 0) {
    if (state.momentum_buffer.empty()) {
      state.momentum_buffer = d;  // first step: buf = d (torch.clone)
    } else {
      for (std::size_t i = 0; i < d.size(); ++i) state.momentum_buffer[i] = momentum * state.momentum_buffer[i] + d[i];
    }
    for (std::size_t i = 0; i < d.size(); ++i)
      d[i] = nesterov ? d[i] + momentum * state.momentum_buffer[i] : state.momentum_buffer[i];
  }
  for (std::size_t i = 0; i < param.size(); ++i) param[i] -= lr * d[i];
}

void adamw_step(std::vector<double>& param, const std::vector<double>& grad, AdamWState& s, double lr, double beta1,
                double beta2, double eps, double weight_decay) {
  if (s.exp_avg.empty()) s.exp_avg.assign(param.size(), 0), s.exp_avg_sq.assign(param.size(), 0);
  ++s.step;
  const double bc1 = 1 - std::pow(beta1, static_cast<double>(s.step));
  const double bc2 = 1 - std::pow(beta2, static_cast<double>(s.step));
  for (std::size_t i = 0; i < param.size(); ++i) {
    param[i] *= 1 - lr * weight_decay;
    s.exp_avg[i] = beta1 * s.exp_avg[i] + (1 - beta1) * grad[i];
    s.exp_avg_sq[i] = beta2 * s.exp_avg_sq[i] + (1 - beta2) * grad[i] * grad[i];
    const double m_hat = s.exp_avg[i] / bc1;
    const double v_hat = s.exp_avg_sq[i] / bc2;
    param[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

}  // namespace vkcnn::reference
