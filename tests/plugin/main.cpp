// The plugin tests run against the plugin in the build tree, with a private registry, whoever
// starts them (ctest, or the binary by hand); child gst-launch-1.0 processes inherit this.
#include <gtest/gtest.h>

#include <cstdlib>

#include <gst/gst.h>

int main(int argc, char** argv) {
  setenv("GST_PLUGIN_PATH", VKCNN_PLUGIN_DIR, 1);
  setenv("GST_REGISTRY", VKCNN_TEST_REGISTRY, 1);
  setenv("XDG_CACHE_HOME", VKCNN_TEST_CACHE, 0);  // the element's pipeline cache
#ifdef VKCNN_CHILD_PRELOAD
  // Sanitizer build: GStreamer's plugin scanner process is not built with ASan and cannot load
  // the sanitized plugin (it would blacklist it in the registry), so scan in this process.
  setenv("GST_REGISTRY_FORK", "no", 1);
#endif
  gst_init(&argc, &argv);
  // As gstcheck does: a GLib critical or warning (a failed g_return_if_fail in the element, say)
  // aborts the test instead of scrolling past in the log.
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING));
  ::testing::InitGoogleTest(&argc, argv);
  int result = RUN_ALL_TESTS();
  gst_deinit();
  return result;
}
