/* vkcnnclassify: classifies every frame on the GPU and attaches the result as metadata. */
#ifndef GST_VKCNN_CLASSIFY_H
#define GST_VKCNN_CLASSIFY_H

#include <stdio.h>

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "classify_engine.h"
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

  /* Between start and stop. device and pending are shared with set_property (object lock);
   * the rest belongs to the streaming thread. */
  VkcnnDevice *device;
  guint session;              /* counts starts, so a model loaded for an old session is dropped */
  VkcnnModel *pending;        /* loaded by set_property("model"), swapped in before the next frame */
  gchar *pending_path;
  gchar **label_override;     /* lines of the labels file, or NULL */
  gboolean labels_changed;    /* label_override changed since the labels were resolved */

  VkcnnModel *model;
  const gchar **labels;       /* one interned label per class of model */
  VkcnnPass *pass;            /* for (model, info) */
  GstVideoInfo info;
  gboolean have_info;
  guint64 frames;             /* frames seen since start */
  gfloat *scores;             /* this frame's probabilities, per class */
  gfloat *smoothed;           /* moving average across classified frames, per class */
  VkcnnResult result;         /* the last classification */
  FILE *results_file;
  gchar *stream_id;           /* the last stream-start event's, for the JSON lines */
};

GST_ELEMENT_REGISTER_DECLARE (vkcnnclassify);

/* The streaming side (gstvkcnnclassify_stream.c), shared with the property code. */
GST_DEBUG_CATEGORY_EXTERN (gst_vkcnn_classify_debug);
gboolean gst_vkcnn_classify_start (GstBaseTransform * trans);
gboolean gst_vkcnn_classify_stop (GstBaseTransform * trans);
gboolean gst_vkcnn_classify_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps);
GstFlowReturn gst_vkcnn_classify_transform_ip (GstBaseTransform * trans, GstBuffer * buf);
/* Lines of a labels file, or NULL with *error set to a message naming the file. */
gchar **gst_vkcnn_classify_read_labels (const gchar * path, gchar ** error);

G_END_DECLS

#endif /* GST_VKCNN_CLASSIFY_H */
