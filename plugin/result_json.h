/* The JSON form of one result: the object vkcnnclassify's results-file writes per line and
 * vkcnnpublish sends per message. One writer, so the two never drift apart. */
#ifndef VKCNN_RESULT_JSON_H
#define VKCNN_RESULT_JSON_H

#include <stdio.h>

#include "classify_results.h"

G_BEGIN_DECLS

/* The frame a result is reported on: what the JSON object says beside the result itself. */
typedef struct {
  const gchar *stream_id; /* the stream-start event's id; NULL: unknown (JSON null) */
  GstClockTime pts;       /* GST_CLOCK_TIME_NONE: JSON null */
  guint64 frame;          /* number of this frame since start */
  gint64 time_us;     /* wall clock when reported, microseconds since the epoch (g_get_real_time) */
  gint width, height; /* from the caps; 0: unknown (JSON null) */
} VkcnnFrameInfo;

/* Appends the object (no newline):
 *   {"stream_id":"...","source":"cam1","pts":33333333,"frame":1,
 *    "time":"2024-05-01T12:00:00.123Z","width":640,"height":480,"result_frame":0,
 *    "inference_us":812,"model":"...","top":[{"id":7,"label":"Sneaker","score":0.91}, ...],
 *    "class_scores":[...],   (only with output-scores=true: one probability per class)
 *    "regions":[{"roi_id":1,"object_id":12,"roi_type":"person","x":10,"y":20,"w":64,"h":128,
 *                "result_frame":0,"top":[...],"class_scores":[...]}, ...]}
 * stream_id is the stream-start event's id, source the element's stream-id property; regions
 * is empty with inference-region=full-frame, and top is empty with roi-list. */
void vkcnn_result_append_json (GString *out, const VkcnnResult *result,
                               const VkcnnFrameInfo *frame);

/* The object as one line, flushed; FALSE (errno set) on a write error. */
gboolean vkcnn_result_write_json (const VkcnnResult *result, const VkcnnFrameInfo *frame,
                                  FILE *file);

/* A read-only view of a buffer's meta as a result (nothing is copied: it lives as long as the
 * meta; never vkcnn_result_clear it). */
void vkcnn_result_from_meta (VkcnnResult *view, const VkcnnClassificationMeta *meta);

G_END_DECLS

#endif /* VKCNN_RESULT_JSON_H */
