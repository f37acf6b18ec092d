/**
 * SECTION:element-vkcnnoverlay
 * @title: vkcnnoverlay
 *
 * Draws the classification that vkcnnclassify attached to a frame (#VkcnnClassificationMeta):
 * a panel in one corner with the best labels, their scores and horizontal confidence bars, and,
 * with #GstVkcnnOverlay:show-fps, the frame rate measured at this element and the inference
 * time of the result. Every #GstVideoRegionOfInterestMeta smaller than the frame (a detector's
 * object, a region vkcnnclassify classified) gets a box and a tag "label score" in a color
 * picked by its label: the label and score of its "classification" parameter (as vkcnnclassify
 * and DL Streamer attach it), else of its "detection" parameter, else the region's type alone.
 * Frames with neither pass through unchanged.
 *
 * With #GstVkcnnOverlay:font-scale 0 (the default) the text grows with the frame height, so
 * the panel covers about the same share of the picture from 320x240 to 4K. Colors are ARGB
 * (0xAARRGGBB, AA = opacity). On GRAY8 frames colors are drawn as their luma. NV12 and I420
 * frames are drawn on in place, plane by plane: colors become YUV with the caps' colorimetry
 * (BT.601 when it names no matrix), text keeps the full luma resolution and chroma is blended
 * at its subsampled resolution, so hardware-decoded video needs no conversion.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! vkcnnclassify model=fmnist.vkcnn ! \
 *     vkcnnoverlay position=bottom-right top-k=3 show-fps=true ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvkcnnoverlay.h"

#include "vkcnn-meta.h"

GST_DEBUG_CATEGORY_STATIC (gst_vkcnn_overlay_debug);
#define GST_CAT_DEFAULT gst_vkcnn_overlay_debug

enum {
  PROP_0,
  PROP_POSITION,
  PROP_FONT_SCALE,
  PROP_THICKNESS,
  PROP_TEXT_COLOR,
  PROP_BAR_COLOR,
  PROP_BACKGROUND_ALPHA,
  PROP_SHOW_SCORES,
  PROP_SHOW_BARS,
  PROP_SHOW_FPS,
  PROP_TOP_K,
  PROP_DRAW_REGIONS,
  PROP_BOX_THICKNESS,
};

#define DEFAULT_PROP_POSITION VKCNN_OVERLAY_TOP_LEFT
#define DEFAULT_PROP_FONT_SCALE 0.0
#define DEFAULT_PROP_THICKNESS 0
#define DEFAULT_PROP_TEXT_COLOR 0xffffffff /* opaque white */
#define DEFAULT_PROP_BAR_COLOR 0xff30d158  /* opaque green */
#define DEFAULT_PROP_BACKGROUND_ALPHA 0.55
#define DEFAULT_PROP_SHOW_SCORES TRUE
#define DEFAULT_PROP_SHOW_BARS TRUE
#define DEFAULT_PROP_SHOW_FPS FALSE
#define DEFAULT_PROP_TOP_K 5
#define DEFAULT_PROP_DRAW_REGIONS TRUE
#define DEFAULT_PROP_BOX_THICKNESS 0

/* Packed formats, where one plane holds every component, and the planar YUV 4:2:0 formats
 * decoders deliver (overlay_composite_{packed,yuv}.cpp). */
#define VKCNN_OVERLAY_CAPS                                                                         \
  GST_VIDEO_CAPS_MAKE (                                                                            \
      "{ RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, xRGB, xBGR, GRAY8, NV12, I420 }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VKCNN_OVERLAY_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VKCNN_OVERLAY_CAPS));

GType
gst_vkcnn_overlay_position_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { VKCNN_OVERLAY_TOP_LEFT, "Top left corner", "top-left" },
    { VKCNN_OVERLAY_TOP_RIGHT, "Top right corner", "top-right" },
    { VKCNN_OVERLAY_BOTTOM_LEFT, "Bottom left corner", "bottom-left" },
    { VKCNN_OVERLAY_BOTTOM_RIGHT, "Bottom right corner", "bottom-right" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVkcnnOverlayPosition", values));
  return type;
}

#define gst_vkcnn_overlay_parent_class parent_class
G_DEFINE_TYPE (GstVkcnnOverlay, gst_vkcnn_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (vkcnnoverlay, "vkcnnoverlay", GST_RANK_NONE, GST_TYPE_VKCNN_OVERLAY);

static void gst_vkcnn_overlay_set_property (GObject *object, guint prop_id, const GValue *value,
                                            GParamSpec *pspec);
static void gst_vkcnn_overlay_get_property (GObject *object, guint prop_id, GValue *value,
                                            GParamSpec *pspec);
static gboolean gst_vkcnn_overlay_start (GstBaseTransform *trans);
static GstFlowReturn gst_vkcnn_overlay_transform_frame_ip (GstVideoFilter *filter,
                                                           GstVideoFrame *frame);

static void
gst_vkcnn_overlay_class_init (GstVkcnnOverlayClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_vkcnn_overlay_set_property;
  gobject_class->get_property = gst_vkcnn_overlay_get_property;

  g_object_class_install_property (
      gobject_class, PROP_POSITION,
      g_param_spec_enum ("position", "Position", "Corner of the frame the panel is drawn in",
                         GST_TYPE_VKCNN_OVERLAY_POSITION, DEFAULT_PROP_POSITION, rw));
  g_object_class_install_property (
      gobject_class, PROP_FONT_SCALE,
      g_param_spec_double ("font-scale", "Font scale",
                           "Text size (OpenCV font scale; 1 is about 22 pixels "
                           "high); 0 = from the frame height (frame height / 600, at least 0.4)",
                           0.0, 20.0, DEFAULT_PROP_FONT_SCALE, rw));
  g_object_class_install_property (
      gobject_class, PROP_THICKNESS,
      g_param_spec_uint ("thickness", "Thickness",
                         "Stroke width of the text in pixels; 0 = from the font "
                         "scale",
                         0, 50, DEFAULT_PROP_THICKNESS, rw));
  g_object_class_install_property (
      gobject_class, PROP_TEXT_COLOR,
      g_param_spec_uint ("text-color", "Text color", "Color of the text, 0xAARRGGBB (AA = opacity)",
                         0, G_MAXUINT32, DEFAULT_PROP_TEXT_COLOR, rw));
  g_object_class_install_property (
      gobject_class, PROP_BAR_COLOR,
      g_param_spec_uint (
          "bar-color", "Bar color",
          "Color of the confidence bars, 0xAARRGGBB (AA = opacity); "
          "the empty part of a bar is drawn in the same color at 30% of that opacity",
          0, G_MAXUINT32, DEFAULT_PROP_BAR_COLOR, rw));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND_ALPHA,
                                   g_param_spec_double ("background-alpha", "Background alpha",
                                                        "Opacity of the black panel behind the "
                                                        "text (0 = none, 1 = solid)",
                                                        0.0, 1.0, DEFAULT_PROP_BACKGROUND_ALPHA,
                                                        rw));
  g_object_class_install_property (gobject_class, PROP_SHOW_SCORES,
                                   g_param_spec_boolean ("show-scores", "Show scores",
                                                         "Print each label's score (0.00 to 1.00)",
                                                         DEFAULT_PROP_SHOW_SCORES, rw));
  g_object_class_install_property (
      gobject_class, PROP_SHOW_BARS,
      g_param_spec_boolean ("show-bars", "Show bars",
                            "Draw a horizontal confidence bar for each label",
                            DEFAULT_PROP_SHOW_BARS, rw));
  g_object_class_install_property (
      gobject_class, PROP_SHOW_FPS,
      g_param_spec_boolean ("show-fps", "Show FPS",
                            "Add a line with the frame rate measured at this element "
                            "(over the last 32 frames) and the inference time of the shown result",
                            DEFAULT_PROP_SHOW_FPS, rw));
  g_object_class_install_property (
      gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
                         "Most labels drawn (the meta holds at most vkcnnclassify's top-k)", 1, 100,
                         DEFAULT_PROP_TOP_K, rw));
  g_object_class_install_property (
      gobject_class, PROP_DRAW_REGIONS,
      g_param_spec_boolean ("draw-regions", "Draw regions",
                            "Draw a box and a label tag for every region of interest "
                            "(GstVideoRegionOfInterestMeta) smaller than the frame",
                            DEFAULT_PROP_DRAW_REGIONS, rw));
  g_object_class_install_property (
      gobject_class, PROP_BOX_THICKNESS,
      g_param_spec_uint ("box-thickness", "Box thickness",
                         "Width of the region boxes' outline in pixels; 0 = from the frame size "
                         "(shorter side / 240, at least 2)",
                         0, 100, DEFAULT_PROP_BOX_THICKNESS, rw));

  gst_element_class_set_static_metadata (
      element_class, "vkcnn classification overlay", "Filter/Effect/Video",
      "Draws the labels, scores and confidence bars that vkcnnclassify attached to each frame, "
      "and a labelled box per region of interest",
      "The vkcnn authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_vkcnn_overlay_start);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR (gst_vkcnn_overlay_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_VKCNN_OVERLAY_POSITION, 0);
  GST_DEBUG_CATEGORY_INIT (gst_vkcnn_overlay_debug, "vkcnnoverlay", 0,
                           "vkcnn classification overlay");
}

static void
gst_vkcnn_overlay_init (GstVkcnnOverlay *self)
{
  self->style.position = DEFAULT_PROP_POSITION;
  self->style.font_scale = DEFAULT_PROP_FONT_SCALE;
  self->style.thickness = DEFAULT_PROP_THICKNESS;
  self->style.text_color = DEFAULT_PROP_TEXT_COLOR;
  self->style.bar_color = DEFAULT_PROP_BAR_COLOR;
  self->style.background_alpha = DEFAULT_PROP_BACKGROUND_ALPHA;
  self->style.show_scores = DEFAULT_PROP_SHOW_SCORES;
  self->style.show_bars = DEFAULT_PROP_SHOW_BARS;
  self->show_fps = DEFAULT_PROP_SHOW_FPS;
  self->top_k = DEFAULT_PROP_TOP_K;
  self->draw_regions = DEFAULT_PROP_DRAW_REGIONS;
  self->box_thickness = DEFAULT_PROP_BOX_THICKNESS;
}

static void
gst_vkcnn_overlay_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  GstVkcnnOverlay *self = GST_VKCNN_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_POSITION:
      self->style.position = g_value_get_enum (value);
      break;
    case PROP_FONT_SCALE:
      self->style.font_scale = g_value_get_double (value);
      break;
    case PROP_THICKNESS:
      self->style.thickness = g_value_get_uint (value);
      break;
    case PROP_TEXT_COLOR:
      self->style.text_color = g_value_get_uint (value);
      break;
    case PROP_BAR_COLOR:
      self->style.bar_color = g_value_get_uint (value);
      break;
    case PROP_BACKGROUND_ALPHA:
      self->style.background_alpha = g_value_get_double (value);
      break;
    case PROP_SHOW_SCORES:
      self->style.show_scores = g_value_get_boolean (value);
      break;
    case PROP_SHOW_BARS:
      self->style.show_bars = g_value_get_boolean (value);
      break;
    case PROP_SHOW_FPS:
      self->show_fps = g_value_get_boolean (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_DRAW_REGIONS:
      self->draw_regions = g_value_get_boolean (value);
      break;
    case PROP_BOX_THICKNESS:
      self->box_thickness = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vkcnn_overlay_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstVkcnnOverlay *self = GST_VKCNN_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_POSITION:
      g_value_set_enum (value, self->style.position);
      break;
    case PROP_FONT_SCALE:
      g_value_set_double (value, self->style.font_scale);
      break;
    case PROP_THICKNESS:
      g_value_set_uint (value, self->style.thickness);
      break;
    case PROP_TEXT_COLOR:
      g_value_set_uint (value, self->style.text_color);
      break;
    case PROP_BAR_COLOR:
      g_value_set_uint (value, self->style.bar_color);
      break;
    case PROP_BACKGROUND_ALPHA:
      g_value_set_double (value, self->style.background_alpha);
      break;
    case PROP_SHOW_SCORES:
      g_value_set_boolean (value, self->style.show_scores);
      break;
    case PROP_SHOW_BARS:
      g_value_set_boolean (value, self->style.show_bars);
      break;
    case PROP_SHOW_FPS:
      g_value_set_boolean (value, self->show_fps);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_DRAW_REGIONS:
      g_value_set_boolean (value, self->draw_regions);
      break;
    case PROP_BOX_THICKNESS:
      g_value_set_uint (value, self->box_thickness);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_vkcnn_overlay_start (GstBaseTransform *trans)
{
  GstVkcnnOverlay *self = GST_VKCNN_OVERLAY (trans);
  self->n_arrivals = 0;
  return TRUE;
}

/* Frames per second over the last arrivals (every frame counts, with meta or without); 0 until
 * two frames have arrived. */
static gdouble
measure_fps (GstVkcnnOverlay *self)
{
  self->arrivals[self->n_arrivals % VKCNN_OVERLAY_FPS_WINDOW] = g_get_monotonic_time ();
  self->n_arrivals++;
  guint n = MIN (self->n_arrivals, VKCNN_OVERLAY_FPS_WINDOW);
  if (n < 2)
    return 0.0;
  gint64 newest = self->arrivals[(self->n_arrivals - 1) % VKCNN_OVERLAY_FPS_WINDOW];
  gint64 oldest = self->arrivals[(self->n_arrivals - n) % VKCNN_OVERLAY_FPS_WINDOW];
  return newest > oldest ? (n - 1) * 1e6 / (gdouble) (newest - oldest) : 0.0;
}

/* The mapped frame as the drawing code sees it. */
static VkcnnOverlayCanvas
canvas_of (GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  VkcnnOverlayCanvas c = { 0 };
  c.width = GST_VIDEO_FRAME_WIDTH (frame);
  c.height = GST_VIDEO_FRAME_HEIGHT (frame);
  if (GST_VIDEO_FORMAT_INFO_IS_YUV (finfo)) {
    c.yuv = TRUE;
    c.luma = GST_VIDEO_FRAME_COMP_DATA (frame, GST_VIDEO_COMP_Y);
    c.luma_stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, GST_VIDEO_COMP_Y);
    c.u = GST_VIDEO_FRAME_COMP_DATA (frame, GST_VIDEO_COMP_U);
    c.v = GST_VIDEO_FRAME_COMP_DATA (frame, GST_VIDEO_COMP_V);
    /* NV12 interleaves U and V in one plane; I420 has one plane each, with equal strides. */
    c.chroma_stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, GST_VIDEO_COMP_U);
    c.chroma_pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, GST_VIDEO_COMP_U);
    c.chroma_shift_x = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, GST_VIDEO_COMP_U);
    c.chroma_shift_y = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, GST_VIDEO_COMP_U);
    const GstVideoColorimetry *colorimetry = &GST_VIDEO_INFO_COLORIMETRY (&frame->info);
    if (!gst_video_color_matrix_get_Kr_Kb (colorimetry->matrix, &c.kr, &c.kb)) {
      c.kr = 0.299; /* BT.601, what vkcnnclassify's preprocessing assumes too */
      c.kb = 0.114;
    }
    c.full_range = colorimetry->range == GST_VIDEO_COLOR_RANGE_0_255;
    return c;
  }
  c.data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  c.stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  c.channels = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
  if (GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo)) {
    c.red = c.green = c.blue = 0;
    c.alpha = -1;
  } else {
    c.red = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_R);
    c.green = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_G);
    c.blue = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_B);
    c.alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo)
                  ? (gint) GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_A)
                  : -1;
  }
  return c;
}

/* The first element of an array (or list) field: the best of a top-k. */
static const GValue *
first_of (const GstStructure *s, const gchar *field)
{
  const GValue *v = gst_structure_get_value (s, field);
  if (v && GST_VALUE_HOLDS_ARRAY (v) && gst_value_array_get_size (v) > 0)
    return gst_value_array_get_value (v, 0);
  if (v && GST_VALUE_HOLDS_LIST (v) && gst_value_list_get_size (v) > 0)
    return gst_value_list_get_value (v, 0);
  return NULL;
}

/* A class id as an int or uint field, else the first of an array of them; -1: none. */
static gint64
class_id_of (const GstStructure *s, const gchar *field, const gchar *array_field)
{
  const GValue *v = gst_structure_get_value (s, field);
  if (!v || (!G_VALUE_HOLDS_INT (v) && !G_VALUE_HOLDS_UINT (v)))
    v = first_of (s, array_field);
  if (v && G_VALUE_HOLDS_INT (v))
    return g_value_get_int (v);
  if (v && G_VALUE_HOLDS_UINT (v))
    return g_value_get_uint (v);
  return -1;
}

/* A score as a double or float field, else the first of an array of them; -1: none. */
static gdouble
score_of (const GstStructure *s, const gchar *field, const gchar *array_field)
{
  const GValue *v = gst_structure_get_value (s, field);
  if (!v || (!G_VALUE_HOLDS_DOUBLE (v) && !G_VALUE_HOLDS_FLOAT (v)))
    v = first_of (s, array_field);
  if (v && G_VALUE_HOLDS_DOUBLE (v))
    return g_value_get_double (v);
  if (v && G_VALUE_HOLDS_FLOAT (v))
    return g_value_get_float (v);
  return -1;
}

/* What a region's tag says and its color: the best class of its "classification" parameter
 * (label, label_id, confidence; else the first of labels, label_ids, scores), else of its
 * "detection" parameter, else its type. The color follows the class id, else the label's text,
 * so that a class keeps its color everywhere. */
static VkcnnOverlayRegion
region_of (GstVideoRegionOfInterestMeta *roi)
{
  VkcnnOverlayRegion r = { roi->x, roi->y, roi->w, roi->h, NULL, -1.0, 0 };
  r.label = roi->roi_type ? g_quark_to_string (roi->roi_type) : NULL;
  gint64 id = -1;
  GstStructure *s = gst_video_region_of_interest_meta_get_param (roi, "classification");
  if (!s)
    s = gst_video_region_of_interest_meta_get_param (roi, "detection");
  if (s) {
    const gchar *label = gst_structure_get_string (s, "label");
    const GValue *first = first_of (s, "labels");
    if (!label && first && G_VALUE_HOLDS_STRING (first))
      label = g_value_get_string (first);
    if (label)
      r.label = label;
    id = class_id_of (s, "label_id", "label_ids");
    r.score = score_of (s, "confidence", "scores");
  }
  r.color_key = id >= 0 ? (guint) id : (r.label ? g_str_hash (r.label) : 0);
  return r;
}

/* The regions to draw: all but those covering the whole frame (vkcnnclassify marks the frame it
 * classified whole that way; the panel shows that result). */
static GArray *
regions_of (GstVideoFrame *frame)
{
  GArray *regions = g_array_new (FALSE, FALSE, sizeof (VkcnnOverlayRegion));
  gpointer state = NULL;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (frame->buffer, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    if (roi->x == 0 && roi->y == 0 && roi->w >= (guint) GST_VIDEO_FRAME_WIDTH (frame)
        && roi->h >= (guint) GST_VIDEO_FRAME_HEIGHT (frame))
      continue;
    VkcnnOverlayRegion r = region_of (roi);
    g_array_append_val (regions, r);
  }
  return regions;
}

static GstFlowReturn
gst_vkcnn_overlay_transform_frame_ip (GstVideoFilter *filter, GstVideoFrame *frame)
{
  GstVkcnnOverlay *self = GST_VKCNN_OVERLAY (filter);
  gdouble fps = measure_fps (self);
  VkcnnClassificationMeta *meta = gst_buffer_get_vkcnn_classification_meta (frame->buffer);

  GST_OBJECT_LOCK (self);
  VkcnnOverlayStyle style = self->style;
  gboolean show_fps = self->show_fps;
  guint n = meta ? MIN (meta->n_top, self->top_k) : 0;
  gboolean draw_regions = self->draw_regions;
  guint box_thickness = self->box_thickness;
  GST_OBJECT_UNLOCK (self);

  VkcnnOverlayCanvas canvas = canvas_of (frame);
  gchar *error = NULL;
  if (draw_regions) {
    GArray *regions = regions_of (frame);
    if (regions->len > 0) {
      GST_LOG_OBJECT (self, "drawing %u regions", regions->len);
      if (!vkcnn_overlay_draw_regions (&canvas, &style, (VkcnnOverlayRegion *) regions->data,
                                       regions->len, box_thickness, &error)) {
        /* As below: the frame goes on with what could be drawn. */
        GST_ELEMENT_WARNING (self, LIBRARY, FAILED, ("Could not draw the regions: %s", error),
                             (NULL));
        g_clear_pointer (&error, g_free);
      }
    }
    g_array_free (regions, TRUE);
  }
  if (!meta)
    return GST_FLOW_OK;

  VkcnnOverlayLine *lines = g_newa (VkcnnOverlayLine, MAX (n, 1));
  for (guint i = 0; i < n; i++) {
    lines[i].label = meta->top[i].label ? meta->top[i].label : "";
    lines[i].score = meta->top[i].score;
  }
  gchar *status = NULL;
  if (show_fps) {
    gchar *rate = fps > 0 ? g_strdup_printf ("%.1f fps", fps) : g_strdup ("-- fps");
    status = g_strdup_printf ("%s  inference %.1f ms", rate, meta->inference_us / 1000.0);
    g_free (rate);
  }
  GST_LOG_OBJECT (self, "drawing %u labels%s", n, status ? " and the frame rate" : "");
  if (!vkcnn_overlay_draw (&canvas, &style, lines, n, status, &error)) {
    /* The frame goes on undrawn: losing a label panel is better than stopping the stream. */
    GST_ELEMENT_WARNING (self, LIBRARY, FAILED, ("Could not draw the labels: %s", error), (NULL));
    g_free (error);
  }
  g_free (status);
  return GST_FLOW_OK;
}
