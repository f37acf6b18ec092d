// The precision tensors are stored in. A shader that includes this file is also compiled as
// <name>_fp16 (and <name>_texel_fp16 when it has texel inputs; shaders/CMakeLists.txt) with
// FP16 defined: its tensors, activations and parameters alike, are then 16-bit floats in
// memory, while every computation stays in 32-bit floats (loads widen, stores round to nearest).
// Scratch buffers (Winograd's transformed operands, partial sums) stay 32-bit.
//   ELEM / ELEM4: the stored element type; read as float(t[i]) or vec4(t4[i]), write ELEM(v).
// Include it first (it may enable an extension). Texel inputs need nothing here: the host binds
// 16-bit views and texelFetch widens them.
#ifndef PRECISION_GLSL
#define PRECISION_GLSL
#ifdef FP16
#extension GL_EXT_shader_16bit_storage : require
#define ELEM float16_t
#define ELEM4 f16vec4
#else
#define ELEM float
#define ELEM4 vec4
#endif
#endif
