/* vkcnnclassify's region-of-interest mode (inference-region=roi-list): its properties, which
 * regions of a buffer are classified, the batched GPU run, and the per-region results (the
 * regions' own "classification" params, the vkcnn meta's region list, reuse by tracking id). */
#ifndef VKCNN_CLASSIFY_REGIONS_H
#define VKCNN_CLASSIFY_REGIONS_H

#include <gst/video/video.h>

G_BEGIN_DECLS

typedef enum {
  VKCNN_INFERENCE_REGION_FULL_FRAME,
  VKCNN_INFERENCE_REGION_ROI_LIST,
} VkcnnInferenceRegion;

/* The region properties; read and written under the element's object lock. */
typedef struct {
  VkcnnInferenceRegion mode;
  gchar *object_class; /* as set (comma-separated), or NULL */
  GQuark *classes;     /* its names as quarks, 0-terminated; NULL: every class */
  guint min_size;
  guint reclassify_interval;
  gchar *stream_id; /* NULL: the element's name */
  gboolean output_scores;
  guint64 forward_passes; /* read-only property, updated by the streaming thread */
} VkcnnRegionSettings;

/* Streaming-thread state (region pass, results by tracking id); opaque. */
typedef struct VkcnnRegionState VkcnnRegionState;
/* A frame's regions between coming in and leaving; opaque. */
typedef struct VkcnnRegionFrame VkcnnRegionFrame;
void vkcnn_region_frame_free (VkcnnRegionFrame *regions);

/* Properties installed from prop_id first on; the element forwards prop ids >= first. */
void vkcnn_regions_install_properties (GObjectClass *klass, guint first);
void vkcnn_regions_settings_init (VkcnnRegionSettings *settings);
void vkcnn_regions_settings_clear (VkcnnRegionSettings *settings);
/* Called with the object lock held. FALSE: not one of these properties. A refused value keeps
 * the old one and sets *warning (for the caller to post once it has unlocked). */
gboolean vkcnn_regions_set_property (VkcnnRegionSettings *settings, guint prop_id,
                                     const GValue *value, gchar **warning);
gboolean vkcnn_regions_get_property (GstElement *element, VkcnnRegionSettings *settings,
                                     guint prop_id, GValue *value);

G_END_DECLS

#endif /* VKCNN_CLASSIFY_REGIONS_H */
