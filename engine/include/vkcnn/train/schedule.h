// Learning-rate schedules, computed on the host per step (the value goes into the optimizer's
// push constants). Steps count from 0; `total_steps` covers the whole run, warmup included.
#pragma once
#include <cstdint>
#include <string>

namespace vkcnn {

enum class ScheduleKind {
  Constant,  // lr
  Step,      // lr * gamma^floor(t / step_size)            (torch StepLR)
  Cosine,    // min_lr + (lr - min_lr) * (1 + cos(pi t / T)) / 2   (torch CosineAnnealingLR, T = steps after warmup)
  OneCycle,  // triangular: linear lr/div -> lr over pct_start of T, then linear down to lr/(div * final_div)
};

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::Constant;
  double lr = 0.01;  // base learning rate (the peak for one-cycle)
  uint64_t total_steps = 1;
  uint64_t warmup_steps = 0;      // linear warmup: lr(t) = schedule(0) * (t + 1) / warmup_steps
  uint64_t step_size = 1;         // Step
  double gamma = 0.1;             // Step
  double min_lr = 0;              // Cosine
  double pct_start = 0.3;         // OneCycle
  double div_factor = 25;         // OneCycle: start at lr / div_factor
  double final_div_factor = 1e4;  // OneCycle: end at lr / (div_factor * final_div_factor)
};

// "constant", "step", "cosine", "onecycle" (also "one-cycle", "triangular"); Error otherwise.
ScheduleKind schedule_from_string(const std::string& name);
const char* to_string(ScheduleKind kind);

// Throws Error naming the bad field (negative lr, step_size 0, warmup >= total, ...).
void validate(const ScheduleConfig& config);

// The learning rate for step `step` (0-based); steps past the end keep the last value.
double learning_rate(const ScheduleConfig& config, uint64_t step);

}  // namespace vkcnn
