/* vkcnnoverlay's drawing: a panel of labels, scores and confidence bars, and a labelled box per
 * region of interest, composited onto a mapped frame (packed RGB/gray, or planar YUV) with
 * OpenCV. A C interface, so that the element stays plain GStreamer C and OpenCV stays inside
 * overlay_*.cpp. */
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

/* The mapped frame. Packed (yuv FALSE): one plane, `channels` bytes per pixel; red/green/blue/
 * alpha are the byte offsets of those components in a pixel; for a gray plane (channels 1)
 * red = green = blue = 0 and the colors are drawn as their luma. alpha < 0: no alpha component
 * (padding bytes are left alone).
 * Planar YUV (yuv TRUE; NV12, I420): a full-size luma plane (one byte per pixel) and chroma
 * samples each covering (1 << chroma_shift_x) x (1 << chroma_shift_y) luma pixels, the U and V
 * bytes of chroma sample (cx, cy) at u/v + cy * chroma_stride + cx * chroma_pstride (NV12: one
 * interleaved plane, pstride 2; I420: two planes, pstride 1). Colors become YUV with the matrix
 * kr/kb (BT.601: 0.299/0.114) in full or limited (16-235, 16-240) range. */
typedef struct {
  gint width, height;
  gboolean yuv;
  /* packed */
  guint8 *data;
  gint stride;
  gint channels;
  gint red, green, blue, alpha;
  /* planar YUV */
  guint8 *luma;
  gint luma_stride;
  guint8 *u, *v;
  gint chroma_stride, chroma_pstride;
  gint chroma_shift_x, chroma_shift_y;
  gdouble kr, kb;
  gboolean full_range;
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

/* A region of interest to draw (frame coordinates; it may reach past the frame's edges). */
typedef struct {
  gint64 x, y, width, height;
  const gchar *label; /* the tag's text: a class label, else the region's type */
  gdouble score;      /* < 0: none (the tag shows only the label) */
  guint color_key;    /* picks the color from a fixed palette: equal keys, equal colors */
} VkcnnOverlayRegion;

/* The ARGB color (opaque) of a region's box and tag for `color_key`: entry key % n of a fixed
 * palette of clearly different colors. */
guint32 vkcnn_overlay_region_color (guint color_key);

/* Draws each region as a box outline `box_thickness` pixels wide (0: from the frame size) inside
 * its rectangle, in its palette color, with a tag filled in that color holding "label score"
 * (score only with style->show_scores) above the box, or inside its top edge when there is no
 * room above. Everything is clipped to the frame; a region wholly outside is skipped. Same
 * errors as vkcnn_overlay_draw. */
gboolean vkcnn_overlay_draw_regions (const VkcnnOverlayCanvas *canvas,
                                     const VkcnnOverlayStyle *style,
                                     const VkcnnOverlayRegion *regions, guint n_regions,
                                     guint box_thickness, gchar **error);

G_END_DECLS

#endif /* VKCNN_OVERLAY_DRAW_H */
