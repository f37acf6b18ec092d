// The per-epoch progress bar of vkcnn-train. On a terminal it redraws one line (at most ten
// times a second); into a pipe or log file it prints a plain line at every quarter instead, so
// logs stay readable.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

#include "training_run.h"

namespace vkcnn::trainer {

// "12:34" or "1:02:03".
std::string format_duration(double seconds);
// "epoch  3/15 [=========>          ]  28160/60000  loss 0.3123  acc 88.52%  1432 img/s  ETA 0:22"
std::string progress_line(const Progress& p, int bar_width = 24);

class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* out);
  void update(const Progress& p);
  // Ends the bar's line (call before printing anything else).
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  bool open_ = false;
  int quarter_ = 0;
  uint32_t epoch_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace vkcnn::trainer
