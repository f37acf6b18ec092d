// vkcnn-clip: the demo's labelled clip, and its score.
//   vkcnn-clip make --data /usr/share/datasets/fashion-mnist --count 200 --out clip/
//       writes clip/frame-00000.png ... (test images, upscaled without interpolation, lossless)
//       and clip/truth.csv (frame,image,label_id,label), for multifilesrc ! pngdec ! ...
//   vkcnn-clip score --truth clip/truth.csv --results results.jsonl
//       compares vkcnnclassify's results-file with the true labels: "N/M frames correct".
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vkcnn/model/json_text.h>
#include <vkcnn/vk/check.h>

#include "data_source.h"
#include "idx.h"

namespace {

struct MakeOptions {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string split = "t10k";
  std::string out;
  uint32_t count = 200, first = 0, scale = 8, frames_per_image = 1;
};

struct ScoreOptions {
  std::string truth, results;
};

std::string frame_name(uint32_t frame) {
  char name[32];
  std::snprintf(name, sizeof name, "frame-%05u.png", frame);
  return name;
}

// A CSV field: labels may hold commas ("T-shirt/top" does not, others might).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Frames are 3-channel gray (R = G = B), so decoders hand out RGB and the overlay draws in color.
// Upscaling by an integer factor without interpolation keeps every bilinear sample of a
// stretch-resize back to the image's size inside one source pixel: the model sees the original image.
void make_clip(const MakeOptions& o) {
  vkcnn::trainer::Dataset data =
      *vkcnn::trainer::load_idx_split(o.data, o.split, vkcnn::trainer::fashion_mnist_classes(), true);
  if (o.first + o.count > data.size())
    throw vkcnn::Error(o.data + ": split " + o.split + " has " + std::to_string(data.size()) + " images, asked for " +
                       std::to_string(o.first) + " + " + std::to_string(o.count));
  if (data.channels != 1) throw vkcnn::Error(o.data + ": expected gray images");
  std::filesystem::create_directories(o.out);
  std::ofstream truth(o.out + "/truth.csv");
  truth << "frame,image,label_id,label\n";
  uint32_t frame = 0;
  for (uint32_t i = o.first; i < o.first + o.count; ++i) {
    auto pixels = data.image(i);
    cv::Mat gray(static_cast<int>(data.height), static_cast<int>(data.width), CV_8UC1,
                 const_cast<uint8_t*>(pixels.data()));
    cv::Mat big, rgb;
    cv::resize(gray, big, cv::Size(), o.scale, o.scale, cv::INTER_NEAREST);
    cv::cvtColor(big, rgb, cv::COLOR_GRAY2BGR);
    const uint32_t label = data.labels[i];
    for (uint32_t k = 0; k < o.frames_per_image; ++k, ++frame) {
      const std::string path = o.out + "/" + frame_name(frame);
      if (!cv::imwrite(path, rgb)) throw vkcnn::Error(path + ": cannot write the frame");
      truth << frame << ',' << i << ',' << label << ',' << csv_field(data.classes[label]) << '\n';
    }
  }
  truth.flush();
  if (!truth) throw vkcnn::Error(o.out + "/truth.csv: cannot write");
  std::printf("vkcnn-clip: %u frames (%u images of %s, %ux%u) in %s\n", frame, o.count, o.split.c_str(),
              data.width * o.scale, data.height * o.scale, o.out.c_str());
}

// truth.csv: frame -> label id (the label text is for people).
std::map<uint64_t, uint32_t> read_truth(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw vkcnn::Error(path + ": cannot open");
  std::string line;
  std::getline(in, line);  // header
  std::map<uint64_t, uint32_t> truth;
  for (int n = 2; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    uint64_t frame, image;
    uint32_t label;
    char c1, c2;
    if (!(fields >> frame >> c1 >> image >> c2 >> label) || c1 != ',' || c2 != ',')
      throw vkcnn::Error(path + ":" + std::to_string(n) + ": expected frame,image,label_id,label");
    truth[frame] = label;
  }
  return truth;
}

int score(const ScoreOptions& o) {
  const auto truth = read_truth(o.truth);
  std::ifstream in(o.results);
  if (!in) throw vkcnn::Error(o.results + ": cannot open");
  std::string line;
  std::size_t frames = 0, correct = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    const nlohmann::json j = vkcnn::parse_json(line, o.results + ":" + std::to_string(n), "line");
    auto it = truth.find(j.at("frame").get<uint64_t>());
    if (it == truth.end()) throw vkcnn::Error(o.results + ":" + std::to_string(n) + ": frame not in " + o.truth);
    ++frames;
    const auto& top = j.at("top");
    if (!top.empty() && top[0].at("id").get<uint32_t>() == it->second) ++correct;
  }
  if (frames != truth.size())
    throw vkcnn::Error(o.results + ": " + std::to_string(frames) + " frames, " + o.truth + " has " +
                       std::to_string(truth.size()));
  std::printf("%zu/%zu frames classified correctly (%.1f%%)\n", correct, frames,
              frames ? 100.0 * correct / frames : 0.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vkcnn-clip: make a labelled clip of dataset test images, and score a classifier's results on it"};
  app.require_subcommand(1);
  MakeOptions m;
  auto* make = app.add_subcommand("make", "write frame-NNNNN.png and truth.csv");
  make->add_option("--data", m.data, "folder with the IDX files (Fashion-MNIST)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  make->add_option("--split", m.split, "which IDX files: t10k (test) or train")->capture_default_str();
  make->add_option("--out", m.out, "folder to write the frames and truth.csv to")->required();
  make->add_option("--count", m.count, "images in the clip")->check(CLI::Range(1u, 100000u))->capture_default_str();
  make->add_option("--first", m.first, "index of the first image")->capture_default_str();
  make->add_option("--scale", m.scale, "integer upscaling factor (28 x scale pixels)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  make->add_option("--frames-per-image", m.frames_per_image, "frames each image is shown for")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  ScoreOptions s;
  auto* score_cmd = app.add_subcommand("score", "count frames whose top-1 label in a results file is the true one");
  score_cmd->add_option("--truth", s.truth, "truth.csv written by make")->required()->check(CLI::ExistingFile);
  score_cmd->add_option("--results", s.results, "vkcnnclassify results-file (JSON lines)")
      ->required()
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  try {
    if (make->parsed())
      make_clip(m);
    else
      return score(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkcnn-clip: %s\n", e.what());
    return 1;
  }
  return 0;
}
