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
  m->source = NULL;
  m->n_regions = 0;
  m->regions = NULL;
  m->n_classes = 0;
  m->scores = NULL;
  return TRUE;
}

static void
vkcnn_classification_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) meta;
  g_free (m->top);
  m->top = NULL;
  m->n_top = 0;
  for (guint i = 0; i < m->n_regions; i++) {
    g_free (m->regions[i].top);
    g_free (m->regions[i].scores);
  }
  g_free (m->regions);
  m->regions = NULL;
  m->n_regions = 0;
  g_free (m->scores);
  m->scores = NULL;
}

/* A whole-frame result survives every transform (copies, scaling, conversion) unchanged. */
static gboolean
vkcnn_classification_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer, GQuark type,
                                     gpointer data)
{
  VkcnnClassificationMeta *m = (VkcnnClassificationMeta *) meta;
  VkcnnClassificationMeta *copy = vkcnn_buffer_add_classification_meta (
      dest, m->top, m->n_top, m->frame, m->inference_us, m->model);
  if (copy)
    vkcnn_classification_meta_set_extra (copy, m->source, m->regions, m->n_regions, m->scores,
                                         m->n_classes);
  return copy != NULL;
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

void
vkcnn_classification_meta_set_extra (VkcnnClassificationMeta *meta, const gchar *source,
                                     const VkcnnRegionClassification *regions, guint n_regions,
                                     const gfloat *scores, guint n_classes)
{
  meta->source = source;
  meta->n_classes = n_classes;
  meta->scores = scores && n_classes ? g_memdup2 (scores, n_classes * sizeof (gfloat)) : NULL;
  meta->n_regions = n_regions;
  meta->regions = n_regions ? g_new0 (VkcnnRegionClassification, n_regions) : NULL;
  for (guint i = 0; i < n_regions; i++) {
    VkcnnRegionClassification *r = &meta->regions[i];
    *r = regions[i];
    r->top = r->n_top ? g_memdup2 (regions[i].top, r->n_top * sizeof (VkcnnClassification)) : NULL;
    r->scores = regions[i].scores && n_classes
                    ? g_memdup2 (regions[i].scores, n_classes * sizeof (gfloat))
                    : NULL;
  }
}
