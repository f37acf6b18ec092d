/* vkcnnoverlay's drawing: a panel of labels, scores and confidence bars composited onto a mapped
 * packed frame with OpenCV. A C interface, so that the element stays plain GStreamer C and
 * OpenCV stays inside overlay_draw.cpp. */
#ifndef VKCNN_OVERLAY_DRAW_H
#define VKCNN_OVERLAY_DRAW_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VKCNN_OVERLAY_TOP_LEFT,
  VKCNN_OVERLAY_TOP_RIGHT,
  VKCNN_OVERLAY_BOTTOM_LEFT,
  VKCNN_OVERLAY_BOTTOM_RIGHT,
} VkcnnOverlayPosition;

typedef struct {
  VkcnnOverlayPosition position; /* the frame corner the panel sits in */
  gdouble font_scale; /* OpenCV font scale; 0: from the frame height (vkcnn_overlay_auto_scale) */
  guint thickness;    /* stroke width of the text in pixels; 0: from the font scale */
  guint32 text_color; /* 0xAARRGGBB; AA is the opacity */
  guint32 bar_color;  /* 0xAARRGGBB */
  gdouble background_alpha; /* opacity of the black panel behind the text, 0..1 */
  gboolean show_scores;
  gboolean show_bars;
} VkcnnOverlayStyle;

/* One packed plane: `channels` bytes per pixel. red/green/blue/alpha are the byte offsets of
 * those components in a pixel; for a gray plane (channels 1) red = green = blue = 0 and the
 * colors are drawn as their luma. alpha < 0: no alpha component (padding bytes are left alone). */
typedef struct {
  guint8 *data;
  gint stride;
  gint width, height;
  gint channels;
  gint red, green, blue, alpha;
} VkcnnOverlayCanvas;

typedef struct {
  const gchar *label;
  gfloat score; /* 0..1: the bar's filled share */
} VkcnnOverlayLine;

/* The font scale used when the style's is 0: grows with the frame height, so that text stays
 * about the same share of the picture from 240 lines to 4K, but never below a readable minimum. */
gdouble vkcnn_overlay_auto_scale (gint frame_height);

/* Draws `status` (when not NULL: a line of plain text, e.g. the frame rate) and then one row per
 * line: label, bar, score. Only the pixels of the panel's rectangle change; a panel larger than
 * the frame is clipped. FALSE with *error only when OpenCV fails (out of memory). */
gboolean vkcnn_overlay_draw (const VkcnnOverlayCanvas *canvas, const VkcnnOverlayStyle *style,
                             const VkcnnOverlayLine *lines, guint n_lines, const gchar *status,
                             gchar **error);

G_END_DECLS

#endif /* VKCNN_OVERLAY_DRAW_H */
