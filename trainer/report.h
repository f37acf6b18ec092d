// Accuracy figures for a labelled set: overall, per class, and the confusion matrix; as text
// for people and as JSON for scripts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vkcnn::trainer {

class Evaluation {
 public:
  explicit Evaluation(std::size_t classes) : confusion_(classes, std::vector<uint64_t>(classes, 0)) {}

  void add(uint32_t label, uint32_t predicted, double loss) {
    ++confusion_.at(label).at(predicted);
    loss_sum_ += loss;
    ++count_;
    correct_ += label == predicted;
  }

  uint64_t count() const { return count_; }
  uint64_t correct() const { return correct_; }
  double accuracy() const { return count_ ? double(correct_) / double(count_) : 0; }
  double mean_loss() const { return count_ ? loss_sum_ / double(count_) : 0; }
  // Recall per class (correct / samples of that class); NaN for a class without samples.
  std::vector<double> per_class_accuracy() const;
  // [true class][predicted class]
  const std::vector<std::vector<uint64_t>>& confusion() const { return confusion_; }

 private:
  std::vector<std::vector<uint64_t>> confusion_;
  double loss_sum_ = 0;
  uint64_t count_ = 0, correct_ = 0;
};

// "accuracy 92.31% (9231/10000), loss 0.2210", then per-class lines and the matrix (rows: true
// class, columns: predicted), labels shortened to fit.
std::string format_report(const Evaluation& e, const std::vector<std::string>& labels);
nlohmann::json report_json(const Evaluation& e, const std::vector<std::string>& labels);

}  // namespace vkcnn::trainer
