#include "vk/spirv_bindings.h"

#include <map>
#include <string>

#include <vkcnn/vk/check.h>

namespace vkcnn {
namespace {

// The few SPIR-V opcodes, decorations and enumerants this needs (SPIR-V 1.3 specification).
enum : uint32_t {
  kOpTypeImage = 25,
  kOpTypeSampledImage = 27,
  kOpTypeStruct = 30,
  kOpTypePointer = 32,
  kOpVariable = 59,
  kOpDecorate = 71,
  kDecorationBlock = 2,
  kDecorationBufferBlock = 3,
  kDecorationBinding = 33,
  kDecorationDescriptorSet = 34,
  kStorageUniformConstant = 0,
  kStorageUniform = 2,
  kStorageStorageBuffer = 12,
  kDimBuffer = 5,
};

struct Variable {
  uint32_t pointer_type = 0, storage = 0;
};

}  // namespace

std::vector<VkDescriptorType> descriptor_bindings(std::span<const uint32_t> spirv, std::string_view shader) {
  auto fail = [&](const std::string& what) { return Error("shader " + std::string(shader) + ": " + what); };
  if (spirv.size() < 5) throw fail("SPIR-V shorter than its header");
  std::map<uint32_t, uint32_t> binding, set;                // variable id -> decoration value
  std::map<uint32_t, bool> block, buffer_block;             // struct id -> decorated
  std::map<uint32_t, uint32_t> pointee;                     // pointer type id -> pointed-to type id
  std::map<uint32_t, uint32_t> sampled_image;               // sampled image type id -> image type id
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> image;  // image type id -> (dim, sampled)
  std::map<uint32_t, bool> is_struct;
  std::map<uint32_t, Variable> variables;
  for (size_t i = 5; i < spirv.size();) {
    const uint32_t op = spirv[i] & 0xffff, words = spirv[i] >> 16;
    if (words == 0 || i + words > spirv.size()) throw fail("malformed SPIR-V instruction");
    const uint32_t* w = &spirv[i];
    if (op == kOpDecorate && words >= 3) {
      if (w[2] == kDecorationBinding && words >= 4) binding[w[1]] = w[3];
      if (w[2] == kDecorationDescriptorSet && words >= 4) set[w[1]] = w[3];
      if (w[2] == kDecorationBlock) block[w[1]] = true;
      if (w[2] == kDecorationBufferBlock) buffer_block[w[1]] = true;
    } else if (op == kOpTypePointer && words >= 4) {
      pointee[w[1]] = w[3];
    } else if (op == kOpTypeStruct && words >= 2) {
      is_struct[w[1]] = true;
    } else if (op == kOpTypeImage && words >= 9) {
      image[w[1]] = {w[3], w[7]};
    } else if (op == kOpTypeSampledImage && words >= 3) {
      sampled_image[w[1]] = w[2];
    } else if (op == kOpVariable && words >= 4) {
      variables[w[2]] = {w[1], w[3]};
    }
    i += words;
  }

  std::map<uint32_t, VkDescriptorType> types;  // binding -> type
  for (const auto& [id, slot] : binding) {
    const auto var = variables.find(id);
    if (var == variables.end()) continue;
    if (set.count(id) && set[id] != 0) throw fail("binding " + std::to_string(slot) + " is not in descriptor set 0");
    const uint32_t type = pointee[var->second.pointer_type];
    VkDescriptorType t;
    if (is_struct.count(type) && (var->second.storage == kStorageStorageBuffer ||
                                  (var->second.storage == kStorageUniform && buffer_block.count(type)))) {
      t = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    } else if (var->second.storage == kStorageUniformConstant && sampled_image.count(type) &&
               image[sampled_image[type]].first == kDimBuffer) {
      t = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    } else if (var->second.storage == kStorageUniformConstant && image.count(type) && image[type].first == kDimBuffer &&
               image[type].second == 2) {
      t = VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
    } else {
      throw fail("binding " + std::to_string(slot) +
                 " is neither a storage buffer nor a texel buffer (uniform blocks and images are not bound by vkcnn)");
    }
    // Two declarations of one binding (a float and a vec4 view of one buffer) must agree.
    if (auto [it, added] = types.emplace(slot, t); !added && it->second != t)
      throw fail("binding " + std::to_string(slot) + " is declared twice, as different kinds of descriptor");
  }
  std::vector<VkDescriptorType> out;
  for (const auto& [slot, t] : types) {
    if (slot != out.size())
      throw fail("bindings must be numbered 0, 1, ... without gaps (binding " + std::to_string(out.size()) +
                 " is missing)");
    out.push_back(t);
  }
  return out;
}

}  // namespace vkcnn
