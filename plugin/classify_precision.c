#include "classify_precision.h"

GType
gst_vkcnn_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_VKCNN_PRECISION_FP32, "32-bit floats", "fp32" },
    { GST_VKCNN_PRECISION_FP16, "16-bit floats (an error where the device cannot store them)",
      "fp16" },
    { GST_VKCNN_PRECISION_AUTO, "fp16 on GPUs that can store 16-bit floats, fp32 on CPU devices",
      "auto" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVkcnnPrecision", values));
  return type;
}

const gchar *
gst_vkcnn_precision_name (GstVkcnnPrecision precision)
{
  /* The engine parses these; the nicks above are the same words. */
  switch (precision) {
    case GST_VKCNN_PRECISION_FP32:
      return "fp32";
    case GST_VKCNN_PRECISION_FP16:
      return "fp16";
    default:
      return "auto";
  }
}
