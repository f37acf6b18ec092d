#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include <vkcnn/train/schedule.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {

ScheduleKind schedule_from_string(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "constant") return ScheduleKind::Constant;
  if (s == "step") return ScheduleKind::Step;
  if (s == "cosine") return ScheduleKind::Cosine;
  if (s == "onecycle" || s == "one-cycle" || s == "triangular") return ScheduleKind::OneCycle;
  throw Error("unknown learning-rate schedule \"" + name + "\" (known: constant, step, cosine, onecycle)");
}

const char* to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant:
      return "constant";
    case ScheduleKind::Step:
      return "step";
    case ScheduleKind::Cosine:
      return "cosine";
    case ScheduleKind::OneCycle:
      return "onecycle";
  }
  return "?";
}

void validate(const ScheduleConfig& c) {
  auto fail = [](const std::string& what) { throw Error("learning-rate schedule: " + what); };
  if (!(c.lr > 0) || !std::isfinite(c.lr)) fail("lr must be positive, got " + std::to_string(c.lr));
  if (c.total_steps == 0) fail("total_steps must be at least 1");
  if (c.warmup_steps >= c.total_steps && c.warmup_steps > 0)
    fail("warmup (" + std::to_string(c.warmup_steps) + " steps) must be shorter than the run (" +
         std::to_string(c.total_steps) + " steps)");
  if (c.kind == ScheduleKind::Step && (c.step_size == 0 || !(c.gamma > 0)))
    fail("step schedule needs step_size >= 1 and gamma > 0");
  if (c.kind == ScheduleKind::Cosine && !(c.min_lr >= 0 && c.min_lr <= c.lr)) fail("cosine min_lr must be in [0, lr]");
  if (c.kind == ScheduleKind::OneCycle &&
      !(c.pct_start > 0 && c.pct_start < 1 && c.div_factor >= 1 && c.final_div_factor >= 1))
    fail("one-cycle needs pct_start in (0, 1) and div factors >= 1");
}

namespace {

// The schedule proper at step t of the T steps that follow the warmup.
double after_warmup(const ScheduleConfig& c, double t, double T) {
  switch (c.kind) {
    case ScheduleKind::Constant:
      return c.lr;
    case ScheduleKind::Step:
      return c.lr * std::pow(c.gamma, std::floor(t / static_cast<double>(c.step_size)));
    case ScheduleKind::Cosine:
      return c.min_lr + (c.lr - c.min_lr) * (1 + std::cos(std::numbers::pi * t / T)) / 2;
    case ScheduleKind::OneCycle: {
      const double start = c.lr / c.div_factor, end = start / c.final_div_factor;
      const double up = std::max(1.0, std::round(c.pct_start * T));  // steps to reach the peak
      if (t <= up) return start + (c.lr - start) * t / up;
      const double down = std::max(1.0, T - 1 - up);
      return c.lr + (end - c.lr) * std::min(1.0, (t - up) / down);
    }
  }
  return c.lr;
}

}  // namespace

double learning_rate(const ScheduleConfig& c, uint64_t step) {
  const uint64_t total = std::max<uint64_t>(c.total_steps, 1);
  step = std::min(step, total - 1);
  const double T = static_cast<double>(total - std::min(c.warmup_steps, total - 1));
  if (step < c.warmup_steps)
    return after_warmup(c, 0, T) * static_cast<double>(step + 1) / static_cast<double>(c.warmup_steps);
  return after_warmup(c, static_cast<double>(step - c.warmup_steps), T);
}

}  // namespace vkcnn
