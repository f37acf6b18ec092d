/* Registration and copy/free of VkcnnClassificationMeta. */
#include "vkcnn-meta-impl.h"

#include <string.h>

static gboolean
vkcnn_classification_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) meta;
  m->n_top = 0;
  m->top = NULL;
  m->frame = 0;
  m->inference_us = 0;
  m->model = NULL;
  return TRUE;
}

static void
vkcnn_classification_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) meta;
  g_free (m->top);
  m->top = NULL;
  m->n_top = 0;
}

/* A whole-frame result survives every transform (copies, scaling, conversion) unchanged. */
static gboolean
vkcnn_classification_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer, GQuark type,
                                     gpointer data)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) meta;
  return vkcnn_buffer_add_classification_meta (dest, m->top, m->n_top, m->frame, m->inference_us,
                                               m->model)
         != NULL;
}

const GstMetaInfo *
vkcnn_classification_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) &info)) {
    const GstMetaInfo *i = gst_meta_register (
        VKCNN_CLASSIFICATION_META_API_TYPE, VKCNN_CLASSIFICATION_META_IMPL_NAME,
        sizeof (VkcnnClassificationMeta), vkcnn_classification_meta_init,
        vkcnn_classification_meta_free, vkcnn_classification_meta_transform);
    g_once_init_leave ((GstMetaInfo **) &info, (GstMetaInfo *) i);
  }
  return info;
}

VkcnnClassificationMeta *
vkcnn_buffer_add_classification_meta (GstBuffer *buffer, const VkcnnClassification *top,
                                      guint n_top, guint64 frame, guint64 inference_us,
                                      const gchar *model)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) gst_buffer_add_meta (
      buffer, vkcnn_classification_meta_get_info (), NULL);
  if (!m)
    return NULL;
  m->n_top = n_top;
  m->top = n_top ? g_memdup2 (top, n_top * sizeof (VkcnnClassification)) : NULL;
  m->frame = frame;
  m->inference_us = inference_us;
  m->model = model;
  return m;
}
