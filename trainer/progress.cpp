#include "progress.h"

#include <cmath>
#include <unistd.h>

namespace vkcnn::trainer {

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string progress_line(const Progress& p, int bar_width) {
  const double frac = p.total ? double(p.done) / double(p.total) : 0;
  const int filled = static_cast<int>(frac * bar_width);
  std::string bar(bar_width, ' ');
  for (int i = 0; i < filled; ++i) bar[i] = '=';
  if (filled < bar_width) bar[filled] = '>';
  const int digits = static_cast<int>(std::to_string(p.total).size());
  const int edigits = static_cast<int>(std::to_string(p.epochs).size());
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %*u/%u [%s] %*zu/%zu  loss %.4f  acc %.2f%%  %.0f img/s  ETA %s", edigits,
                p.epoch, p.epochs, bar.c_str(), digits, p.done, p.total, p.loss, 100 * p.accuracy, p.images_per_second,
                format_duration(p.eta_seconds).c_str());
  return buf;
}

ProgressBar::ProgressBar(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void ProgressBar::update(const Progress& p) {
  if (p.epoch != epoch_) epoch_ = p.epoch, quarter_ = 0;
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::fprintf(out_, "\r%s\x1b[K", progress_line(p).c_str());
    open_ = true;
  } else {
    const int quarter = p.total ? static_cast<int>(4 * p.done / p.total) : 4;
    if (quarter <= quarter_ || quarter >= 4) return;  // the epoch's own summary line covers 100%
    quarter_ = quarter;
    std::fprintf(out_, "%s\n", progress_line(p).c_str());
  }
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (open_) std::fprintf(out_, "\n"), std::fflush(out_);
  open_ = false;
}

}  // namespace vkcnn::trainer
