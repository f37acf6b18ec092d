// Training curves: one row per epoch, written as CSV and drawn with OpenCV (loss on the left,
// accuracy on the right, training and validation in two colors).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vkcnn::trainer {

struct EpochStats {
  uint32_t epoch = 0;  // 1-based
  double lr = 0;       // learning rate of the epoch's last step
  double train_loss = 0, train_accuracy = 0;
  std::optional<double> val_loss, val_accuracy;
  double seconds = 0, images_per_second = 0;
};

nlohmann::json to_json(const EpochStats& e);
EpochStats epoch_stats_from_json(const nlohmann::json& j);

// Header "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second";
// empty cells where there was no validation. Written atomically; errors name the path.
void write_curves_csv(const std::string& path, const std::vector<EpochStats>& history);
// A PNG (or any format OpenCV writes by extension); errors name the path.
void plot_curves(const std::string& path, const std::vector<EpochStats>& history, const std::string& title);

}  // namespace vkcnn::trainer
