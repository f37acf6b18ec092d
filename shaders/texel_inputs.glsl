// Read-only inputs that a shader may take either as storage buffers or as texel buffers.
// A shader that includes this file is compiled twice (shaders/CMakeLists.txt): as <name>, with
// storage buffers, and as <name>_texel with TEXEL_INPUTS defined. Lavapipe turns a storage
// load whose address differs between lanes into a loop over the lanes, but a texelFetch into
// one gather, several times cheaper; GPUs read both alike. The host picks the variant
// (engine/layers/texel_inputs.h) and binds the matching views.
//   FLOAT_INPUT(binding, name) declares the input; READ(name, i) reads element i as a float
// (stored as 16 bits in the _fp16 variants of shaders on precision.glsl); READ_UINT reads a
// UINT_INPUT. READ4(name, i) reads elements 4i .. 4i+3 as a vec4: the host then binds a vec4
// view (TensorView::reads_vec4s) where it binds texels, the whole buffer otherwise. One call
// for four elements is what makes lavapipe's elementwise shaders several times faster.
#include "precision.glsl"
#ifdef TEXEL_INPUTS
#define FLOAT_INPUT(b, name) layout(binding = b) uniform samplerBuffer name##_texels;
#define UINT_INPUT(b, name) layout(binding = b) uniform usamplerBuffer name##_texels;
#define READ(name, i) texelFetch(name##_texels, int(i)).x
#define READ4(name, i) texelFetch(name##_texels, int(i))
#define READ_UINT(name, i) texelFetch(name##_texels, int(i)).x
#else
#define FLOAT_INPUT(b, name)                                                    \
  layout(binding = b) readonly buffer name##_buffer { ELEM name[]; };           \
  layout(binding = b) readonly buffer name##_buffer4 { ELEM4 name##_vec4s[]; };
#define UINT_INPUT(b, name) layout(binding = b) readonly buffer name##_buffer { uint name[]; };
#define READ(name, i) float(name[i])
#define READ4(name, i) vec4(name##_vec4s[i])
#define READ_UINT(name, i) name[i]
#endif
