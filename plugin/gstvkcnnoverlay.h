/* vkcnnoverlay: draws the labels of VkcnnClassificationMeta and the regions of interest on the
 * frame. */
#ifndef GST_VKCNN_OVERLAY_H
#define GST_VKCNN_OVERLAY_H

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

#include "overlay_draw.h"

G_BEGIN_DECLS

#define GST_TYPE_VKCNN_OVERLAY (gst_vkcnn_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstVkcnnOverlay, gst_vkcnn_overlay, GST, VKCNN_OVERLAY, GstVideoFilter)

#define GST_TYPE_VKCNN_OVERLAY_POSITION (gst_vkcnn_overlay_position_get_type ())
GType gst_vkcnn_overlay_position_get_type (void);

/* Frames whose arrival times give the measured frame rate. */
#define VKCNN_OVERLAY_FPS_WINDOW 32

struct _GstVkcnnOverlay {
  GstVideoFilter parent;

  /* Properties; read and written under the object lock. */
  VkcnnOverlayStyle style;
  gboolean show_fps;
  guint top_k;
  gboolean draw_regions;
  guint box_thickness;

  /* Streaming thread only: arrival times (monotonic, µs) of the last frames, a ring. */
  gint64 arrivals[VKCNN_OVERLAY_FPS_WINDOW];
  guint n_arrivals;
};

GST_ELEMENT_REGISTER_DECLARE (vkcnnoverlay);

G_END_DECLS

#endif /* GST_VKCNN_OVERLAY_H */
