/* inference-region=roi-list: see classify_regions.h. */
#include "gstvkcnnclassify.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_vkcnn_classify_debug

/* Regions preprocessed and classified together; more run as further passes of at most this. */
#define MAX_REGION_BATCH 16
/* A tracked object's result is forgotten after it has been absent this many frames (or
 * reclassify-interval frames, when that is longer). */
#define FORGET_AFTER_FRAMES 30
/* Entries that frames in flight will read when they leave must not be forgotten before. */
G_STATIC_ASSERT (FORGET_AFTER_FRAMES > VKCNN_MAX_IN_FLIGHT);

enum {
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_ROI_SIZE,
  PROP_RECLASSIFY_INTERVAL,
  PROP_STREAM_ID,
  PROP_OUTPUT_SCORES,
  PROP_ROI_FORWARD_PASSES,
  N_REGION_PROPS
};

static guint first_prop;

struct VkcnnRegionState {
  VkcnnRegionPass *pass;
  GHashTable *tracked; /* object id -> Tracked */
  guint64 passes;      /* forward passes of earlier region passes (the pass counts its own) */
};

/* The classifications of a tracked object. Decisions are made when a frame comes in, results
 * arrive when it leaves: frames leave in order, so a frame that reuses the result of frame n
 * finds it in scores, and no later classification has replaced it yet. */
typedef struct {
  gfloat *scores; /* per class: the last result that came out; NULL before the first */
  guint64 frame;  /* the last frame submitted to classify it */
  guint64 seen;   /* last frame it appeared on */
} Tracked;

static void
tracked_free (gpointer data)
{
  Tracked *t = data;
  g_free (t->scores);
  g_free (t);
}

GType
vkcnn_inference_region_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { VKCNN_INFERENCE_REGION_FULL_FRAME, "Classify the whole frame", "full-frame" },
    { VKCNN_INFERENCE_REGION_ROI_LIST,
      "Classify each region of interest (GstVideoRegionOfInterestMeta) on the buffer", "roi-list" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVkcnnInferenceRegion", values));
  return (GType) type;
}

void
vkcnn_regions_install_properties (GObjectClass *klass, guint first)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;
  first_prop = first;
  g_object_class_install_property (
      klass, first + PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
                         "full-frame: classify the frame; roi-list: classify every region of "
                         "interest on the buffer (cropped and resized on the GPU, all regions of a "
                         "frame in one batch) and attach each result to its region; a buffer "
                         "without regions passes through unclassified",
                         vkcnn_inference_region_get_type (), VKCNN_INFERENCE_REGION_FULL_FRAME,
                         rw));
  g_object_class_install_property (
      klass, first + PROP_OBJECT_CLASS,
      g_param_spec_string ("object-class", "Object class",
                           "roi-list: classify only regions whose type (roi_type) is one of these "
                           "comma-separated names, e.g. \"car,truck\" (empty: every region)",
                           NULL, rw));
  g_object_class_install_property (
      klass, first + PROP_MIN_ROI_SIZE,
      g_param_spec_uint ("min-roi-size", "Minimum region size",
                         "roi-list: classify only regions at least this many pixels wide and "
                         "this many high (after clipping to the frame)",
                         0, G_MAXINT, 0, rw));
  g_object_class_install_property (
      klass, first + PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint (
          "reclassify-interval", "Reclassify interval",
          "roi-list: a region with a tracking id (an \"object_id\" param's \"id\", as DL "
          "Streamer's gvatrack writes, else a non-zero region meta id) reuses its object's result "
          "until it is this many frames old; 1: classify every region on every frame; 0: classify "
          "each object once",
          0, G_MAXUINT, 1, rw));
  g_object_class_install_property (
      klass, first + PROP_STREAM_ID,
      g_param_spec_string ("stream-id", "Stream id",
                           "Name of the source in results (JSON \"source\", the metas, messages); "
                           "empty: the element's name",
                           NULL, rw));
  g_object_class_install_property (
      klass, first + PROP_OUTPUT_SCORES,
      g_param_spec_boolean ("output-scores", "Output scores",
                            "Also attach every class's probability (\"class_scores\" in the "
                            "classification params, the meta's scores, JSON and messages)",
                            FALSE, rw));
  g_object_class_install_property (
      klass, first + PROP_ROI_FORWARD_PASSES,
      g_param_spec_uint64 ("roi-forward-passes", "Region forward passes",
                           "Forward passes run for regions since start: one per frame with "
                           "regions to classify, more when a frame has more than 16",
                           0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

void
vkcnn_regions_settings_init (VkcnnRegionSettings *settings)
{
  memset (settings, 0, sizeof (*settings));
  settings->mode = VKCNN_INFERENCE_REGION_FULL_FRAME;
  settings->reclassify_interval = 1;
}

void
vkcnn_regions_settings_clear (VkcnnRegionSettings *settings)
{
  g_free (settings->object_class);
  g_free (settings->classes);
  g_free (settings->stream_id);
  memset (settings, 0, sizeof (*settings));
}

/* "a, b" -> quarks of "a" and "b"; NULL (with *error) for an empty name between commas. */
static GQuark *
parse_classes (const gchar *text, gchar **error)
{
  gchar **names = g_strsplit (text, ",", -1);
  guint n = g_strv_length (names);
  GQuark *classes = g_new0 (GQuark, n + 1);
  for (guint i = 0; i < n; i++) {
    g_strstrip (names[i]);
    if (!*names[i]) {
      *error = g_strdup_printf ("object-class \"%s\": class %u of %u is empty (expected names "
                                "separated by commas, e.g. \"car,truck\")",
                                text, i + 1, n);
      g_free (classes);
      g_strfreev (names);
      return NULL;
    }
    classes[i] = g_quark_from_string (names[i]);
  }
  g_strfreev (names);
  return classes;
}

gboolean
vkcnn_regions_set_property (VkcnnRegionSettings *settings, guint prop_id, const GValue *value,
                            gchar **warning)
{
  if (prop_id < first_prop || prop_id >= first_prop + N_REGION_PROPS)
    return FALSE;
  switch (prop_id - first_prop) {
    case PROP_INFERENCE_REGION:
      settings->mode = g_value_get_enum (value);
      break;
    case PROP_OBJECT_CLASS: {
      const gchar *text = g_value_get_string (value);
      gchar *error = NULL;
      GQuark *classes = NULL;
      if (text && *text && !(classes = parse_classes (text, &error))) {
        *warning = error;
        break;
      }
      g_free (settings->object_class);
      g_free (settings->classes);
      settings->object_class = g_strdup (text);
      settings->classes = classes;
      break;
    }
    case PROP_MIN_ROI_SIZE:
      settings->min_size = g_value_get_uint (value);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      settings->reclassify_interval = g_value_get_uint (value);
      break;
    case PROP_STREAM_ID: {
      const gchar *id = g_value_get_string (value);
      if (id && !g_utf8_validate (id, -1, NULL)) {
        *warning = g_strdup ("stream-id is not UTF-8 text (it goes into JSON lines and metas); "
                             "keeping the previous one");
        break;
      }
      g_free (settings->stream_id);
      settings->stream_id = id && *id ? g_strdup (id) : NULL;
      break;
    }
    case PROP_OUTPUT_SCORES:
      settings->output_scores = g_value_get_boolean (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

static guint64
forward_passes (VkcnnRegionState *state)
{
  return state->passes + (state->pass ? vkcnn_region_pass_forward_passes (state->pass) : 0);
}

gboolean
vkcnn_regions_get_property (GstElement *element, VkcnnRegionSettings *settings, guint prop_id,
                            GValue *value)
{
  if (prop_id < first_prop || prop_id >= first_prop + N_REGION_PROPS)
    return FALSE;
  switch (prop_id - first_prop) {
    case PROP_INFERENCE_REGION:
      g_value_set_enum (value, settings->mode);
      break;
    case PROP_OBJECT_CLASS:
      g_value_set_string (value, settings->object_class);
      break;
    case PROP_MIN_ROI_SIZE:
      g_value_set_uint (value, settings->min_size);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      g_value_set_uint (value, settings->reclassify_interval);
      break;
    case PROP_STREAM_ID:
      /* The object lock is held: the name is read directly. */
      g_value_set_string (value,
                          settings->stream_id ? settings->stream_id : GST_OBJECT_NAME (element));
      break;
    case PROP_OUTPUT_SCORES:
      g_value_set_boolean (value, settings->output_scores);
      break;
    case PROP_ROI_FORWARD_PASSES:
      g_value_set_uint64 (value, settings->forward_passes);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

const gchar *
gst_vkcnn_classify_source_name (GstVkcnnClassify *self)
{
  GST_OBJECT_LOCK (self);
  const gchar *source = g_intern_string (
      self->region_settings.stream_id ? self->region_settings.stream_id : GST_OBJECT_NAME (self));
  GST_OBJECT_UNLOCK (self);
  return source;
}

void
gst_vkcnn_classify_regions_reset (GstVkcnnClassify *self)
{
  VkcnnRegionState *state = self->region_state;
  if (!state || !state->pass)
    return;
  state->passes += vkcnn_region_pass_forward_passes (state->pass);
  vkcnn_region_pass_free (state->pass);
  state->pass = NULL;
  g_hash_table_remove_all (state->tracked);
}

void
gst_vkcnn_classify_regions_free (GstVkcnnClassify *self)
{
  gst_vkcnn_classify_regions_reset (self);
  if (self->region_state)
    g_hash_table_destroy (self->region_state->tracked);
  g_clear_pointer (&self->region_state, g_free);
}

/* The tracking id of a region, or -1: an "object_id" param's "id" (DL Streamer's gvatrack), else
 * the meta's id when upstream set one (non-zero). */
static gint
tracking_id (GstVideoRegionOfInterestMeta *roi)
{
  GstStructure *param = gst_video_region_of_interest_meta_get_param (roi, "object_id");
  gint id;
  if (param && gst_structure_get_int (param, "id", &id) && id >= 0)
    return id;
  return roi->id > 0 ? roi->id : -1;
}

/* The region of roi inside the frame, or FALSE when it is filtered out. */
static gboolean
select_region (GstVideoRegionOfInterestMeta *roi, const GstVideoInfo *info,
               const VkcnnRegionSettings *settings, VkcnnRect *rect)
{
  if (settings->classes) {
    gboolean listed = FALSE;
    for (const GQuark *c = settings->classes; *c && !listed; c++)
      listed = *c == roi->roi_type;
    if (!listed)
      return FALSE;
  }
  guint64 w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  guint64 x0 = MIN (roi->x, w), y0 = MIN (roi->y, h);
  guint64 x1 = MIN ((guint64) roi->x + roi->w, w), y1 = MIN ((guint64) roi->y + roi->h, h);
  guint min = MAX (settings->min_size, 1);
  if (x1 - x0 < min || y1 - y0 < min)
    return FALSE;
  *rect = (VkcnnRect){ (guint) x0, (guint) y0, (guint) (x1 - x0), (guint) (y1 - y0) };
  return TRUE;
}

typedef struct {
  GstVideoRegionOfInterestMeta *roi;
  VkcnnRect rect;
  gint object_id;
  gboolean reuse;   /* takes its tracked object's result instead of being classified */
  guint64 computed; /* the frame whose classification it gets */
} Candidate;

/* A frame's regions between coming in (submitted) and leaving (their results attached). */
struct VkcnnRegionFrame {
  GArray *candidates; /* of Candidate */
  guint classified;   /* how many of them the GPU classifies, in order */
  gboolean output_scores;
  guint reclassify_interval;
  gint64 start_us; /* monotonic clock, when it came in */
};

void
vkcnn_region_frame_free (VkcnnRegionFrame *r)
{
  if (!r)
    return;
  g_array_free (r->candidates, TRUE);
  g_free (r);
}

static gboolean
ensure_state (GstVkcnnClassify *self, gchar **error)
{
  if (!self->region_state) {
    self->region_state = g_new0 (VkcnnRegionState, 1);
    self->region_state->tracked = g_hash_table_new_full (NULL, NULL, NULL, tracked_free);
    GST_OBJECT_LOCK (self); /* counted from the start of the element */
    self->region_settings.forward_passes = 0;
    GST_OBJECT_UNLOCK (self);
  }
  VkcnnRegionState *state = self->region_state;
  if (state->pass)
    return TRUE;
  GST_OBJECT_LOCK (self);
  guint slots = self->max_in_flight;
  GST_OBJECT_UNLOCK (self);
  state->pass = vkcnn_region_pass_new (self->model, &self->info, MAX_REGION_BATCH, slots, error);
  return state->pass != NULL;
}

/* Drops tracked objects not seen for a while, so that memory stays bounded. */
static void
forget_old (VkcnnRegionState *state, guint64 frame, guint interval)
{
  guint64 keep = MAX (interval, FORGET_AFTER_FRAMES);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, state->tracked);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (frame - ((Tracked *) value)->seen > keep)
      g_hash_table_iter_remove (&it);
}

/* Copies the settings the streaming thread uses for one frame (object lock). */
static void
snapshot_settings (GstVkcnnClassify *self, VkcnnRegionSettings *out)
{
  GST_OBJECT_LOCK (self);
  *out = self->region_settings;
  out->object_class = NULL;
  out->stream_id = NULL;
  if (self->region_settings.classes) {
    guint n = 0;
    while (self->region_settings.classes[n])
      n++;
    out->classes = g_memdup2 (self->region_settings.classes, (n + 1) * sizeof (GQuark));
  }
  GST_OBJECT_UNLOCK (self);
}

gboolean
gst_vkcnn_classify_regions_enabled (GstVkcnnClassify *self)
{
  GST_OBJECT_LOCK (self);
  gboolean enabled = self->region_settings.mode == VKCNN_INFERENCE_REGION_ROI_LIST;
  GST_OBJECT_UNLOCK (self);
  return enabled;
}

/* Which regions are classified and which reuse a tracked result, decided as the frame comes in
 * (so the same with any number of frames in flight): an object whose last classification (in
 * flight or out) is less than reclassify-interval frames back reuses it. */
static GArray *
collect_candidates (GstVkcnnClassify *self, GstBuffer *buffer, const VkcnnRegionSettings *settings,
                    guint64 number)
{
  GArray *candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  GHashTable *tracked = self->region_state->tracked;
  guint interval = settings->reclassify_interval;
  gpointer iter = NULL;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    Candidate c = { (GstVideoRegionOfInterestMeta *) meta };
    if (!select_region (c.roi, &self->info, settings, &c.rect))
      continue;
    c.object_id = tracking_id (c.roi);
    c.computed = number;
    if (c.object_id >= 0 && interval != 1) {
      Tracked *t = g_hash_table_lookup (tracked, GINT_TO_POINTER (c.object_id));
      if (t && (interval == 0 || number - t->frame < interval)) {
        c.reuse = TRUE;
        c.computed = t->frame;
      } else {
        if (!t) {
          t = g_new0 (Tracked, 1);
          g_hash_table_insert (tracked, GINT_TO_POINTER (c.object_id), t);
        }
        t->frame = number;
      }
      t->seen = number;
    }
    g_array_append_val (candidates, c);
  }
  return candidates;
}

gboolean
gst_vkcnn_classify_regions_full (GstVkcnnClassify *self)
{
  VkcnnRegionState *state = self->region_state;
  return state && state->pass && vkcnn_region_pass_full (state->pass);
}

gboolean
gst_vkcnn_classify_regions_submit (GstVkcnnClassify *self, VkcnnWaitingFrame *f, gchar **error)
{
  VkcnnRegionSettings settings;
  gint64 start = g_get_monotonic_time ();
  if (!ensure_state (self, error))
    return FALSE;
  snapshot_settings (self, &settings);
  VkcnnRegionState *state = self->region_state;

  VkcnnRegionFrame *r = g_new0 (VkcnnRegionFrame, 1);
  r->candidates = collect_candidates (self, f->buffer, &settings, f->number);
  r->output_scores = settings.output_scores;
  r->reclassify_interval = settings.reclassify_interval;
  r->start_us = start;
  forget_old (state, f->number, settings.reclassify_interval);
  g_free (settings.classes);
  f->regions = r;

  VkcnnRect *rects = g_new (VkcnnRect, MAX (r->candidates->len, 1));
  for (guint i = 0; i < r->candidates->len; i++) {
    Candidate *c = &g_array_index (r->candidates, Candidate, i);
    if (!c->reuse)
      rects[r->classified++] = c->rect;
  }
  if (r->classified > 0) {
    GstVideoFrame frame;
    if (!gst_video_frame_map (&frame, &self->info, f->buffer, GST_MAP_READ)) {
      *error = g_strdup ("could not map the video frame for reading");
      g_free (rects);
      return FALSE;
    }
    gboolean in_place;
    f->region_ticket
        = vkcnn_region_pass_submit (state->pass, &frame, rects, r->classified, &in_place, error);
    gst_video_frame_unmap (&frame); /* the memory itself stays with f->buffer until it leaves */
    if (!f->region_ticket) {
      g_free (rects);
      return FALSE;
    }
    self->classifying++;
    gst_vkcnn_classify_count_in_place (self, in_place);
  }
  g_free (rects);
  GST_OBJECT_LOCK (self);
  self->region_settings.forward_passes = forward_passes (state);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

gboolean
gst_vkcnn_classify_regions_finish (GstVkcnnClassify *self, VkcnnWaitingFrame *f, gchar **error)
{
  VkcnnRegionState *state = self->region_state;
  VkcnnRegionFrame *r = f->regions;
  guint classes = vkcnn_model_classes (self->model);
  const gchar *model = g_intern_string (vkcnn_model_name (self->model));
  gfloat *scores = g_new (gfloat, (gsize) MAX (r->classified, 1) * classes);
  if (f->region_ticket) {
    gboolean ok = vkcnn_region_pass_wait (state->pass, f->region_ticket, scores, error);
    f->region_ticket = 0;
    self->classifying--;
    if (!ok) {
      g_free (scores);
      return FALSE;
    }
  }
  guint64 inference_us = (guint64) (g_get_monotonic_time () - r->start_us);

  VkcnnResult *result = g_new0 (VkcnnResult, 1);
  result->valid = TRUE;
  result->frame = f->number;
  result->inference_us = inference_us;
  result->model = model;
  result->source = f->source;
  result->n_classes = r->output_scores ? classes : 0;
  result->n_regions = r->candidates->len;
  result->regions = g_new0 (VkcnnRegionClassification, MAX (r->candidates->len, 1));
  result->top = g_new0 (VkcnnClassification, 1);
  f->region_result = result;
  guint *ids = g_new (guint, MIN (f->top_k, classes));
  gboolean tracking = r->reclassify_interval != 1;
  for (guint i = 0, next = 0; i < r->candidates->len; i++) {
    Candidate *c = &g_array_index (r->candidates, Candidate, i);
    VkcnnRegionClassification *rc = &result->regions[i];
    Tracked *t = c->object_id >= 0 && tracking
                     ? g_hash_table_lookup (state->tracked, GINT_TO_POINTER (c->object_id))
                     : NULL;
    const gfloat *p;
    if (c->reuse) {
      /* Set when the frame it reuses left, which was before this one (see Tracked). */
      if (!t || !t->scores) {
        *error = g_strdup_printf ("frame %" G_GUINT64_FORMAT ": the result of tracked object %d "
                                  "from frame %" G_GUINT64_FORMAT " is missing",
                                  f->number, c->object_id, c->computed);
        g_free (ids);
        g_free (scores);
        return FALSE;
      }
      p = t->scores;
    } else {
      p = scores + (gsize) (next++) * classes;
      if (t) {
        g_free (t->scores);
        t->scores = g_memdup2 (p, classes * sizeof (gfloat));
      }
    }
    rc->roi_id = (guint) c->roi->id;
    rc->object_id = c->object_id;
    rc->roi_type = c->roi->roi_type ? g_quark_to_string (c->roi->roi_type) : NULL;
    rc->x = c->rect.x;
    rc->y = c->rect.y;
    rc->w = c->rect.width;
    rc->h = c->rect.height;
    rc->frame = c->computed;
    rc->n_top = vkcnn_top_k (p, classes, f->top_k, f->threshold, ids);
    rc->top = g_new0 (VkcnnClassification, MAX (rc->n_top, 1));
    for (guint k = 0; k < rc->n_top; k++)
      rc->top[k] = (VkcnnClassification){ ids[k], p[ids[k]], self->labels[ids[k]] };
    rc->scores = r->output_scores ? g_memdup2 (p, classes * sizeof (gfloat)) : NULL;
    /* The region's own meta carries its result, as a secondary classifier's would. */
    if (rc->n_top > 0)
      gst_video_region_of_interest_meta_add_param (
          c->roi, vkcnn_classification_param (rc->top, rc->n_top, model, rc->scores, classes));
  }
  GST_LOG_OBJECT (
      self, "frame %" G_GUINT64_FORMAT ": %u regions, %u classified in %" G_GUINT64_FORMAT " us",
      f->number, r->candidates->len, r->classified, inference_us);
  g_free (ids);
  g_free (scores);
  return TRUE;
}

void
gst_vkcnn_classify_regions_discard (GstVkcnnClassify *self)
{
  VkcnnRegionState *state = self->region_state;
  if (!state || !state->pass)
    return;
  vkcnn_region_pass_discard (state->pass);
  /* Classifications in flight are gone: objects waiting on them are classified afresh. */
  g_hash_table_remove_all (state->tracked);
}
