/* vkcnnclassify's "precision" property: the number format the engine runs a model at. */
#ifndef VKCNN_CLASSIFY_PRECISION_H
#define VKCNN_CLASSIFY_PRECISION_H

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  GST_VKCNN_PRECISION_FP32,
  GST_VKCNN_PRECISION_FP16,
  GST_VKCNN_PRECISION_AUTO,
} GstVkcnnPrecision;

#define GST_TYPE_VKCNN_PRECISION (gst_vkcnn_precision_get_type ())
GType gst_vkcnn_precision_get_type (void);
/* "fp32", "fp16" or "auto": the name vkcnn_model_load takes. */
const gchar *gst_vkcnn_precision_name (GstVkcnnPrecision precision);

G_END_DECLS

#endif /* VKCNN_CLASSIFY_PRECISION_H */
