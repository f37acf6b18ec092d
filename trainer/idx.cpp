#include "idx.h"

#include <filesystem>
#include <zlib.h>

#include <vkcnn/vk/check.h>

namespace vkcnn::trainer {
namespace {

uint32_t big_endian(const std::vector<uint8_t>& b, std::size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

std::string hex(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

// Header check shared by both file kinds; returns the dimensions.
std::vector<uint32_t> idx_header(const std::vector<uint8_t>& b, const std::string& path, uint32_t magic,
                                 const char* what) {
  const uint32_t dims = magic & 0xff;
  if (b.size() < 4 + 4 * dims)
    throw Error(path + ": too short for an IDX " + what + " header (" + std::to_string(b.size()) + " bytes)");
  if (big_endian(b, 0) != magic)
    throw Error(path + ": wrong magic number " + hex(big_endian(b, 0)) + ", expected " + hex(magic) + " (IDX " + what +
                ")");
  std::vector<uint32_t> d;
  const uint64_t header = 4 + 4 * dims;
  // The product of the dimensions, stopped as soon as it passes what the file holds: three
  // uint32 can wrap 64 bits around to a small number that matches a small file.
  uint64_t body = 1;
  bool too_big = false;
  for (uint32_t i = 0; i < dims; ++i) {
    d.push_back(big_endian(b, 4 + 4 * i));
    if (d.back() == 0) body = 0;
    if (!too_big && body != 0 && d.back() > (b.size() - header) / body) too_big = true;
    if (!too_big) body *= d.back();
  }
  if (too_big && body != 0) {
    std::string shape;
    for (uint32_t v : d) shape += (shape.empty() ? "" : " x ") + std::to_string(v);
    throw Error(path + ": header announces " + shape + " bytes of data, more than the file's " +
                std::to_string(b.size()) + " bytes (truncated file, or a corrupt header)");
  }
  const uint64_t expected = header + body;
  if (b.size() != expected)
    throw Error(path + ": " + std::to_string(b.size()) + " bytes, but its header announces " +
                std::to_string(expected) + (b.size() < expected ? " (truncated file)" : " (trailing bytes)"));
  return d;
}

}  // namespace

std::vector<uint8_t> read_maybe_gzip(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": no such file");
  // gzread passes files without the gzip magic through unchanged.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t chunk[1 << 16];
  for (;;) {
    // A few KB of gzip can expand to any size: stop at a bound far above any IDX data set.
    if (out.size() > max_bytes) {
      gzclose(f);
      throw Error(path + ": more than " + std::to_string(max_bytes) +
                  " bytes of data (uncompressed); not an IDX file this reader accepts");
    }
    int n = gzread(f, chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw Error(path + ": corrupt or truncated gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
  }
  // A stream cut short ends without an error from gzread on some zlib versions; gzclose tells.
  int code = 0;
  gzerror(f, &code);
  const bool truncated = code == Z_BUF_ERROR;
  if (gzclose(f) != Z_OK || truncated) throw Error(path + ": corrupt or truncated gzip data (unexpected end of file)");
  return out;
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, std::vector<std::string> classes) {
  auto img = read_maybe_gzip(images_path);
  auto dims = idx_header(img, images_path, 0x00000803, "images");
  auto lab = read_maybe_gzip(labels_path);
  auto ldims = idx_header(lab, labels_path, 0x00000801, "labels");
  if (dims[0] != ldims[0])
    throw Error(labels_path + ": " + std::to_string(ldims[0]) + " labels, but " + images_path + " holds " +
                std::to_string(dims[0]) + " images");
  if (dims[0] == 0) throw Error(images_path + ": holds no images");
  Dataset d;
  d.origin = images_path;
  d.channels = 1;
  d.height = dims[1];
  d.width = dims[2];
  d.color = ColorOrder::Gray;
  d.pixels.assign(img.begin() + 16, img.end());
  d.labels.reserve(dims[0]);
  for (uint32_t i = 0; i < dims[0]; ++i) {
    uint32_t l = lab[8 + i];
    if (l >= classes.size())
      throw Error(labels_path + ": label " + std::to_string(l) + " of image " + std::to_string(i) +
                  " is out of range for " + std::to_string(classes.size()) + " classes");
    d.labels.push_back(l);
  }
  d.classes = std::move(classes);
  return d;
}

std::optional<std::string> find_idx_file(const std::string& dir, const std::string& prefix, const std::string& kind) {
  const std::string idx = kind == "images" ? "idx3" : "idx1";
  for (const std::string& name :
       {prefix + "-" + kind + "-" + idx + "-ubyte", prefix + "-" + kind + "." + idx + "-ubyte"})
    for (const char* ext : {"", ".gz"}) {
      std::filesystem::path p = std::filesystem::path(dir) / (name + ext);
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) return p.string();
    }
  return std::nullopt;
}

std::optional<Dataset> load_idx_split(const std::string& dir, const std::string& prefix,
                                      const std::vector<std::string>& classes, bool required) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error(dir + ": no such folder");
  auto images = find_idx_file(dir, prefix, "images");
  auto labels = find_idx_file(dir, prefix, "labels");
  if (!images || !labels) {
    if (!required && !images && !labels) return std::nullopt;
    const std::string kind = images ? "labels" : "images";
    const std::string idx = kind == "images" ? "idx3" : "idx1";
    throw Error(dir + ": no " + prefix + "-" + kind + "-" + idx + "-ubyte[.gz] (nor " + prefix + "-" + kind + "." +
                idx + "-ubyte[.gz]) in this folder");
  }
  return read_idx(*images, *labels, classes);
}

}  // namespace vkcnn::trainer
