// Read-only inputs that a shader may take either as storage buffers or as texel buffers.
// A shader that includes this file is compiled twice (shaders/CMakeLists.txt): as <name>, with
// storage buffers, and as <name>_texel with TEXEL_INPUTS defined. Lavapipe turns a storage
// load whose address differs between lanes into a loop over the lanes, but a texelFetch into
// one gather, several times cheaper; GPUs read both alike. The host picks the variant
// (engine/layers/texel_inputs.h) and binds the matching views.
//   FLOAT_INPUT(binding, name) declares the input; READ(name, i) reads element i as a float
// (stored as 16 bits in the _fp16 variants of shaders on precision.glsl); READ_UINT reads a
// UINT_INPUT.
#include "precision.glsl"
#ifdef TEXEL_INPUTS
#define FLOAT_INPUT(b, name) layout(binding = b) uniform samplerBuffer name##_texels;
#define UINT_INPUT(b, name) layout(binding = b) uniform usamplerBuffer name##_texels;
#define READ(name, i) texelFetch(name##_texels, int(i)).x
#define READ_UINT(name, i) texelFetch(name##_texels, int(i)).x
#else
#define FLOAT_INPUT(b, name) layout(binding = b) readonly buffer name##_buffer { ELEM name[]; };
#define UINT_INPUT(b, name) layout(binding = b) readonly buffer name##_buffer { uint name[]; };
#define READ(name, i) float(name[i])
#define READ_UINT(name, i) name[i]
#endif
