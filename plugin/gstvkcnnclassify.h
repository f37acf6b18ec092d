/* vkcnnclassify: classifies every frame on the GPU and attaches the result as metadata. */
#ifndef GST_VKCNN_CLASSIFY_H
#define GST_VKCNN_CLASSIFY_H

#include <stdio.h>

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "classify_engine.h"
#include "classify_precision.h"
#include "classify_regions.h"
#include "classify_results.h"
#include "result_json.h"

G_BEGIN_DECLS

#define GST_TYPE_VKCNN_CLASSIFY (gst_vkcnn_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstVkcnnClassify, gst_vkcnn_classify, GST, VKCNN_CLASSIFY, GstBaseTransform)

struct _GstVkcnnClassify {
  GstBaseTransform parent;

  /* Properties; read and written under the object lock. */
  gchar *model_path;
  gchar *labels_path;
  gchar *device_name;
  guint top_k;
  gfloat threshold;
  guint interval;
  gdouble smoothing;
  gboolean post_messages;
  gchar *results_path;
  guint max_in_flight;
  gchar *instance_id; /* model-instance-id: share the model and batch with its other elements */
  guint batch_size;
  GstVkcnnPrecision precision;
  guint batch_timeout;                 /* microseconds */
  VkcnnRegionSettings region_settings; /* inference-region and the other classify_regions.h ones */

  /* Between start and stop. device and pending are shared with set_property (object lock);
   * the rest belongs to the streaming thread. */
  VkcnnDevice *device;
  gchar *shared_id;    /* the instance the running element is in, or NULL */
  guint session;       /* counts starts, so a model loaded for an old session is dropped */
  VkcnnModel *pending; /* loaded by set_property("model"), swapped in before the next frame */
  gchar *pending_path;
  gchar **label_override;  /* lines of the labels file, or NULL */
  gboolean labels_changed; /* label_override changed since the labels were resolved */

  VkcnnModel *model;
  const gchar **labels; /* one interned label per class of model */
  VkcnnPass *pass;      /* for (model, info), with max_in_flight slots */
  GstVideoInfo info;
  gboolean have_info;
  GstClockTime frame_duration; /* from the caps' framerate (object lock; for the LATENCY query) */
  guint64 frames;              /* frames seen since start */
  GQueue waiting; /* of VkcnnWaitingFrame: frames submitted or behind one that is, oldest first */
  guint classifying; /* how many of them hold a ticket */
  gboolean
      classified_any; /* a frame was submitted for classification since the result was cleared */
  guint64 classified_frame; /* the number of the last one */
  gfloat *scores;           /* this frame's probabilities, per class */
  gfloat *smoothed;         /* moving average across classified frames, per class */
  VkcnnResult result;       /* the last classification */
  FILE *results_file;
  gchar *stream_id;               /* the last stream-start event's, for the JSON lines */
  VkcnnRegionState *region_state; /* roi-list (classify_regions.c) */
  guint64 in_place_frames;        /* since start, read in place (object lock) */
};

/* Most frames in flight (max-in-flight's range). */
#define VKCNN_MAX_IN_FLIGHT 16

/* A buffer inside the element: submitted to the GPU (ticket > 0, or region_ticket > 0 in
 * roi-list mode), or waiting for the result of the classified frame before it (no ticket:
 * frames between two classified ones by interval, frames none of whose regions needs the GPU). */
typedef struct {
  GstBuffer *buffer; /* writable, owned */
  guint64 number;
  guint64 ticket;
  gint64 submitted_us; /* monotonic clock, when its copy started */
  /* The settings when it came in, so a change applies from the next buffer as before. */
  guint top_k;
  gfloat threshold;
  gfloat smoothing;
  gboolean post;
  const gchar *source; /* stream-id (interned) */
  gboolean output_scores;
  VkcnnRegionFrame *regions;  /* roi-list: its regions, submitted when it came in */
  guint64 region_ticket;      /* their GPU work, 0: none */
  VkcnnResult *region_result; /* roi-list: the regions' results, made when it leaves */
} VkcnnWaitingFrame;

GST_ELEMENT_REGISTER_DECLARE (vkcnnclassify);

/* The streaming side (gstvkcnnclassify_stream.c), shared with the property code. */
GST_DEBUG_CATEGORY_EXTERN (gst_vkcnn_classify_debug);
gboolean gst_vkcnn_classify_start (GstBaseTransform *trans);
gboolean gst_vkcnn_classify_stop (GstBaseTransform *trans);
gboolean gst_vkcnn_classify_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps);
GstFlowReturn gst_vkcnn_classify_generate_output (GstBaseTransform *trans, GstBuffer **outbuf);
/* gstvkcnnclassify_latency.c: the latency and the pool size the buffers in flight add. */
gboolean gst_vkcnn_classify_query (GstBaseTransform *trans, GstPadDirection direction,
                                   GstQuery *query);
gboolean gst_vkcnn_classify_propose_allocation (GstBaseTransform *trans, GstQuery *decide_query,
                                                GstQuery *query);
/* Finishes every frame inside the element and pushes it (before a serialized event, EOS). */
GstFlowReturn gst_vkcnn_classify_drain (GstVkcnnClassify *self);
/* Drops every frame inside the element, after the GPU is done with them (flush). */
void gst_vkcnn_classify_discard (GstVkcnnClassify *self);
/* Counts a frame that the GPU read in place (in-place-frames) when in_place. */
void gst_vkcnn_classify_count_in_place (GstVkcnnClassify *self, gboolean in_place);
/* Lines of a labels file, or NULL with *error set to a message naming the file. */
gchar **gst_vkcnn_classify_read_labels (const gchar *path, gchar **error);

/* Region-of-interest mode (classify_regions.c). */
gboolean gst_vkcnn_classify_regions_enabled (GstVkcnnClassify *self);
/* As f comes in: picks its regions (object-class, min-roi-size, reuse by tracking id) and
 * submits those to classify (f->regions, f->region_ticket; counted in classifying). FALSE with
 * *error on an engine failure. */
gboolean gst_vkcnn_classify_regions_submit (GstVkcnnClassify *self, VkcnnWaitingFrame *f,
                                            gchar **error);
/* Whether the region pass has every slot in flight (finish the oldest frame first). */
gboolean gst_vkcnn_classify_regions_full (GstVkcnnClassify *self);
/* As f leaves, oldest first: waits for its regions and sets f->region_result; their metas get
 * their "classification" params. FALSE with *error on an engine failure. */
gboolean gst_vkcnn_classify_regions_finish (GstVkcnnClassify *self, VkcnnWaitingFrame *f,
                                            gchar **error);
/* A flush: waits for the regions in flight and drops them, and with them the tracked results. */
void gst_vkcnn_classify_regions_discard (GstVkcnnClassify *self);
/* Before the model or the caps change: the region pass and the tracked results go. */
void gst_vkcnn_classify_regions_reset (GstVkcnnClassify *self);
void gst_vkcnn_classify_regions_free (GstVkcnnClassify *self);
/* stream-id, or the element's name (interned). */
const gchar *gst_vkcnn_classify_source_name (GstVkcnnClassify *self);

G_END_DECLS

#endif /* GST_VKCNN_CLASSIFY_H */
