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
  for (guint i = 0; i < result->n_regions; i++) {
    g_free (result->regions[i].top);
    g_free (result->regions[i].scores);
  }
  g_free (result->regions);
  g_free (result->scores);
  memset (result, 0, sizeof (*result));
}

void
vkcnn_result_set_scores (VkcnnResult *result, const gfloat *scores, guint n_classes)
{
  g_free (result->scores);
  result->scores = scores ? g_memdup2 (scores, n_classes * sizeof (gfloat)) : NULL;
  result->n_classes = scores ? n_classes : 0;
}

static void
append_to_array (GValue *array, GType type, gconstpointer value)
{
  GValue v = G_VALUE_INIT;
  g_value_init (&v, type);
  if (type == G_TYPE_STRING)
    g_value_set_string (&v, value);
  else if (type == G_TYPE_INT)
    g_value_set_int (&v, *(const gint *) value);
  else if (type == G_TYPE_UINT)
    g_value_set_uint (&v, *(const guint *) value);
  else
    g_value_set_double (&v, *(const gdouble *) value);
  gst_value_array_append_and_take_value (array, &v);
}

GstStructure *
vkcnn_classification_param (const VkcnnClassification *top, guint n_top, const gchar *model,
                            const gfloat *scores, guint n_classes)
{
  GValue labels = G_VALUE_INIT, ids = G_VALUE_INIT, confidences = G_VALUE_INIT;
  gst_value_array_init (&labels, n_top);
  gst_value_array_init (&ids, n_top);
  gst_value_array_init (&confidences, n_top);
  for (guint i = 0; i < n_top; i++) {
    gint id = (gint) top[i].class_id;
    gdouble score = top[i].score;
    append_to_array (&labels, G_TYPE_STRING, top[i].label);
    append_to_array (&ids, G_TYPE_INT, &id);
    append_to_array (&confidences, G_TYPE_DOUBLE, &score);
  }
  /* The field names and types DL Streamer's classification results use, then the rest. */
  GstStructure *s
      = gst_structure_new ("classification", "label", G_TYPE_STRING, top[0].label, "label_id",
                           G_TYPE_INT, (gint) top[0].class_id, "confidence", G_TYPE_DOUBLE,
                           (gdouble) top[0].score, "model", G_TYPE_STRING, model, NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "label_ids", &ids);
  gst_structure_take_value (s, "scores", &confidences);
  if (scores) {
    GValue all = G_VALUE_INIT;
    gst_value_array_init (&all, n_classes);
    for (guint i = 0; i < n_classes; i++) {
      gdouble score = scores[i];
      append_to_array (&all, G_TYPE_DOUBLE, &score);
    }
    gst_structure_take_value (s, "class_scores", &all);
  }
  return s;
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
  gst_video_region_of_interest_meta_add_param (
      roi, vkcnn_classification_param (result->top, result->n_top, result->model, result->scores,
                                       result->n_classes));
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
  VkcnnClassificationMeta *meta = vkcnn_buffer_add_classification_meta (
      buffer, result->top, result->n_top, result->frame, result->inference_us, result->model);
  if (meta)
    vkcnn_classification_meta_set_extra (meta, result->source, result->regions, result->n_regions,
                                         result->scores, result->n_classes);
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
  if (result->source)
    gst_structure_set (s, "source", G_TYPE_STRING, result->source, NULL);
  if (result->scores) {
    GValue all = G_VALUE_INIT;
    gst_value_array_init (&all, result->n_classes);
    for (guint i = 0; i < result->n_classes; i++) {
      gdouble score = result->scores[i];
      append_to_array (&all, G_TYPE_DOUBLE, &score);
    }
    gst_structure_take_value (s, "class-scores", &all);
  }
  /* Regions: a list of "region" structures (box, ids, and the param's fields). */
  GValue regions = G_VALUE_INIT;
  gst_value_list_init (&regions, result->n_regions);
  for (guint i = 0; i < result->n_regions; i++) {
    const VkcnnRegionClassification *r = &result->regions[i];
    GstStructure *region = r->n_top ? vkcnn_classification_param (r->top, r->n_top, result->model,
                                                                  r->scores, result->n_classes)
                                    : gst_structure_new_empty ("classification");
    gst_structure_set_name (region, "region");
    gst_structure_set (region, "roi-id", G_TYPE_UINT, r->roi_id, "object-id", G_TYPE_INT,
                       r->object_id, "roi-type", G_TYPE_STRING, r->roi_type, "x", G_TYPE_UINT, r->x,
                       "y", G_TYPE_UINT, r->y, "width", G_TYPE_UINT, r->w, "height", G_TYPE_UINT,
                       r->h, "frame", G_TYPE_UINT64, r->frame, NULL);
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, region);
    gst_value_list_append_and_take_value (&regions, &v);
  }
  gst_structure_take_value (s, "regions", &regions);
  return gst_message_new_element (src, s);
}
