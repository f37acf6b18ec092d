// Dataset readers on good files and on every kind of broken file the issue lists: missing
// files, wrong magic, truncation (plain and gzip), label/image count mismatch, labels out of
// range, unreadable images, empty class folders. Errors must name the file at fault.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>

#include <vkcnn/vk/check.h>

#include "cifar.h"
#include "data_source.h"
#include "idx.h"
#include "image_file.h"
#include "image_folder.h"

namespace vkcnn::trainer {
namespace {
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("vkcnn_readers_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip = false) {
  fs::create_directories(fs::path(path).parent_path());
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

// n images of rows x cols with pixel (i, k) = (7 i + k) mod 256, labels i mod 10.
std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic = 0x803) {
  std::vector<uint8_t> b;
  put_be32(b, magic);
  put_be32(b, n), put_be32(b, rows), put_be32(b, cols);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < rows * cols; ++k) b.push_back(static_cast<uint8_t>(7 * i + k));
  return b;
}
std::vector<uint8_t> idx_labels(uint32_t n) {
  std::vector<uint8_t> b;
  put_be32(b, 0x801);
  put_be32(b, n);
  for (uint32_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i % 10));
  return b;
}

template <class Fn>
void expect_error(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one mentioning " << parts.front();
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

const std::vector<std::string> kTen = fashion_mnist_classes();

TEST(IdxReader, ReadsBothSpellingsGzippedOrNot) {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte.gz", idx_images(12, 5, 3), true);
  write_bytes(dir / "train-labels-idx1-ubyte.gz", idx_labels(12), true);
  write_bytes(dir / "t10k-images.idx3-ubyte", idx_images(4, 5, 3));
  write_bytes(dir / "t10k-labels.idx1-ubyte", idx_labels(4));
  auto train = load_idx_split(dir.str(), "train", kTen, true);
  ASSERT_TRUE(train);
  EXPECT_EQ(train->size(), 12u);
  EXPECT_EQ(train->height, 5u);
  EXPECT_EQ(train->width, 3u);
  EXPECT_EQ(train->channels, 1u);
  EXPECT_EQ(train->image(11)[2], static_cast<uint8_t>(7 * 11 + 2));
  EXPECT_EQ(train->labels[11], 1u);
  auto test = load_idx_split(dir.str(), "t10k", kTen, true);
  ASSERT_TRUE(test);
  EXPECT_EQ(test->size(), 4u);
  EXPECT_EQ(test->labels[3], 3u);
  EXPECT_EQ(test->classes[9], "Ankle boot");
}

TEST(IdxReader, MissingFilesNameTheFolderAndTheNames) {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_images(2, 2, 2));
  expect_error([&] { load_idx_split(dir.str(), "train", kTen, true); },
               {dir.str(), "no train-labels-idx1-ubyte[.gz] (nor train-labels.idx1-ubyte[.gz])"});
  EXPECT_FALSE(load_idx_split(dir.str(), "t10k", kTen, false)) << "an absent optional split is not an error";
  expect_error([&] { load_idx_split(dir / "nowhere", "train", kTen, true); }, {"nowhere: no such folder"});
}

TEST(IdxReader, BrokenFilesAreRejectedWithTheFileNamed) {
  TempDir dir;
  const std::string images = dir / "i", labels = dir / "l";
  write_bytes(labels, idx_labels(3));

  write_bytes(images, idx_images(3, 2, 2, 0x802));
  expect_error([&] { read_idx(images, labels, kTen); }, {images, "wrong magic number 0x00000802, expected 0x00000803"});

  auto cut = idx_images(3, 2, 2);
  cut.resize(cut.size() - 5);
  write_bytes(images, cut);
  expect_error([&] { read_idx(images, labels, kTen); }, {images, "(truncated file"});

  write_bytes(images, {0, 0});
  expect_error([&] { read_idx(images, labels, kTen); }, {images, "too short for an IDX images header"});

  write_bytes(images, idx_images(4, 2, 2));
  expect_error([&] { read_idx(images, labels, kTen); }, {labels, "3 labels, but", "holds 4 images"});

  write_bytes(images, idx_images(3, 2, 2));
  expect_error(
      [&] {
        read_idx(images, labels, {"a", "b"});
      },
      {labels, "label 2 of image 2 is out of range for 2 classes"});

  // A gzip stream cut in the middle.
  const std::string gz = dir / "g.gz";
  write_bytes(gz, idx_images(200, 28, 28), true);
  std::ifstream in(gz, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() / 2);
  std::ofstream(gz, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  expect_error([&] { read_idx(gz, labels, kTen); }, {gz, "corrupt or truncated gzip data"});
}

// 467 x 176025008 x 1795223217 wraps 64 bits around to 784: the header used to pass as 28x28
// bytes and the reader went on to allocate gigabytes.
// A few KB of gzip can expand to gigabytes: reading stops at a bound (2 GiB in use; a small one
// here, so that the test does not need gigabytes of memory).
TEST(IdxReader, DecompressionStopsAtTheSizeBound) {
  TempDir dir;
  const std::string bomb = dir / "bomb.gz";
  write_bytes(bomb, std::vector<uint8_t>(std::size_t(4) << 20, 0), true);
  EXPECT_LT(std::filesystem::file_size(bomb), 64u << 10);
  expect_error([&] { read_maybe_gzip(bomb, 1u << 20); }, {bomb, "more than 1048576 bytes of data (uncompressed)"});
  EXPECT_EQ(read_maybe_gzip(bomb, 8u << 20).size(), std::size_t(4) << 20);
}

TEST(IdxReader, DimensionsWhoseProductWrapsAreRejected) {
  TempDir dir;
  const std::string images = dir / "i", labels = dir / "l";
  std::vector<uint8_t> b;
  put_be32(b, 0x803);
  put_be32(b, 467), put_be32(b, 176025008), put_be32(b, 1795223217);
  b.resize(b.size() + 784, 0);
  write_bytes(images, b);
  write_bytes(labels, idx_labels(467));
  expect_error([&] { read_idx(images, labels, kTen); },
               {images, "header announces 467 x 176025008 x 1795223217 bytes of data, more than the file's 800 bytes"});
}

// Image headers are read before decoding; the ones that announce nothing usable say so.
TEST(ImageFile, HeadersWithoutPixelsOrFrameAreRejectedWithTheFileNamed) {
  TempDir dir;
  const std::string empty_png = dir / "empty.png", bad_jpeg = dir / "bad.jpg";
  write_bytes(empty_png, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D',
                          'R',  0,   0,   0,   0,    0,    0,    0,    5, 8, 2, 0,  0,   0});
  expect_error([&] { tools::read_image(empty_png, cv::IMREAD_UNCHANGED); },
               {empty_png, "the image header announces no pixels"});
  write_bytes(bad_jpeg, {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01});
  expect_error([&] { tools::read_image(bad_jpeg, cv::IMREAD_UNCHANGED); },
               {bad_jpeg, "a JPEG file without a readable frame header"});
}

std::vector<uint8_t> cifar_records(int n, int first_label) {
  std::vector<uint8_t> b;
  for (int r = 0; r < n; ++r) {
    b.push_back(static_cast<uint8_t>((first_label + r) % 10));
    for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>(k / 1024 * 100 + r));  // R=r, G=100+r, B=200+r
  }
  return b;
}

void write_meta(const std::string& path) {
  std::ofstream(path) << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
}

TEST(CifarReader, ReadsBatchesPlanesAndClassNames) {
  TempDir dir;
  const std::string d = dir / "cifar-10-batches-bin";
  write_bytes(d + "/data_batch_1.bin", cifar_records(3, 0));
  write_bytes(d + "/data_batch_2.bin", cifar_records(2, 5));
  write_bytes(d + "/test_batch.bin", cifar_records(4, 9));
  write_meta(d + "/batches.meta.txt");
  auto s = load_cifar10(dir.str());  // the parent folder works too
  EXPECT_EQ(s.train.size(), 5u);
  EXPECT_EQ(s.train.labels, (std::vector<uint32_t>{0, 1, 2, 5, 6}));
  EXPECT_EQ(s.train.channels, 3u);
  EXPECT_EQ(s.train.color, ColorOrder::RGB);
  EXPECT_EQ(s.train.image(4)[0], 1);           // red plane of record 1 of batch 2
  EXPECT_EQ(s.train.image(4)[1024], 101);      // green
  EXPECT_EQ(s.train.image(4)[2048 + 5], 201);  // blue
  ASSERT_TRUE(s.test);
  EXPECT_EQ(s.test->size(), 4u);
  EXPECT_EQ(s.train.classes.size(), 10u);
  EXPECT_EQ(s.train.classes[9], "truck");
}

TEST(CifarReader, BrokenBatchesAreRejectedWithTheFileNamed) {
  TempDir dir;
  write_bytes(dir / "data_batch_1.bin", cifar_records(2, 0));
  expect_error([&] { load_cifar10(dir.str()); }, {"no batches.meta.txt"});
  write_meta(dir / "batches.meta.txt");
  auto cut = cifar_records(2, 0);
  cut.pop_back();
  write_bytes(dir / "data_batch_1.bin", cut);
  expect_error([&] { load_cifar10(dir.str()); },
               {dir / "data_batch_1.bin", "6145 bytes is not a whole number of 3073-byte CIFAR-10 records"});
  auto bad = cifar_records(2, 0);
  bad[3073] = 12;
  write_bytes(dir / "data_batch_1.bin", bad);
  expect_error([&] { load_cifar10(dir.str()); }, {dir / "data_batch_1.bin", "label 12 of record 1 is out of range"});
  fs::remove(dir / "data_batch_1.bin");
  expect_error([&] { load_cifar10(dir.str()); }, {"no data_batch_1.bin .. data_batch_5.bin"});
}

void write_png(const std::string& path, int w, int h, uint8_t value) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(cv::imwrite(path, cv::Mat(h, w, CV_8UC3, cv::Scalar(value, value / 2, 0))));  // BGR
}

InputSpec rgb(uint32_t size) {
  InputSpec in;
  in.channels = 3;
  in.height = in.width = size;
  in.color = ColorOrder::RGB;
  in.mean = {0, 0, 0};
  in.std = {1, 1, 1};
  return in;
}

TEST(ImageFolderReader, SortsClassesResizesAndConvertsToTheModelsOrder) {
  TempDir dir;
  write_png(dir / "train/zebra/1.png", 20, 10, 200);
  write_png(dir / "train/ant/b.png", 8, 8, 100);
  write_png(dir / "train/ant/a.png", 8, 8, 50);
  std::ofstream(dir / "train/ant/notes.txt") << "not an image, skipped by extension";
  write_png(dir / "test/zebra/x.png", 8, 8, 10);
  auto s = load_image_folder(dir.str(), rgb(8));
  EXPECT_EQ(s.train.classes, (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ(s.train.labels, (std::vector<uint32_t>{0, 0, 1}));
  EXPECT_EQ(s.train.width, 8u);
  // a.png first (files sorted); planar RGB: red plane 0 (blue was 0 in BGR), blue plane = value.
  EXPECT_EQ(s.train.image(0)[0], 0);
  EXPECT_EQ(s.train.image(0)[64], 25);
  EXPECT_EQ(s.train.image(0)[128], 50);
  EXPECT_EQ(s.train.image(2)[128], 200) << "a resized uniform image keeps its value";
  ASSERT_TRUE(s.test);
  EXPECT_EQ(s.test->labels, (std::vector<uint32_t>{1})) << "test labels follow the training classes";
}

TEST(ImageFolderReader, BrokenFoldersAreRejectedWithThePathNamed) {
  TempDir dir;
  expect_error([&] { read_image_folder(dir.str(), rgb(8)); }, {dir.str(), "no class folders"});
  write_png(dir / "cat/1.png", 8, 8, 1);
  fs::create_directories(dir / "dog");
  expect_error([&] { read_image_folder(dir.str(), rgb(8)); }, {dir / "dog", "class folder holds no images"});
  std::ofstream(dir / "dog/broken.png") << "this is not a PNG";
  expect_error([&] { read_image_folder(dir.str(), rgb(8)); }, {dir / "dog/broken.png", "cannot read or decode"});
  fs::remove(dir / "dog/broken.png");
  write_png(dir / "dog/2.png", 8, 8, 1);
  expect_error([&] { read_image_folder(dir.str(), rgb(8), {"cat"}); }, {dir / "dog", "not among the training classes"});
}

TEST(DataSource, KindsAreParsedOrDetectedAndImagesConformToTheModel) {
  TempDir dir;
  write_bytes(dir / "fashion/train-images-idx3-ubyte", idx_images(5, 4, 4));
  write_bytes(dir / "fashion/train-labels-idx1-ubyte", idx_labels(5));
  InputSpec gray;
  gray.height = gray.width = 4;
  auto s = load_data(dir / "fashion", gray);
  EXPECT_EQ(s.kind, "fashion-mnist");
  EXPECT_FALSE(s.test);
  auto m = load_data("mnist:" + (dir / "fashion"), rgb(8));
  EXPECT_EQ(m.kind, "mnist");
  EXPECT_EQ(m.train.classes[3], "3");
  EXPECT_EQ(m.train.channels, 3u) << "gray images repeated into the model's three channels";
  EXPECT_EQ(m.train.height, 8u);
  expect_error([&] { load_data("imagenet:" + dir.str(), gray); }, {"unknown dataset kind \"imagenet\""});
}

}  // namespace
}  // namespace vkcnn::trainer
