# ONNX's own backend node tests (Debian's libonnx-testdata, which scripts/setup.sh installs) run
# by vkcnn-onnx-test: one ctest per op family. Each fails on any FAIL (a wrong value) or
# unreadable test; families where some test maps onto vkcnn also fail when none passes. A
# missing test data package fails them too: the runner is given the pattern, which names no
# directory, and says so.
set(VKCNN_ONNX_NODE_TESTS /usr/share/libonnx-testdata/data/node CACHE PATH "ONNX backend node tests")

function(vkcnn_onnx_backend_tests name base expect_pass)
  set(dirs)
  foreach(pattern IN LISTS ARGN)
    file(GLOB found LIST_DIRECTORIES true ${base}/${pattern})
    if(NOT found)
      set(found ${base}/${pattern})
    endif()
    list(APPEND dirs ${found})
  endforeach()
  set(flags)
  if(expect_pass)
    set(flags --expect-pass)
  endif()
  add_test(NAME ${name} COMMAND vkcnn-onnx-test ${flags} ${dirs})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/cache")
endfunction()

function(vkcnn_onnx_node_tests family expect_pass)
  vkcnn_onnx_backend_tests(OnnxNodeTests.${family} ${VKCNN_ONNX_NODE_TESTS} ${expect_pass} ${ARGN})
endfunction()

# Families with tests that pass (see README.md, "Conformance").
vkcnn_onnx_node_tests(conv ON test_basic_conv_with_padding test_basic_conv_without_padding test_conv_with_*)
vkcnn_onnx_node_tests(maxpool ON test_maxpool_*)
vkcnn_onnx_node_tests(averagepool ON test_averagepool_*)
vkcnn_onnx_node_tests(globalaveragepool ON test_globalaveragepool*)
vkcnn_onnx_node_tests(gemm ON test_gemm_*)
vkcnn_onnx_node_tests(matmul ON test_matmul_*)
vkcnn_onnx_node_tests(batchnorm ON test_batchnorm_*)
vkcnn_onnx_node_tests(relu ON test_relu)
vkcnn_onnx_node_tests(leakyrelu ON test_leakyrelu*)
vkcnn_onnx_node_tests(sigmoid ON test_sigmoid*)
vkcnn_onnx_node_tests(tanh ON test_tanh*)
vkcnn_onnx_node_tests(hardswish ON test_hardswish*)
vkcnn_onnx_node_tests(hardsigmoid ON test_hardsigmoid*)
vkcnn_onnx_node_tests(clip ON test_clip*)
vkcnn_onnx_node_tests(softmax ON test_softmax_*)
vkcnn_onnx_node_tests(logsoftmax ON test_logsoftmax_*)
vkcnn_onnx_node_tests(flatten ON test_flatten_*)
vkcnn_onnx_node_tests(pad ON test_constant_pad test_edge_pad test_reflect_pad)
# Families whose tests all fall outside what vkcnn maps (UNSUPPORTED, with the importer's
# reason); they still must not compute a wrong value.
vkcnn_onnx_node_tests(concat OFF test_concat_*)
vkcnn_onnx_node_tests(add OFF test_add*)
vkcnn_onnx_node_tests(mul OFF test_mul test_mul_*)
vkcnn_onnx_node_tests(reshape OFF test_reshape_*)
vkcnn_onnx_node_tests(transpose OFF test_transpose_*)
vkcnn_onnx_node_tests(reduce_mean OFF test_reduce_mean_*)
vkcnn_onnx_node_tests(slice OFF test_slice*)
vkcnn_onnx_node_tests(split OFF test_split_*)
vkcnn_onnx_node_tests(identity OFF test_identity* test_dropout_*)

# The same package's small whole models: PyTorch modules exported by its converter, PyTorch
# operators, and hand-written graphs (the "real" models are not in the package).
get_filename_component(onnx_backend_data ${VKCNN_ONNX_NODE_TESTS} DIRECTORY)
vkcnn_onnx_backend_tests(OnnxModelTests.pytorch_converted ${onnx_backend_data}/pytorch-converted ON test_*)
vkcnn_onnx_backend_tests(OnnxModelTests.pytorch_operator ${onnx_backend_data}/pytorch-operator ON test_*)
vkcnn_onnx_backend_tests(OnnxModelTests.simple ${onnx_backend_data}/simple ON test_*)
