# Writes vkcnn/shader_ids.h (enum ShaderId) and shader_registry.cpp (ShaderId -> SPIR-V words)
# from the list of shader names. Run by shaders/CMakeLists.txt with -DNAMES=a;b;c -DOUT_DIR=dir
# and -DFP16_PAIRS=a:a_fp16;... (each shader that has a 16-bit-storage twin).
set(ids "")
set(includes "")
set(entries "")
set(names "")
set(fp16_cases "")
foreach(pair ${FP16_PAIRS})
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(APPEND fp16_cases "    case ShaderId::${from}: return ShaderId::${to};\n")
endforeach()
foreach(n ${NAMES})
  string(APPEND ids "  ${n},\n")
  string(APPEND includes "#include \"spv_${n}.h\"\n")
  string(APPEND entries "    {spv_${n}, sizeof(spv_${n}) / sizeof(uint32_t)},\n")
  string(APPEND names "    \"${n}\",\n")
endforeach()

file(WRITE ${OUT_DIR}/vkcnn/shader_ids.h.tmp
"// Generated from shaders/*.comp by cmake/embed_shaders.cmake. Do not edit.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vkcnn {

enum class ShaderId : uint32_t {
${ids}};

std::span<const uint32_t> shader_spirv(ShaderId id);
std::string_view shader_name(ShaderId id);
// The twin of a shader that stores its tensors as 16-bit floats (shaders/precision.glsl), or
// nothing when it has none.
std::optional<ShaderId> shader_fp16_variant(ShaderId id);

}  // namespace vkcnn
")
file(WRITE ${OUT_DIR}/shader_registry.cpp.tmp
"// Generated from shaders/*.comp by cmake/embed_shaders.cmake. Do not edit.
#include \"vkcnn/shader_ids.h\"
#include <cstddef>
${includes}
namespace vkcnn {
namespace {
struct Blob { const uint32_t* words; std::size_t count; };
constexpr Blob kBlobs[] = {
${entries}};
constexpr std::string_view kNames[] = {
${names}};
}  // namespace

std::span<const uint32_t> shader_spirv(ShaderId id) {
  const Blob& b = kBlobs[static_cast<uint32_t>(id)];
  return {b.words, b.count};
}
std::string_view shader_name(ShaderId id) { return kNames[static_cast<uint32_t>(id)]; }
std::optional<ShaderId> shader_fp16_variant(ShaderId id) {
  switch (id) {
${fp16_cases}    default: return std::nullopt;
  }
}

}  // namespace vkcnn
")
# Only touch the outputs when they change, so adding one shader does not rebuild the world.
foreach(f vkcnn/shader_ids.h shader_registry.cpp)
  file(COPY_FILE ${OUT_DIR}/${f}.tmp ${OUT_DIR}/${f} ONLY_IF_DIFFERENT)
  file(REMOVE ${OUT_DIR}/${f}.tmp)
endforeach()
