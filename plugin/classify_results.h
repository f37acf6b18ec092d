/* One classification result and the ways it leaves the element: the three metas, the bus
 * message (the JSON object is result_json.h's). */
#ifndef VKCNN_CLASSIFY_RESULTS_H
#define VKCNN_CLASSIFY_RESULTS_H

#include <gst/video/video.h>

#include "vkcnn-meta.h"

G_BEGIN_DECLS

typedef struct {
  gboolean valid; /* FALSE until a frame was classified (after start / model change) */
  guint64 frame;  /* the frame it was computed on */
  guint64 inference_us;
  const gchar *model; /* interned */
  guint n_top;
  VkcnnClassification *top; /* best first */
  const gchar *source;      /* the element's stream-id (interned), or NULL */
  guint n_regions;          /* roi-list: the classified regions (owned, as top) */
  VkcnnRegionClassification *regions;
  guint n_classes; /* entries of scores and of each region's scores; 0 without output-scores */
  gfloat *scores;  /* the whole frame's probability per class, or NULL */
} VkcnnResult;

void vkcnn_result_clear (VkcnnResult *result);

/* Keeps a copy of the whole score vector (output-scores=true); NULL drops it. */
void vkcnn_result_set_scores (VkcnnResult *result, const gfloat *scores, guint n_classes);

/* The "classification" parameter of a region of interest: label, label_id and confidence of
 * the best class (DL Streamer's names), then every reported class as the arrays "labels",
 * "label_ids" and "scores" (best first), "model", and with scores != NULL "class_scores" (one
 * probability per class). n_top >= 1. */
GstStructure *vkcnn_classification_param (const VkcnnClassification *top, guint n_top,
                                          const gchar *model, const gfloat *scores,
                                          guint n_classes);

/* Fills result from one probability per class; labels[i] are interned strings. */
void vkcnn_result_set (VkcnnResult *result, const gfloat *scores, guint n_classes,
                       const gchar *const *labels, guint top_k, gfloat threshold, guint64 frame,
                       guint64 inference_us, const gchar *model);

/* VkcnnClassificationMeta always (with no entries when no class passed the threshold). With
 * regions (roi-list) that is all: the regions' own metas got their results when they were
 * classified (classify_regions.c). Otherwise, when at least one class passed, also the
 * whole-frame GstVideoRegionOfInterestMeta (roi_type the best label, "classification" param as
 * vkcnn_classification_param) and, built against GStreamer >= 1.24, a GstAnalyticsClsMtd
 * holding every reported class. */
void vkcnn_result_attach (const VkcnnResult *result, GstBuffer *buffer, const GstVideoInfo *info);

/* The "vkcnn-classification" element message. */
GstMessage *vkcnn_result_message (const VkcnnResult *result, GstObject *src, GstClockTime timestamp,
                                  GstClockTime stream_time, GstClockTime running_time);

G_END_DECLS

#endif /* VKCNN_CLASSIFY_RESULTS_H */
