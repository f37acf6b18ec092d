// Sanitizer builds (VKCNN_SANITIZE): the leak suppressions and UBSan options that
// scripts/test.sh --sanitize sets, built into every test binary as the sanitizers' default
// options, so that a test started by hand or by the build (gtest's test discovery runs each
// binary once) judges leaks the same way. The environment still overrides them.
#ifdef VKCNN_LSAN_SUPPRESSIONS
extern "C" const char* __lsan_default_options() {
  return "suppressions=" VKCNN_LSAN_SUPPRESSIONS ":print_suppressions=0";
}
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }
#endif
