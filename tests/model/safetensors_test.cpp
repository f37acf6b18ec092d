// The generic safetensors reader/writer against the format's rules
// (https://github.com/huggingface/safetensors#format): layout as Python writes it, files from
// other writers, and one rejection with its own message per rule a file can break.
#include "model/safetensors.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <csignal>
#include <random>

#include <sys/resource.h>

#include "model/test_files.h"

namespace vkcnn {
namespace {

namespace st = safetensors;
using test::contains;
using test::error_of;
using test::starts_with;

std::vector<float> random_values(std::size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

std::string as_text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(Safetensors, SerializeLaysOutTheFileLikePython) {
  auto a = test::f32_bytes(random_values(6, 1)), b = test::f32_bytes(random_values(2, 2));
  // Given out of name order: the file sorts by name and packs the data in that order.
  std::map<std::string, st::TensorRef> tensors;
  tensors.emplace("b", st::TensorRef{"F32", {2}, b});
  tensors.emplace("a", st::TensorRef{"F32", {1, 2, 3}, a});
  auto bytes = st::serialize({{"format", "pt"}}, tensors, "mem");

  // serde_json's compact form, __metadata__ first, then tensors by offset, padded with spaces
  // so that the data starts at a multiple of 8.
  const std::string json = R"({"__metadata__":{"format":"pt"},)"
                           R"("a":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})";
  const std::size_t n = (json.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + n + 32);
  uint64_t declared = 0;
  for (int i = 7; i >= 0; --i) declared = declared << 8 | std::to_integer<uint64_t>(bytes[i]);
  EXPECT_EQ(declared, n);
  EXPECT_EQ(as_text(std::span(bytes).subspan(8, n)), json + std::string(n - json.size(), ' '));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), bytes.begin() + 8 + n));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), bytes.begin() + 8 + n + 24));
}

TEST(Safetensors, WriteThenReadIsBitExact) {
  test::ScratchDir dir;
  // Bit patterns a float round trip through text or arithmetic would lose.
  std::vector<float> special = {-0.f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min(),
                                std::bit_cast<float>(0x7fc12345u), std::bit_cast<float>(0xffa00001u)};
  auto w = random_values(7 * 3 * 5, 3);
  w.insert(w.end(), special.begin(), special.end());
  std::vector<uint16_t> halves = {0x3c00, 0x8001, 0x7bff, 0xfc00};
  auto w_bytes = test::f32_bytes(w);
  auto h_bytes = std::as_bytes(std::span(halves));
  auto s_bytes = test::f32_bytes({42.5f});
  std::map<std::string, st::TensorRef> tensors;
  tensors.emplace("conv.weight", st::TensorRef{"F32", {int64_t(w.size())}, w_bytes});
  tensors.emplace("half", st::TensorRef{"F16", {2, 2}, h_bytes});
  tensors.emplace("scalar", st::TensorRef{"F32", {}, s_bytes});
  tensors.emplace("empty", st::TensorRef{"F32", {0, 3}, {}});
  tensors.emplace("h\xc3\xa9llo", st::TensorRef{"F32", {1}, s_bytes});
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "quotes \" and\nnewlines {}"}};

  const std::string path = dir.path("t.safetensors");
  st::write_file(path, metadata, tensors);
  EXPECT_EQ(test::read_raw(path), st::serialize(metadata, tensors, path));
  st::File file = st::read_file(path);
  EXPECT_EQ(file.origin, path);
  ASSERT_TRUE(file.metadata.has_value());
  EXPECT_EQ(*file.metadata, metadata);
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (const auto& [name, ref] : tensors) {
    SCOPED_TRACE(name);
    const st::TensorInfo& info = file.tensors.at(name);
    EXPECT_EQ(info.dtype, ref.dtype);
    EXPECT_EQ(info.shape, ref.shape);
    auto data = file.data(info);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), ref.bytes.begin(), ref.bytes.end()));
  }
  auto back = st::to_f32(file, "conv.weight");
  ASSERT_EQ(back.size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(back[i]), std::bit_cast<uint32_t>(w[i])) << i;
  EXPECT_EQ(st::to_f32(file, "scalar"), std::vector<float>{42.5f});
  EXPECT_TRUE(st::to_f32(file, "empty").empty());
}

// What another writer may legally produce: whitespace, keys in any order, tensors listed in an
// order that matches neither their names nor their offsets, no metadata, padding spaces.
TEST(Safetensors, ReadsFilesLaidOutByOtherWriters) {
  auto x = random_values(6, 4), y = random_values(3, 5), z = random_values(4, 6);
  std::vector<float> data = y;  // y, then z, then x in the buffer
  data.insert(data.end(), z.begin(), z.end());
  data.insert(data.end(), x.begin(), x.end());
  const std::string header =
      "{\n  \"z\": {\"shape\": [2, 2], \"data_offsets\": [12, 28], \"dtype\": \"F32\"},\n"
      "  \"x\": {\"data_offsets\": [28, 52], \"dtype\": \"F32\", \"shape\": [3, 2]},\n"
      "  \"y\": {\"dtype\": \"F32\", \"data_offsets\": [0, 12], \"shape\": [3]}\n}     ";
  st::File file = st::parse(test::safetensors_image(header, test::f32_bytes(data)), "other.safetensors");
  EXPECT_FALSE(file.metadata.has_value());
  EXPECT_EQ(st::to_f32(file, "x"), x);
  EXPECT_EQ(st::to_f32(file, "y"), y);
  EXPECT_EQ(st::to_f32(file, "z"), z);
  EXPECT_EQ(file.tensors.at("x").shape, (std::vector<int64_t>{3, 2}));
}

struct Corruption {
  const char* what;
  std::string header;
  std::size_t data_bytes;
  std::optional<uint64_t> declared_length;  // a lie about the header length
  const char* message;                      // a part of the expected message
};

// a: F32 [2, 3] at [0, 24), b: F32 [2] at [24, 32): valid with 32 data bytes.
const std::string kA = R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})";
const std::string kB = R"("b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]})";
const std::string kValid = "{" + kA + "," + kB + "}";

std::vector<Corruption> corruptions() {
  return {
      {"zero header length", kValid, 32, 0, "header length is 0"},
      {"header length above the cap", kValid, 32, 100'000'001,
       "header length 100000001 is above the limit of 100000000 bytes"},
      {"header length past the end", kValid, 32, kValid.size() + 33, "runs past the end of the file"},
      {"header is an array", "[1, 2]", 0, {}, "header must be a JSON object starting with '{'"},
      {"header starts with a space", " " + kValid, 32, {}, "header must be a JSON object starting with '{'"},
      {"header cut short", kValid.substr(0, 40), 0, {}, "header is not valid JSON"},
      {"invalid UTF-8", "{\"\xff\":1}", 0, {}, "header is not valid JSON"},
      {"junk after the JSON", kValid + "x", 32, {}, "header is not valid JSON"},
      {"duplicate tensor", "{" + kA + "," + kA + "}", 24, {}, "header has the key \"a\" twice"},
      {"duplicate key in an entry",
       R"({"a":{"dtype":"F32","dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
       24,
       {},
       "header has the key \"dtype\" twice"},
      {"metadata not an object", R"({"__metadata__":"pt"})", 0, {}, "__metadata__ must be an object"},
      {"metadata value not a string",
       R"({"__metadata__":{"epochs":10}})",
       0,
       {},
       "__metadata__ must map strings to strings, but \"epochs\" holds 10"},
      {"entry not an object", R"({"a":[2,3]})", 0, {}, "tensor 'a': entry must be an object"},
      {"entry without offsets",
       R"({"a":{"dtype":"F32","shape":[2,3]}})",
       0,
       {},
       "tensor 'a': entry has no \"data_offsets\""},
      {"dtype not a string",
       R"({"a":{"dtype":4,"shape":[2,3],"data_offsets":[0,24]}})",
       24,
       {},
       "tensor 'a': \"dtype\" must be a string"},
      {"unknown dtype",
       R"({"a":{"dtype":"F33","shape":[2,3],"data_offsets":[0,24]}})",
       24,
       {},
       "tensor 'a': unknown dtype \"F33\""},
      {"negative dim",
       R"({"a":{"dtype":"F32","shape":[-2,3],"data_offsets":[0,24]}})",
       24,
       {},
       "tensor 'a': \"shape\" must be an array of non-negative integers"},
      {"fractional dim",
       R"({"a":{"dtype":"F32","shape":[2.5,3],"data_offsets":[0,24]}})",
       24,
       {},
       "tensor 'a': \"shape\" must be an array of non-negative integers"},
      {"reversed offsets",
       R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]}})",
       24,
       {},
       "tensor 'a': \"data_offsets\" must be [begin, end] with 0 <= begin <= end"},
      {"three offsets",
       R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24,24]}})",
       24,
       {},
       "tensor 'a': \"data_offsets\" must be [begin, end]"},
      {"shape that overflows",
       R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,24]}})",
       24,
       {},
       "tensor 'a': shape [4294967296, 4294967296, 4294967296] is too large"},
      {"span shorter than the shape",
       R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]},)" + kB + "}",
       32,
       {},
       "tensor 'a': shape [2, 3] of F32 needs 24 bytes but data_offsets [0,20] span 20"},
      {"offsets past the data",
       kValid,
       28,
       {},
       "tensor 'b': data_offsets [24,32] run past the end of the data (28 bytes"},
      {"overlapping tensors",
       "{" + kA + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
       24,
       {},
       "tensors 'a' and 'b' overlap"},
      {"hole between tensors",
       "{" + kA + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[28,36]}})",
       36,
       {},
       "bytes [24, 28) of the data belong to no tensor (a hole before 'b')"},
      {"hole before the first tensor",
       R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]}})",
       28,
       {},
       "bytes [0, 4) of the data belong to no tensor (a hole before 'a')"},
      {"trailing bytes", kValid, 37, {}, "5 bytes after the last tensor belong to no tensor"},
  };
}

void PrintTo(const Corruption& c, std::ostream* os) { *os << c.what; }

class SafetensorsCorruption : public ::testing::TestWithParam<Corruption> {};

TEST_P(SafetensorsCorruption, IsRejectedWithItsOwnMessage) {
  const Corruption& c = GetParam();
  auto image = test::safetensors_image(c.header, std::vector<std::byte>(c.data_bytes), c.declared_length);
  std::string from_memory = error_of([&] { st::parse(image, "mem.safetensors"); });
  EXPECT_TRUE(starts_with(from_memory, "mem.safetensors: ")) << from_memory;
  EXPECT_TRUE(contains(from_memory, c.message)) << from_memory;

  test::ScratchDir dir;
  const std::string path = dir.path("bad.safetensors");
  test::write_raw(path, image);
  std::string from_file = error_of([&] { st::read_file(path); });
  EXPECT_TRUE(starts_with(from_file, path + ": ")) << from_file;
  EXPECT_TRUE(contains(from_file, c.message)) << from_file;
}

INSTANTIATE_TEST_SUITE_P(EachRule, SafetensorsCorruption, ::testing::ValuesIn(corruptions()), [](const auto& info) {
  std::string name = info.param.what;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

TEST(Safetensors, TheValidBaseOfTheCorruptionsParses) {
  st::File file = st::parse(test::safetensors_image(kValid, std::vector<std::byte>(32)), "mem");
  EXPECT_EQ(file.tensors.size(), 2u);
  // Zero-size tensors take no room, wherever they sit between others.
  const std::string with_empty = "{" + kA + R"(,"e":{"dtype":"F32","shape":[0,4],"data_offsets":[24,24]},)" + kB + "}";
  EXPECT_EQ(st::parse(test::safetensors_image(with_empty, std::vector<std::byte>(32)), "mem").tensors.size(), 3u);
}

TEST(Safetensors, FileProblemsNameThePath) {
  test::ScratchDir dir;
  std::string missing = dir.path("missing.safetensors");
  std::string msg = error_of([&] { st::read_file(missing); });
  EXPECT_EQ(msg, missing + ": cannot open: No such file or directory");
  msg = error_of([&] { st::read_file(dir.path("")); });
  EXPECT_TRUE(contains(msg, ": not a regular file")) << msg;
  std::string tiny = dir.path("tiny.safetensors");
  test::write_raw(tiny, test::to_bytes(std::string_view("\x05\x00\x00", 3)));
  msg = error_of([&] { st::read_file(tiny); });
  EXPECT_EQ(msg, tiny + ": file is 3 bytes, too short to be a safetensors file (the header length alone takes 8)");
}

// Every prefix of a valid file (a download cut short) is an Error, never a crash or a hang.
TEST(Safetensors, EveryTruncationIsAnError) {
  test::ScratchDir dir;
  auto full = test::safetensors_image(kValid, test::f32_bytes(random_values(8, 7)));
  const std::string path = dir.path("cut.safetensors");
  for (std::size_t size = 0; size < full.size(); ++size) {
    test::write_raw(path, std::span(full).first(size));
    std::string msg = error_of([&] { st::read_file(path); });
    EXPECT_TRUE(starts_with(msg, path + ": ")) << size << ": " << msg;
  }
}

// Random damage to the length and header must end in a vkcnn::Error or a valid file; any other
// exception escaping (a JSON library error, std::out_of_range) fails the test.
TEST(Safetensors, DamagedHeadersNeverEscapeAsOtherExceptions) {
  const auto full = test::safetensors_image(kValid, std::vector<std::byte>(32));
  std::mt19937 rng(13);
  const char replacements[] = {'\0', '{', '}', '"', '[', ']', ',', ':', '9', '-', ' ', '\xff'};
  int rejected = 0;
  for (std::size_t pos = 0; pos < 8 + kValid.size(); ++pos) {
    for (char r : replacements) {
      auto damaged = full;
      damaged[pos] = std::byte(static_cast<unsigned char>(r));
      if (damaged == full) continue;
      rejected += error_of([&] { st::parse(damaged, "mem"); }) != "(no error)";
    }
  }
  EXPECT_GT(rejected, 0);
}

// The reference decodings, from the IEEE / bfloat16 definitions in double precision.
double decode_half(uint16_t h) {
  const double sign = (h >> 15) ? -1.0 : 1.0;
  const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0x1f) return mantissa ? std::nan("") : sign * INFINITY;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

double decode_bfloat16(uint16_t h) {
  const double sign = (h >> 15) ? -1.0 : 1.0;
  const int exponent = (h >> 7) & 0xff, mantissa = h & 0x7f;
  if (exponent == 0xff) return mantissa ? std::nan("") : sign * INFINITY;
  if (exponent == 0) return sign * std::ldexp(mantissa, -133);
  return sign * std::ldexp(128 + mantissa, exponent - 134);
}

TEST(Safetensors, HalfAndBfloat16AreWidenedExactlyForEveryBitPattern) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  auto bytes = std::as_bytes(std::span(all));
  std::map<std::string, st::TensorRef> tensors;
  tensors.emplace("h", st::TensorRef{"F16", {65536}, bytes});
  tensors.emplace("b", st::TensorRef{"BF16", {256, 256}, bytes});
  st::File file = st::parse(st::serialize({}, tensors, "mem"), "mem");
  for (const char* name : {"h", "b"}) {
    auto values = st::to_f32(file, name);
    ASSERT_EQ(values.size(), all.size());
    int bad = 0;
    for (uint32_t i = 0; i < all.size() && bad < 5; ++i) {
      double want = name[0] == 'h' ? decode_half(all[i]) : decode_bfloat16(all[i]);
      bool same = std::isnan(want) ? std::isnan(values[i])
                                   : (values[i] == want && std::signbit(values[i]) == std::signbit(want));
      if (!same)
        ++bad, ADD_FAILURE() << name << " bits 0x" << std::hex << i << ": got " << values[i] << ", want " << want;
    }
  }
}

TEST(Safetensors, OtherDtypesAreNotReadAsFloats) {
  auto bytes = std::vector<std::byte>(8);
  std::map<std::string, st::TensorRef> tensors;
  tensors.emplace("bn.num_batches_tracked", st::TensorRef{"I64", {}, bytes});
  st::File file = st::parse(st::serialize({}, tensors, "mem"), "m.safetensors");
  EXPECT_EQ(error_of([&] { st::to_f32(file, "bn.num_batches_tracked"); }),
            "m.safetensors: tensor 'bn.num_batches_tracked' has dtype I64; only F32 is read (F16 and BF16 are "
            "widened to F32): convert it with .float()");
}

TEST(Safetensors, SerializeRefusesInconsistentTensors) {
  auto bytes = std::vector<std::byte>(20);
  std::map<std::string, st::TensorRef> tensors;
  tensors.emplace("w", st::TensorRef{"F32", {2, 3}, bytes});
  EXPECT_EQ(error_of([&] { st::serialize({}, tensors, "out.safetensors"); }),
            "out.safetensors: tensor 'w': shape [2, 3] of F32 does not match its 20 bytes");
  tensors.clear();
  tensors.emplace("__metadata__", st::TensorRef{"F32", {5}, bytes});
  EXPECT_TRUE(contains(error_of([&] { st::serialize({}, tensors, "o"); }), "cannot be named __metadata__"));
}

std::map<std::string, st::TensorRef> one_tensor(const std::vector<std::byte>& bytes) {
  std::map<std::string, st::TensorRef> t;
  t.emplace("w", st::TensorRef{"F32", {int64_t(bytes.size() / 4)}, bytes});
  return t;
}

TEST(Safetensors, WriteReplacesAnExistingFile) {
  test::ScratchDir dir;
  const std::string path = dir.path("m.safetensors");
  auto first = test::f32_bytes(random_values(5, 8)), second = test::f32_bytes(random_values(9, 9));
  st::write_file(path, {}, one_tensor(first));
  st::write_file(path, {}, one_tensor(second));
  EXPECT_EQ(test::read_raw(path), st::serialize({}, one_tensor(second), path));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"m.safetensors"});
}

TEST(Safetensors, FailedWriteNamesThePathAndLeavesTheOldFile) {
  test::ScratchDir dir;
  std::string nowhere = dir.path("no-such-dir/m.safetensors");
  std::string msg = error_of([&] { st::write_file(nowhere, {}, one_tensor(test::f32_bytes({1.f}))); });
  EXPECT_TRUE(starts_with(msg, nowhere + ": cannot write: cannot create the temporary file")) << msg;
  EXPECT_TRUE(contains(msg, "No such file or directory")) << msg;

  // A disk that fills up mid-write, simulated with a file size limit: the write fails, the old
  // file is byte for byte what it was, and the temporary file is gone.
  const std::string path = dir.path("m.safetensors");
  st::write_file(path, {}, one_tensor(test::f32_bytes({1.f, 2.f})));
  const auto before = test::read_raw(path);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  msg = error_of([&] { st::write_file(path, {}, one_tensor(test::f32_bytes(random_values(4096, 10)))); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(starts_with(msg, path + ": cannot write: writing ")) << msg;
  EXPECT_TRUE(contains(msg, "File too large")) << msg;
  EXPECT_EQ(test::read_raw(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"m.safetensors"});

  // A directory in the way: the rename fails and the temporary file is removed.
  std::filesystem::create_directory(dir.path("taken"));
  std::filesystem::create_directory(dir.path("taken/child"));
  msg = error_of([&] { st::write_file(dir.path("taken"), {}, one_tensor(test::f32_bytes({1.f}))); });
  EXPECT_TRUE(starts_with(msg, dir.path("taken") + ": cannot write: renaming ")) << msg;
  EXPECT_EQ(dir.entries().size(), 2u);
}

}  // namespace
}  // namespace vkcnn
