#include "curves.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {

nlohmann::json to_json(const EpochStats& e) {
  nlohmann::json j = {{"epoch", e.epoch},           {"lr", e.lr},
                      {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                      {"seconds", e.seconds},       {"images_per_second", e.images_per_second}};
  if (e.val_loss) j["val_loss"] = *e.val_loss;
  if (e.val_accuracy) j["val_accuracy"] = *e.val_accuracy;
  return j;
}

EpochStats epoch_stats_from_json(const nlohmann::json& j) {
  EpochStats e;
  e.epoch = j.at("epoch").get<uint32_t>();
  e.lr = j.at("lr").get<double>();
  e.train_loss = j.at("train_loss").get<double>();
  e.train_accuracy = j.at("train_accuracy").get<double>();
  e.seconds = j.value("seconds", 0.0);
  e.images_per_second = j.value("images_per_second", 0.0);
  if (j.contains("val_loss")) e.val_loss = j.at("val_loss").get<double>();
  if (j.contains("val_accuracy")) e.val_accuracy = j.at("val_accuracy").get<double>();
  return e;
}

void write_curves_csv(const std::string& path, const std::vector<EpochStats>& history) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw Error(path + ": cannot write the training curves (CSV)");
    out << "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second\n";
    char line[512];
    for (const EpochStats& e : history) {
      std::snprintf(line, sizeof line, "%u,%.6g,%.6f,%.6f,", e.epoch, e.lr, e.train_loss, e.train_accuracy);
      out << line;
      if (e.val_loss)
        std::snprintf(line, sizeof line, "%.6f,%.6f,", *e.val_loss, *e.val_accuracy), out << line;
      else
        out << ",,";
      std::snprintf(line, sizeof line, "%.2f,%.1f\n", e.seconds, e.images_per_second);
      out << line;
    }
    if (!out.flush()) throw Error(path + ": cannot write the training curves (CSV)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(path + ": cannot write the training curves: " + ec.message());
}

namespace {

const cv::Scalar kTrain(200, 110, 30), kVal(40, 120, 230), kInk(40, 40, 40), kGrid(225, 225, 225);

std::string number(double v) {
  char s[32];
  std::snprintf(s, sizeof s, std::abs(v) >= 10 || v == 0 ? "%.0f" : std::abs(v) >= 1 ? "%.1f" : "%.2f", v);
  return s;
}

// One panel: axes with ticks, a line (and dots) per series, a legend.
void panel(cv::Mat& img, cv::Rect area, const std::string& name, const std::vector<EpochStats>& h,
           double (*train)(const EpochStats&), std::optional<double> (*val)(const EpochStats&), bool percent) {
  double lo = 1e300, hi = -1e300;
  for (const EpochStats& e : h) {
    lo = std::min(lo, train(e)), hi = std::max(hi, train(e));
    if (auto v = val(e)) lo = std::min(lo, *v), hi = std::max(hi, *v);
  }
  if (percent) lo *= 100, hi *= 100;
  const double pad = std::max((hi - lo) * 0.08, 1e-3);
  lo = std::max(0.0, lo - pad), hi += pad;
  const cv::Rect plot(area.x + 60, area.y + 36, area.width - 80, area.height - 80);
  auto px = [&](double epoch) {
    const double first = h.front().epoch, last = std::max<double>(h.back().epoch, first + 1);
    return plot.x + static_cast<int>((epoch - first) / (last - first) * plot.width);
  };
  auto py = [&](double v) { return plot.y + plot.height - static_cast<int>((v - lo) / (hi - lo) * plot.height); };

  cv::putText(img, name, {area.x + 60, area.y + 24}, cv::FONT_HERSHEY_SIMPLEX, 0.6, kInk, 1, cv::LINE_AA);
  for (int t = 0; t <= 5; ++t) {
    const double v = lo + (hi - lo) * t / 5;
    cv::line(img, {plot.x, py(v)}, {plot.x + plot.width, py(v)}, kGrid, 1);
    cv::putText(img, number(v), {area.x + 8, py(v) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, kInk, 1, cv::LINE_AA);
  }
  const uint32_t step = std::max<uint32_t>(1, static_cast<uint32_t>(h.size() / 10));
  for (std::size_t i = 0; i < h.size(); i += step) {
    cv::line(img, {px(h[i].epoch), plot.y + plot.height}, {px(h[i].epoch), plot.y + plot.height + 4}, kInk, 1);
    cv::putText(img, std::to_string(h[i].epoch), {px(h[i].epoch) - 4, plot.y + plot.height + 18},
                cv::FONT_HERSHEY_SIMPLEX, 0.4, kInk, 1, cv::LINE_AA);
  }
  cv::putText(img, "epoch", {plot.x + plot.width / 2 - 20, plot.y + plot.height + 36}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
              kInk, 1, cv::LINE_AA);
  cv::rectangle(img, plot, kInk, 1);

  const double scale = percent ? 100 : 1;
  auto series = [&](auto get, cv::Scalar color) {
    std::vector<cv::Point> pts;
    for (const EpochStats& e : h)
      if (auto v = get(e)) pts.emplace_back(px(e.epoch), py(*v * scale));
    if (pts.size() > 1) cv::polylines(img, pts, false, color, 2, cv::LINE_AA);
    for (const cv::Point& p : pts) cv::circle(img, p, 3, color, cv::FILLED, cv::LINE_AA);
    return !pts.empty();
  };
  series([&](const EpochStats& e) { return std::optional<double>(train(e)); }, kTrain);
  const bool has_val = series(val, kVal);
  // Loss falls and accuracy rises: the legend goes where the curves are not (top or bottom right).
  const cv::Point legend(plot.x + plot.width - 120, percent ? plot.y + plot.height - 34 : plot.y + 16);
  cv::line(img, legend, legend + cv::Point(20, 0), kTrain, 2);
  cv::putText(img, "train", legend + cv::Point(26, 4), cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  if (has_val) {
    cv::line(img, legend + cv::Point(0, 18), legend + cv::Point(20, 18), kVal, 2);
    cv::putText(img, "validation", legend + cv::Point(26, 22), cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  }
}

}  // namespace

void plot_curves(const std::string& path, const std::vector<EpochStats>& history, const std::string& title) {
  if (history.empty()) throw Error(path + ": no finished epoch to plot");
  cv::Mat img(480, 1000, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(img, title, {20, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.6, kInk, 1, cv::LINE_AA);
  panel(
      img, {0, 40, 500, 440}, "loss", history, [](const EpochStats& e) { return e.train_loss; },
      [](const EpochStats& e) { return e.val_loss; }, false);
  panel(
      img, {500, 40, 500, 440}, "accuracy (%)", history, [](const EpochStats& e) { return e.train_accuracy; },
      [](const EpochStats& e) { return e.val_accuracy; }, true);
  bool ok = false;
  try {
    ok = cv::imwrite(path, img);
  } catch (const cv::Exception& e) {
    throw Error(path + ": cannot write the plot: " + e.what());
  }
  if (!ok) throw Error(path + ": cannot write the plot (unknown image extension or unwritable folder)");
}

}  // namespace vkcnn::trainer
