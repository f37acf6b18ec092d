/* The vkcnn GStreamer plugin: one registration per element. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstvkcnnclassify.h"
#include "gstvkcnnoverlay.h"
#include "gstvkcnnpublish.h"
#include "vkcnn-meta-impl.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;
  /* Register the meta with the plugin, so readers find it from the first buffer on. */
  vkcnn_classification_meta_get_info ();
  ok |= GST_ELEMENT_REGISTER (vkcnnclassify, plugin);
  ok |= GST_ELEMENT_REGISTER (vkcnnoverlay, plugin);
  ok |= GST_ELEMENT_REGISTER (vkcnnpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vkcnn,
                   "Real-time image classification with CNNs running on the GPU through Vulkan",
                   plugin_init, VKCNN_VERSION, VKCNN_LICENSE, "vkcnn " VKCNN_VERSION, VKCNN_ORIGIN)
