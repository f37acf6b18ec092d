// The descriptor bindings read from a shader's SPIR-V (engine/vk/spirv_bindings.cpp): what
// every pipeline's layout is made from, so each kind it reads is checked on a shader that has
// it, and malformed input is an error naming the shader.
#include "vk/spirv_bindings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <vkcnn/shader_ids.h>
#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

std::vector<VkDescriptorType> bindings_of(ShaderId id) {
  return descriptor_bindings(shader_spirv(id), shader_name(id));
}

constexpr VkDescriptorType kStorage = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
constexpr VkDescriptorType kTexels = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;

TEST(SpirvBindings, StorageBuffersTexelBuffersAndAliasesAreRead) {
  // Two storage buffers.
  EXPECT_EQ(bindings_of(ShaderId::activation), (std::vector{kStorage, kStorage}));
  // The same shader built with texel inputs: its input becomes a texel buffer.
  EXPECT_EQ(bindings_of(ShaderId::activation_texel), (std::vector{kTexels, kStorage}));
  // Bindings 0 and 1 are declared twice (float and vec4 views of one buffer): still 4 bindings.
  EXPECT_EQ(bindings_of(ShaderId::dense_gemv), (std::vector{kStorage, kStorage, kStorage, kStorage}));
  EXPECT_EQ(bindings_of(ShaderId::conv2d_subgroup), (std::vector{kTexels, kTexels, kStorage, kStorage}));
  // A uint texel buffer (the argmax of max pooling) is a texel buffer too.
  EXPECT_EQ(bindings_of(ShaderId::maxpool2d_backward_texel), (std::vector{kTexels, kTexels, kStorage}));
}

TEST(SpirvBindings, MalformedSpirvIsAnErrorNamingTheShader) {
  auto words = shader_spirv(ShaderId::activation);
  const std::vector<uint32_t> header_only(words.begin(), words.begin() + 3);
  // An instruction whose word count runs past the end.
  std::vector<uint32_t> truncated(words.begin(), words.begin() + 6);
  truncated[5] = (1000u << 16) | 71u;
  for (const auto& bad : {header_only, truncated}) {
    try {
      descriptor_bindings(bad, "broken_shader");
      FAIL() << "no error for " << bad.size() << " words";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("shader broken_shader"), std::string::npos) << e.what();
    }
  }
}

// The words of `shader` with every value of one decoration (OpDecorate id, `decoration`) set to `value`.
std::vector<uint32_t> redecorated(ShaderId shader, uint32_t decoration, uint32_t value) {
  auto w = shader_spirv(shader);
  std::vector<uint32_t> out(w.begin(), w.end());
  for (std::size_t i = 5; i < out.size(); i += out[i] >> 16)
    if ((out[i] & 0xffff) == 71 && (out[i] >> 16) >= 4 && out[i + 2] == decoration) out[i + 3] = value;
  return out;
}

void expect_error(const std::vector<uint32_t>& words, const std::string& message) {
  try {
    descriptor_bindings(words, "odd_shader");
    FAIL() << "no error, expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("shader odd_shader: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(SpirvBindings, BindingsOutsideSetZeroOrWithGapsAreErrors) {
  // DescriptorSet (34) 1 for every binding of the activation shader.
  expect_error(redecorated(ShaderId::activation, 34, 1), "is not in descriptor set 0");
  // Binding (33) 3 for both: a gap before it, and a clash of the two declarations at 3 (same kind).
  expect_error(redecorated(ShaderId::activation, 33, 3),
               "bindings must be numbered 0, 1, ... without gaps (binding 0 is missing)");
  // The texel variant's texel input and storage output both at binding 0: different kinds.
  expect_error(redecorated(ShaderId::activation_texel, 33, 0),
               "binding 0 is declared twice, as different kinds of descriptor");
}

}  // namespace
}  // namespace vkcnn
