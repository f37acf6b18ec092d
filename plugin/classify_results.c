/* Turning a classification into metas and a bus message (its JSON form: result_json.c). */
#include "classify_results.h"

#include <string.h>

#include "classify_engine.h"
#include "vkcnn-meta-impl.h"

#if GST_CHECK_VERSION(1, 24, 0) && defined(VKCNN_HAVE_GST_ANALYTICS)
#include <gst/analytics/analytics.h>
#define VKCNN_ANALYTICS 1
#endif

void
vkcnn_result_clear (VkcnnResult *result)
{
  g_free (result->top);
  memset (result, 0, sizeof (*result));
}

void
vkcnn_result_set (VkcnnResult *result, const gfloat *scores, guint n_classes,
                  const gchar *const *labels, guint top_k, gfloat threshold, guint64 frame,
                  guint64 inference_us, const gchar *model)
{
  guint *ids = g_new (guint, MIN (top_k, n_classes));
  guint n = vkcnn_top_k (scores, n_classes, top_k, threshold, ids);
  g_free (result->top);
  result->top = g_new0 (VkcnnClassification, MAX (n, 1));
  for (guint i = 0; i < n; i++) {
    result->top[i].class_id = ids[i];
    result->top[i].score = scores[ids[i]];
    result->top[i].label = labels[ids[i]];
  }
  g_free (ids);
  result->n_top = n;
  result->valid = TRUE;
  result->frame = frame;
  result->inference_us = inference_us;
  result->model = model;
}

static void
attach_region_of_interest (const VkcnnResult *result, GstBuffer *buffer, const GstVideoInfo *info)
{
  const VkcnnClassification *best = &result->top[0];
  GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta (
      buffer, best->label, 0, 0, GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
  /* The field names and types DL Streamer's classification results use. */
  gst_video_region_of_interest_meta_add_param (
      roi, gst_structure_new ("classification", "label", G_TYPE_STRING, best->label, "label_id",
                              G_TYPE_INT, (gint) best->class_id, "confidence", G_TYPE_DOUBLE,
                              (gdouble) best->score, NULL));
}

#ifdef VKCNN_ANALYTICS
static void
attach_analytics (const VkcnnResult *result, GstBuffer *buffer)
{
  /* Join the relation meta an upstream analyzer (a detector, say) may have put there. */
  GstAnalyticsRelationMeta *relations = gst_buffer_get_analytics_relation_meta (buffer);
  if (!relations)
    relations = gst_buffer_add_analytics_relation_meta (buffer);
  gfloat *confidence = g_new (gfloat, result->n_top);
  GQuark *classes = g_new (GQuark, result->n_top);
  GstAnalyticsClsMtd mtd;
  for (guint i = 0; i < result->n_top; i++) {
    confidence[i] = result->top[i].score;
    classes[i] = g_quark_from_string (result->top[i].label);
  }
  gst_analytics_relation_meta_add_cls_mtd (relations, result->n_top, confidence, classes, &mtd);
  g_free (confidence);
  g_free (classes);
}
#endif

void
vkcnn_result_attach (const VkcnnResult *result, GstBuffer *buffer, const GstVideoInfo *info)
{
  vkcnn_buffer_add_classification_meta (buffer, result->top, result->n_top, result->frame,
                                        result->inference_us, result->model);
  if (result->n_top == 0)
    return;
  attach_region_of_interest (result, buffer, info);
#ifdef VKCNN_ANALYTICS
  attach_analytics (result, buffer);
#endif
}

GstMessage *
vkcnn_result_message (const VkcnnResult *result, GstObject *src, GstClockTime timestamp,
                      GstClockTime stream_time, GstClockTime running_time)
{
  GValue ids = G_VALUE_INIT, labels = G_VALUE_INIT, scores = G_VALUE_INIT;
  gst_value_array_init (&ids, result->n_top);
  gst_value_array_init (&labels, result->n_top);
  gst_value_array_init (&scores, result->n_top);
  for (guint i = 0; i < result->n_top; i++) {
    GValue id = G_VALUE_INIT, label = G_VALUE_INIT, score = G_VALUE_INIT;
    g_value_init (&id, G_TYPE_UINT);
    g_value_set_uint (&id, result->top[i].class_id);
    gst_value_array_append_and_take_value (&ids, &id);
    g_value_init (&label, G_TYPE_STRING);
    g_value_set_string (&label, result->top[i].label);
    gst_value_array_append_and_take_value (&labels, &label);
    g_value_init (&score, G_TYPE_DOUBLE);
    g_value_set_double (&score, result->top[i].score);
    gst_value_array_append_and_take_value (&scores, &score);
  }
  GstStructure *s = gst_structure_new (
      "vkcnn-classification", "timestamp", G_TYPE_UINT64, timestamp, "stream-time", G_TYPE_UINT64,
      stream_time, "running-time", G_TYPE_UINT64, running_time, "frame", G_TYPE_UINT64,
      result->frame, "inference-us", G_TYPE_UINT64, result->inference_us, "model", G_TYPE_STRING,
      result->model, NULL);
  gst_structure_take_value (s, "ids", &ids);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  return gst_message_new_element (src, s);
}
