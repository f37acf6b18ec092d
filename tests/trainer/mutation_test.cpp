// Seeded mutation fuzzing of the data readers the tools use on files a user hands them: IDX
// (gzipped or not), CIFAR-10 batches and their class list, and image files. Every mutant is
// read or refused with a vkcnn::Error naming the file: never a crash, another exception type,
// or a huge allocation (the readers check sizes against the file before allocating).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>

#include <vkcnn/vk/check.h>

#include "cifar.h"
#include "idx.h"
#include "image_file.h"
#include "support/scratch_dir.h"

namespace vkcnn::trainer {
namespace {

using Bytes = std::vector<uint8_t>;

void write_file(const std::string& path, const Bytes& b, bool gzip = false) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
    gzclose(f);
    return;
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// One mutation of `b`: a bit flip, a byte set to 0 or 0xff, a truncation, or a slice duplicated;
// mostly within the first `hot` bytes (the header).
Bytes mutate(Bytes b, std::size_t hot, std::mt19937& rng) {
  if (b.empty()) return b;
  const std::size_t end = rng() % 4 ? std::min(hot, b.size()) : b.size();
  const std::size_t p = rng() % end;
  switch (rng() % 4) {
    case 0:
      b[p] ^= uint8_t(1u << (rng() % 8));
      break;
    case 1:
      b[p] = rng() % 2 ? 0xff : 0x00;
      break;
    case 2:
      b.resize(p);
      break;
    default: {
      const std::size_t q = std::min(b.size(), p + 1 + rng() % 16);
      Bytes slice(b.begin() + p, b.begin() + q);
      b.insert(b.begin() + rng() % b.size(), slice.begin(), slice.end());
    }
  }
  return b;
}

// Runs `read` on each mutant; counts what was read and what was refused.
void expect_read_or_error(const std::function<void(const Bytes&)>& read, const Bytes& original, std::size_t hot,
                          int count, uint32_t seed, const std::string& path) {
  std::mt19937 rng(seed);
  int refused = 0;
  for (int i = 0; i < count; ++i) {
    Bytes b = mutate(original, hot, rng);
    try {
      read(b);
    } catch (const Error& e) {
      ++refused;
      ASSERT_NE(std::string(e.what()).find(path), std::string::npos) << "mutant " << i << ": " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "mutant " << i << ": " << typeid(e).name() << " instead of vkcnn::Error: " << e.what();
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(ReaderMutation, IdxMutantsAreReadOrRefused) {
  test::ScratchDir dir("vkcnn-idx-mutation");
  Bytes images, labels;
  put_be32(images, 0x803), put_be32(images, 5), put_be32(images, 6), put_be32(images, 4);
  for (int i = 0; i < 5 * 6 * 4; ++i) images.push_back(static_cast<uint8_t>(i * 7));
  put_be32(labels, 0x801), put_be32(labels, 5);
  for (int i = 0; i < 5; ++i) labels.push_back(static_cast<uint8_t>(i));
  const std::string img = dir.path("images"), lab = dir.path("labels");
  const std::vector<std::string> ten(10, "class");
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    write_file(lab, labels);
    const Bytes stored_images = [&] {
      write_file(img, images, gzip);
      return read_file(img);
    }();
    expect_read_or_error(
        [&](const Bytes& b) {
          write_file(img, b);
          read_idx(img, lab, ten);
        },
        stored_images, 16, 1500, gzip ? 11 : 12, img);
    write_file(img, images);
    const Bytes stored_labels = [&] {
      write_file(lab, labels, gzip);
      return read_file(lab);
    }();
    expect_read_or_error(
        [&](const Bytes& b) {
          write_file(lab, b);
          read_idx(img, lab, ten);
        },
        stored_labels, 8, 500, gzip ? 13 : 14, lab);
  }
}

TEST(ReaderMutation, CifarMutantsAreReadOrRefused) {
  test::ScratchDir dir("vkcnn-cifar-mutation");
  Bytes batch;
  for (int r = 0; r < 2; ++r) {
    batch.push_back(static_cast<uint8_t>(r));
    for (int k = 0; k < 3072; ++k) batch.push_back(static_cast<uint8_t>(k));
  }
  const std::string meta_text = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  const std::string data = dir.path("data_batch_1.bin"), meta = dir.path("batches.meta.txt");
  write_file(meta, Bytes(meta_text.begin(), meta_text.end()));
  const auto classes = read_cifar_classes(meta);
  expect_read_or_error(
      [&](const Bytes& b) {
        write_file(data, b);
        read_cifar_batches({data}, classes);
      },
      batch, 3074, 800, 15, data);
  expect_read_or_error(
      [&](const Bytes& b) {
        write_file(meta, b);
        read_cifar_classes(meta);
      },
      Bytes(meta_text.begin(), meta_text.end()), meta_text.size(), 500, 16, meta);
}

TEST(ReaderMutation, ImageMutantsAreDecodedOrRefused) {
  test::ScratchDir dir("vkcnn-image-mutation");
  cv::Mat img(23, 17, CV_8UC3);
  cv::randu(img, 0, 255);
  for (const char* ext : {".png", ".jpg", ".bmp"}) {
    SCOPED_TRACE(ext);
    const std::string path = dir.path(std::string("image") + ext);
    ASSERT_TRUE(cv::imwrite(path, img));
    const Bytes original = read_file(path);
    expect_read_or_error(
        [&](const Bytes& b) {
          write_file(path, b);
          tools::read_image(path, cv::IMREAD_UNCHANGED);
        },
        original, 64, 400, 17, path);
  }
}

}  // namespace
}  // namespace vkcnn::trainer
