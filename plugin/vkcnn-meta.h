/* VkcnnClassificationMeta: the classification vkcnnclassify attaches to every buffer.
 *
 * Public and installed (include/vkcnn/vkcnn-meta.h). Reading the meta needs only this header
 * and GStreamer: the API type is looked up by name, so an application links nothing of vkcnn.
 *
 *   VkcnnClassificationMeta *m = gst_buffer_get_vkcnn_classification_meta (buffer);
 *   if (m && m->n_top > 0)
 *     g_print ("%s %.3f (frame %" G_GUINT64_FORMAT ")\n", m->top[0].label, m->top[0].score,
 * m->frame);
 *
 * The meta has no tags: it describes the whole frame's content, so it stays valid through
 * scaling, color conversion and copies, and elements keep it. Region boxes (regions[i].x ...)
 * are in pixels of the frame as it was classified; the GstVideoRegionOfInterestMeta of each
 * region is the one that GStreamer rescales.
 */
#ifndef VKCNN_META_H
#define VKCNN_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define VKCNN_CLASSIFICATION_META_API_NAME "VkcnnClassificationMetaAPI"
#define VKCNN_CLASSIFICATION_META_IMPL_NAME "VkcnnClassificationMeta"

/* One reported class. */
typedef struct {
  guint class_id;     /* index into the model's output */
  gfloat score;       /* probability in [0, 1] (smoothed when the element's smoothing > 0) */
  const gchar *label; /* interned (g_intern_string): valid for the life of the process */
} VkcnnClassification;

/* The result of one region of interest (inference-region=roi-list): the region's
 * GstVideoRegionOfInterestMeta on the same buffer carries the same result in its
 * "classification" parameter. */
typedef struct {
  guint roi_id;             /* the GstVideoRegionOfInterestMeta's id on the classified buffer */
  gint object_id;           /* tracking id ("object_id" parameter or the meta's id), -1 when none */
  const gchar *roi_type;    /* the region's type (interned), e.g. the detector's class */
  guint x, y, w, h;         /* the region in pixels of the classified frame, clipped to it */
  guint n_top;              /* entries in top (at most top-k, only those >= threshold) */
  VkcnnClassification *top; /* best first */
  guint64 frame;  /* the frame the result was computed on (older with reclassify-interval) */
  gfloat *scores; /* one probability per class (n_classes of the meta), or NULL */
} VkcnnRegionClassification;

typedef struct {
  GstMeta meta;

  guint n_top; /* entries in top: at most the element's top-k, only those >= threshold */
  VkcnnClassification *top; /* best first; ties: lower class_id first */
  guint64 frame;        /* number of the frame (0 = first after start) the result was computed on;
                           differs from the current frame when interval > 1 */
  guint64 inference_us; /* wall time to classify that frame: upload, preprocessing, forward pass,
                           readback */
  const gchar *model;   /* the model's name (interned) */
  /* Since regions of interest (fields after this point are zero/NULL from older producers). */
  const gchar *source; /* the element's stream-id (interned), or NULL */
  guint n_regions;     /* inference-region=roi-list: one entry per classified region, and
                          n_top is 0; full-frame: 0 */
  VkcnnRegionClassification *regions;
  guint n_classes; /* entries of scores (and of each region's scores): 0 unless the element
                      has output-scores=true */
  gfloat *scores;  /* the whole frame's probability per class (full-frame), or NULL */
} VkcnnClassificationMeta;

/* The meta's API type, registered on first use by whoever asks first (the plugin or the
 * application). */
static inline GType
vkcnn_classification_meta_api_get_type (void)
{
  static gsize type = 0;
  if (g_once_init_enter (&type)) {
    static const gchar *tags[] = { NULL };
    GType t = g_type_from_name (VKCNN_CLASSIFICATION_META_API_NAME);
    if (t == 0)
      t = gst_meta_api_type_register (VKCNN_CLASSIFICATION_META_API_NAME, tags);
    g_once_init_leave (&type, t);
  }
  return (GType) type;
}

#define VKCNN_CLASSIFICATION_META_API_TYPE (vkcnn_classification_meta_api_get_type ())

#define gst_buffer_get_vkcnn_classification_meta(b)                                                \
  ((VkcnnClassificationMeta *) gst_buffer_get_meta ((b), VKCNN_CLASSIFICATION_META_API_TYPE))

G_END_DECLS

#endif /* VKCNN_META_H */
