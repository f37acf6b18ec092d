// The environment for processes a test starts that are not this project's (gst-launch-1.0, the
// shell, python) but load its sanitized plugin. In a sanitizer build (VKCNN_SANITIZE) the ASan
// runtime must come first in such a process, so it is preloaded; their own leaks at exit are not
// ours to judge, so leak checking is off there (the plugin's code runs leak-checked in
// plugin_tests, in process). In a normal build this changes nothing.
#pragma once
#include <glib.h>

namespace vkcnn::test {

inline gchar** with_sanitizer_runtime(gchar** envp) {
#ifdef VKCNN_CHILD_PRELOAD
  envp = g_environ_setenv(envp, "LD_PRELOAD", VKCNN_CHILD_PRELOAD, TRUE);
  envp = g_environ_setenv(envp, "ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", TRUE);
#endif
  return envp;
}

}  // namespace vkcnn::test
