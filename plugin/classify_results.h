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
} VkcnnResult;

void vkcnn_result_clear (VkcnnResult *result);

/* Fills result from one probability per class; labels[i] are interned strings. */
void vkcnn_result_set (VkcnnResult *result, const gfloat *scores, guint n_classes,
                       const gchar *const *labels, guint top_k, gfloat threshold, guint64 frame,
                       guint64 inference_us, const gchar *model);

/* VkcnnClassificationMeta always (with no entries when no class passed the threshold); when at
 * least one did, also the whole-frame GstVideoRegionOfInterestMeta (roi_type and its
 * "classification" param: the best class) and, built against GStreamer >= 1.24, a
 * GstAnalyticsClsMtd holding every reported class. */
void vkcnn_result_attach (const VkcnnResult *result, GstBuffer *buffer, const GstVideoInfo *info);

/* The "vkcnn-classification" element message. */
GstMessage *vkcnn_result_message (const VkcnnResult *result, GstObject *src, GstClockTime timestamp,
                                  GstClockTime stream_time, GstClockTime running_time);

G_END_DECLS

#endif /* VKCNN_CLASSIFY_RESULTS_H */
