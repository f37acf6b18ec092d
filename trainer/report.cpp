#include "report.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace vkcnn::trainer {

std::vector<double> Evaluation::per_class_accuracy() const {
  std::vector<double> out;
  for (std::size_t c = 0; c < confusion_.size(); ++c) {
    uint64_t total = 0;
    for (uint64_t v : confusion_[c]) total += v;
    out.push_back(total ? double(confusion_[c][c]) / double(total) : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

namespace {
std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}
}  // namespace

std::string format_report(const Evaluation& e, const std::vector<std::string>& labels) {
  std::string s = fmt("accuracy %.2f%% (%llu/%llu), loss %.4f\n", 100 * e.accuracy(), (unsigned long long)e.correct(),
                      (unsigned long long)e.count(), e.mean_loss());
  const auto per_class = e.per_class_accuracy();
  std::size_t width = 5;
  for (const auto& l : labels) width = std::max(width, l.size());
  s += "per-class accuracy:\n";
  for (std::size_t c = 0; c < per_class.size(); ++c) {
    uint64_t total = 0;
    for (uint64_t v : e.confusion()[c]) total += v;
    const std::string name = c < labels.size() ? labels[c] : "class " + std::to_string(c);
    s += fmt("  %3zu %-*s ", c, static_cast<int>(width), name.c_str());
    s += std::isnan(per_class[c]) ? std::string("    -   (no samples)\n")
                                  : fmt("%6.2f%% (%llu)\n", 100 * per_class[c], (unsigned long long)total);
  }
  // Columns are numbered (labels do not fit); rows carry the number and the label.
  std::size_t cell = 4;
  for (const auto& row : e.confusion())
    for (uint64_t v : row) cell = std::max(cell, std::to_string(v).size() + 1);
  s += "confusion matrix (rows: true class, columns: predicted):\n";
  s += std::string(width + 7, ' ');
  for (std::size_t c = 0; c < e.confusion().size(); ++c) s += fmt("%*zu", static_cast<int>(cell), c);
  s += "\n";
  for (std::size_t r = 0; r < e.confusion().size(); ++r) {
    const std::string name = r < labels.size() ? labels[r] : "";
    s += fmt("  %3zu %-*s", r, static_cast<int>(width), name.c_str());
    s += " ";
    for (uint64_t v : e.confusion()[r]) s += fmt("%*llu", static_cast<int>(cell), (unsigned long long)v);
    s += "\n";
  }
  return s;
}

nlohmann::json report_json(const Evaluation& e, const std::vector<std::string>& labels) {
  nlohmann::json classes = nlohmann::json::array();
  const auto per_class = e.per_class_accuracy();
  for (std::size_t c = 0; c < per_class.size(); ++c) {
    uint64_t total = 0;
    for (uint64_t v : e.confusion()[c]) total += v;
    classes.push_back(
        {{"id", c},
         {"label", c < labels.size() ? labels[c] : ""},
         {"samples", total},
         {"accuracy", std::isnan(per_class[c]) ? nlohmann::json(nullptr) : nlohmann::json(per_class[c])}});
  }
  return {{"samples", e.count()},  {"correct", e.correct()}, {"accuracy", e.accuracy()},
          {"loss", e.mean_loss()}, {"classes", classes},     {"confusion", e.confusion()}};
}

}  // namespace vkcnn::trainer
