# Writes activations.glsl (the shaders' ACT_* constants) from engine/include/vkcnn/layers/activations.def.
# Run by shaders/CMakeLists.txt with -DDEF=engine/include/vkcnn/layers/activations.def -DOUT=.../activations.glsl.
file(STRINGS ${DEF} lines REGEX "^VKCNN_ACTIVATION\\(")
set(text "// Generated from engine/include/vkcnn/layers/activations.def by cmake/activation_ids.cmake. Do not edit.\n#define ACT_NONE 0\n")
foreach(line ${lines})
  if(NOT line MATCHES "^VKCNN_ACTIVATION\\(([A-Za-z0-9]+), \"([a-z0-9_]+)\", ([0-9]+)\\)( *//.*)?$")
    message(FATAL_ERROR "activations.def: cannot read \"${line}\"")
  endif()
  string(TOUPPER "${CMAKE_MATCH_2}" name)
  string(APPEND text "#define ACT_${name} ${CMAKE_MATCH_3}\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
