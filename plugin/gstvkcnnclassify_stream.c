/* vkcnnclassify's streaming side: start/stop, caps, and the per-frame work with frames in
 * flight (submitted in generate_output, finished oldest first). Property handling, events,
 * queries and the element's documentation are in gstvkcnnclassify.c. */
#include "gstvkcnnclassify.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#define GST_CAT_DEFAULT gst_vkcnn_classify_debug

/* Far above any real label list (ImageNet's 1000 labels take 30 KB). */
#define MAX_LABELS_BYTES (4 << 20)

gchar **
gst_vkcnn_classify_read_labels (const gchar *path, gchar **error)
{
  /* Bounded and checked before anything is split: labels=/dev/zero must not read until memory
   * runs out, and labels go into JSON lines, messages and metas, which must be valid UTF-8. */
  FILE *file = g_fopen (path, "rb");
  if (!file) {
    *error = g_strdup_printf ("labels file %s: %s", path, g_strerror (errno));
    return NULL;
  }
  GStatBuf st;
  if (fstat (fileno (file), &st) != 0 || !S_ISREG (st.st_mode)) {
    *error = g_strdup_printf ("labels file %s is not a regular file", path);
    fclose (file);
    return NULL;
  }
  gchar *text = g_malloc (MAX_LABELS_BYTES + 1);
  gsize size = fread (text, 1, MAX_LABELS_BYTES + 1, file);
  gboolean failed = ferror (file);
  fclose (file);
  if (failed || size > MAX_LABELS_BYTES) {
    *error = failed ? g_strdup_printf ("labels file %s: read error", path)
                    : g_strdup_printf ("labels file %s is larger than %d MiB", path,
                                       MAX_LABELS_BYTES >> 20);
    g_free (text);
    return NULL;
  }
  text[size] = '\0';
  const gchar *bad = NULL;
  if (!g_utf8_validate (text, size, &bad)) {
    guint line = 1;
    for (const gchar *c = text; c < bad; c++)
      line += *c == '\n';
    *error
        = g_strdup_printf ("labels file %s is not UTF-8 text (line %u, byte %" G_GSIZE_FORMAT ")",
                           path, line, (gsize) (bad - text));
    g_free (text);
    return NULL;
  }
  g_strchomp (text); /* a final newline ends the last label, it does not start a new one */
  gchar **lines = g_strsplit (text, "\n", -1);
  for (gchar **l = lines; *l; l++)
    g_strchomp (*l); /* CRLF files */
  g_free (text);
  return lines;
}

/* One interned label per class of the current model: the labels file's, else the model's,
 * else "class <id>". FALSE (with *error, and the model's labels in place) when the labels file
 * has another number of lines than the model has classes. */
static gboolean
resolve_labels (GstVkcnnClassify *self, gchar **error)
{
  guint classes = vkcnn_model_classes (self->model);
  GST_OBJECT_LOCK (self);
  guint lines = self->label_override ? g_strv_length (self->label_override) : 0;
  gboolean use_file = self->label_override && lines == classes;
  if (self->label_override && !use_file)
    *error = g_strdup_printf ("labels file %s has %u labels, model %s has %u classes",
                              self->labels_path, lines, vkcnn_model_name (self->model), classes);
  g_free (self->labels);
  self->labels = g_new (const gchar *, classes);
  for (guint i = 0; i < classes; i++) {
    const gchar *label = use_file ? self->label_override[i] : vkcnn_model_label (self->model, i);
    gchar *generated = label ? NULL : g_strdup_printf ("class %u", i);
    self->labels[i] = g_intern_string (label ? label : generated);
    g_free (generated);
  }
  gboolean ok = !self->label_override || use_file;
  GST_OBJECT_UNLOCK (self);
  return ok;
}

static void
free_pass (GstVkcnnClassify *self)
{
  guint64 runs;
  gdouble copy, submit, gpu_pre, gpu_fwd;
  gst_vkcnn_classify_discard (self); /* frames in flight hold slots of both passes */
  gst_vkcnn_classify_regions_reset (self); /* its pass is made for this model and these caps */
  if (!self->pass)
    return;
  guint64 copied, in_place;
  vkcnn_pass_timing (self->pass, &runs, &copy, &submit, &gpu_pre, &gpu_fwd);
  vkcnn_pass_frame_counts (self->pass, &copied, &in_place);
  GST_INFO_OBJECT (
      self,
      "%" G_GUINT64_FORMAT " frames classified (%" G_GUINT64_FORMAT " copied, %" G_GUINT64_FORMAT
      " read in place); mean per copied frame: frame copy %.1f us; per frame: GPU submit+wait "
      "%.1f us (with VKCNN_PROFILE=1: GPU preprocess %.1f us, forward %.1f us)",
      runs, copied, in_place, copied ? copy * runs / copied : 0.0, submit, gpu_pre, gpu_fwd);
  vkcnn_pass_free (self->pass);
  self->pass = NULL;
}

/* Makes `model` the one in use: the result history starts over, and the pass is rebuilt for
 * the negotiated caps. The new pass is built before anything of the current model is released,
 * so a model that does not fit the stream (its input against the caps) fails here with the
 * element still on the current one; `model` is freed then. Labels are resolved by the caller. */
static gboolean
adopt_model (GstVkcnnClassify *self, VkcnnModel *model, gchar **error)
{
  VkcnnPass *pass = NULL;
  GST_OBJECT_LOCK (self);
  guint slots = self->max_in_flight;
  GST_OBJECT_UNLOCK (self);
  if (self->have_info && !(pass = vkcnn_pass_new (model, &self->info, slots, error))) {
    vkcnn_model_free (model);
    return FALSE;
  }
  free_pass (self);
  vkcnn_model_free (self->model);
  self->model = model;
  self->pass = pass;
  guint classes = vkcnn_model_classes (model);
  self->scores = g_renew (gfloat, self->scores, classes);
  self->smoothed = g_renew (gfloat, self->smoothed, classes);
  vkcnn_result_clear (&self->result);
  self->classified_any = FALSE;
  GST_INFO_OBJECT (self, "using model %s (%u classes)", vkcnn_model_name (model), classes);
  return TRUE;
}

gboolean
gst_vkcnn_classify_start (GstBaseTransform *trans)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL, **lines = NULL;
  VkcnnDevice *device = NULL;
  VkcnnModel *model = NULL;
  FILE *results = NULL;

  GST_OBJECT_LOCK (self);
  gchar *model_path = g_strdup (self->model_path), *labels_path = g_strdup (self->labels_path);
  gchar *device_name = g_strdup (self->device_name), *results_path = g_strdup (self->results_path);
  gchar *shared_id = self->instance_id && *self->instance_id ? g_strdup (self->instance_id) : NULL;
  guint batch_size = self->batch_size, batch_timeout = self->batch_timeout;
  const gchar *precision = gst_vkcnn_precision_name (self->precision);
  GST_OBJECT_UNLOCK (self);

  if (!model_path || !*model_path) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
                       ("No model: set the \"model\" property to a .vkcnn file"), (NULL));
    goto failed;
  }
  if (shared_id) {
    /* The instance's device and model (made by the first of its elements to start). */
    if (!(model = vkcnn_model_acquire_shared (shared_id, device_name, model_path, batch_size,
                                              batch_timeout, precision, &error))
        || !(device = vkcnn_model_device (model, &error))) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error),
                         ("model-instance-id \"%s\", model %s", shared_id, model_path));
      goto failed;
    }
  } else if (!(device = vkcnn_device_open (device_name, &error))) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("%s", error),
                       ("opening Vulkan device \"%s\"", device_name ? device_name : ""));
    goto failed;
  }
  if (!model && !(model = vkcnn_model_load (device, model_path, precision, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error), ("loading model %s", model_path));
    goto failed;
  }
  if (labels_path && !(lines = gst_vkcnn_classify_read_labels (labels_path, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error), (NULL));
    goto failed;
  }
  if (results_path && *results_path && !(results = fopen (results_path, "w"))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
                       ("Could not open results file %s: %s", results_path, g_strerror (errno)),
                       (NULL));
    goto failed;
  }
  GST_INFO_OBJECT (self, "running on %s at %s", vkcnn_device_name (device),
                   vkcnn_model_precision (model));

  GST_OBJECT_LOCK (self);
  self->device = device;
  self->shared_id = shared_id;
  shared_id = NULL;
  self->session++;
  self->in_place_frames = 0;
  g_strfreev (self->label_override);
  self->label_override = lines;
  self->labels_changed = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->results_file = results;
  self->frames = 0;
  self->classified_any = FALSE;
  self->have_info = FALSE;
  if (!adopt_model (self, model, &error) || !resolve_labels (self, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error), (NULL));
    gst_vkcnn_classify_stop (trans);
    model = NULL;
    device = NULL;
    lines = NULL;
    results = NULL;
    goto failed;
  }
  g_free (model_path);
  g_free (labels_path);
  g_free (device_name);
  g_free (results_path);
  g_free (shared_id);
  return TRUE;

  /* ERRORS */
failed:
  g_free (error);
  vkcnn_model_free (model);
  vkcnn_device_free (device);
  g_strfreev (lines);
  if (results)
    fclose (results);
  g_free (model_path);
  g_free (labels_path);
  g_free (device_name);
  g_free (results_path);
  g_free (shared_id);
  return FALSE;
}

gboolean
gst_vkcnn_classify_stop (GstBaseTransform *trans)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  guint64 batches, frames;
  guint largest;

  free_pass (self);
  if (self->shared_id && vkcnn_instance_statistics (self->shared_id, &batches, &frames, &largest)
      && batches)
    GST_INFO_OBJECT (self,
                     "model-instance-id %s so far: %" G_GUINT64_FORMAT
                     " batches, %" G_GUINT64_FORMAT " frames, mean batch size %.2f, largest %u",
                     self->shared_id, batches, frames, (gdouble) frames / batches, largest);
  gst_vkcnn_classify_regions_free (self);
  vkcnn_model_free (self->model);
  self->model = NULL;
  g_clear_pointer (&self->labels, g_free);
  g_clear_pointer (&self->scores, g_free);
  g_clear_pointer (&self->smoothed, g_free);
  vkcnn_result_clear (&self->result);
  if (self->results_file)
    fclose (self->results_file);
  self->results_file = NULL;
  self->have_info = FALSE;

  GST_OBJECT_LOCK (self);
  vkcnn_model_free (self->pending);
  self->pending = NULL;
  vkcnn_device_free (self->device);
  self->device = NULL;
  g_clear_pointer (&self->shared_id, g_free);
  g_clear_pointer (&self->label_override, g_strfreev);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

gboolean
gst_vkcnn_classify_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL;
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Could not parse the input caps"), (NULL));
    return FALSE;
  }
  /* A renegotiation with the same caps keeps the pass and the frames in flight in it. */
  if (self->pass && self->have_info && gst_video_info_is_equal (&info, &self->info))
    return TRUE;
  if (gst_vkcnn_classify_drain (self) != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "frames of the previous caps were not all pushed");
  free_pass (self);
  self->info = info;
  self->have_info = TRUE;
  GST_OBJECT_LOCK (self);
  self->frame_duration = GST_VIDEO_INFO_FPS_N (&info) > 0 ? gst_util_uint64_scale_int (
                             GST_SECOND, GST_VIDEO_INFO_FPS_D (&info), GST_VIDEO_INFO_FPS_N (&info))
                                                          : GST_CLOCK_TIME_NONE;
  guint slots = self->max_in_flight;
  GST_OBJECT_UNLOCK (self);
  if (self->model && !(self->pass = vkcnn_pass_new (self->model, &info, slots, &error))) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", error), (NULL));
    g_free (error);
    return FALSE;
  }
  return TRUE;
}

static void
post_result (GstVkcnnClassify *self, GstBuffer *buf, const VkcnnResult *result)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf), stream_time = GST_CLOCK_TIME_NONE,
               running_time = GST_CLOCK_TIME_NONE;
  if (segment->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts)) {
    stream_time = gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts);
    running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts);
  }
  gst_element_post_message (
      GST_ELEMENT (self),
      vkcnn_result_message (result, GST_OBJECT (self), pts, stream_time, running_time));
}

/* The frame's result is in: updates the moving average and the result (classified frames),
 * then attaches it, posts it and writes its JSON line. */
static GstFlowReturn
finish (GstVkcnnClassify *self, VkcnnWaitingFrame *f)
{
  gchar *error = NULL;
  /* roi-list frames have results of their own; the others share the last result. */
  if (f->regions && !gst_vkcnn_classify_regions_finish (self, f, &error))
    goto engine_failed;
  const VkcnnResult *result = f->region_result ? f->region_result : &self->result;
  if (f->region_result && f->post)
    post_result (self, f->buffer, result);
  if (f->ticket) {
    gboolean ok = vkcnn_pass_wait (self->pass, f->ticket, self->scores, &error);
    self->classifying--;
    if (!ok)
      goto engine_failed;
    /* The average is kept even with smoothing 0 (where it equals the scores), so turning
     * smoothing on mid-stream continues from the current scores. */
    guint classes = vkcnn_model_classes (self->model);
    for (guint i = 0; i < classes; i++)
      self->smoothed[i] = self->result.valid ? f->smoothing * self->smoothed[i]
                                                   + (1.0f - f->smoothing) * self->scores[i]
                                             : self->scores[i];
    vkcnn_result_set (&self->result, self->smoothed, classes, self->labels, f->top_k, f->threshold,
                      f->number, (guint64) (g_get_monotonic_time () - f->submitted_us),
                      g_intern_string (vkcnn_model_name (self->model)));
    self->result.source = f->source;
    vkcnn_result_set_scores (&self->result, f->output_scores ? self->smoothed : NULL, classes);
    if (f->post)
      post_result (self, f->buffer, result);
  }
  vkcnn_result_attach (result, f->buffer, &self->info);
  if (self->results_file) {
    VkcnnFrameInfo frame = {
      self->stream_id,    GST_BUFFER_PTS (f->buffer),         f->number,
      g_get_real_time (), GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info)
    };
    if (!vkcnn_result_write_json (result, &frame, self->results_file))
      goto write_failed;
  }
  return GST_FLOW_OK;

  /* ERRORS */
engine_failed:
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("%s", error), (NULL));
  g_free (error);
  return GST_FLOW_ERROR;
write_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
                     ("Could not write to the results file: %s", g_strerror (errno)), (NULL));
  return GST_FLOW_ERROR;
}

/* The frame's own parts (its buffer has been handed over or unreffed). */
static void
free_waiting_frame (VkcnnWaitingFrame *f)
{
  if (f->region_result)
    vkcnn_result_clear (f->region_result);
  g_free (f->region_result);
  vkcnn_region_frame_free (f->regions);
  g_free (f);
}

/* Takes the oldest frame out, finishes it and hands its buffer over in *out (NULL on error). */
static GstFlowReturn
finish_oldest (GstVkcnnClassify *self, GstBuffer **out)
{
  VkcnnWaitingFrame *f = g_queue_pop_head (&self->waiting);
  GstFlowReturn ret = finish (self, f);
  *out = ret == GST_FLOW_OK ? f->buffer : NULL;
  if (ret != GST_FLOW_OK)
    gst_buffer_unref (f->buffer);
  free_waiting_frame (f);
  return ret;
}

GstFlowReturn
gst_vkcnn_classify_drain (GstVkcnnClassify *self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *out;
  while (!g_queue_is_empty (&self->waiting)) {
    GstFlowReturn r = finish_oldest (self, &out);
    /* After an error the rest still gets its result, but only the first failure is returned. */
    if (r == GST_FLOW_OK)
      r = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
    if (ret == GST_FLOW_OK)
      ret = r;
  }
  return ret;
}

void
gst_vkcnn_classify_discard (GstVkcnnClassify *self)
{
  VkcnnWaitingFrame *f;
  if (self->pass)
    vkcnn_pass_discard (self->pass); /* nothing is freed while the GPU still reads it */
  gst_vkcnn_classify_regions_discard (self);
  while ((f = g_queue_pop_head (&self->waiting))) {
    gst_buffer_unref (f->buffer);
    free_waiting_frame (f);
  }
  self->classifying = 0;
  /* The next classification is due by the last result that came out, not by a dropped frame. */
  self->classified_any = self->result.valid;
  self->classified_frame = self->result.frame;
}

void
gst_vkcnn_classify_count_in_place (GstVkcnnClassify *self, gboolean in_place)
{
  if (!in_place)
    return;
  GST_OBJECT_LOCK (self);
  self->in_place_frames++;
  GST_OBJECT_UNLOCK (self);
}

/* Submits the frame (read in place or copied to a free slot). */
static gboolean
submit (GstVkcnnClassify *self, VkcnnWaitingFrame *f, gchar **error)
{
  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &self->info, f->buffer, GST_MAP_READ)) {
    *error = g_strdup ("could not map the video frame for reading");
    return FALSE;
  }
  f->submitted_us = g_get_monotonic_time ();
  gboolean in_place;
  f->ticket = vkcnn_pass_submit (self->pass, &frame, &in_place, error);
  gst_video_frame_unmap (&frame); /* the memory itself stays with f->buffer until it leaves */
  if (!f->ticket)
    return FALSE;
  self->classifying++;
  gst_vkcnn_classify_count_in_place (self, in_place);
  return TRUE;
}

/* Swaps in a model or labels set from another thread. The frames inside the element were
 * submitted with the current ones, so the caller finishes them first. */
static void
apply_pending_changes (GstVkcnnClassify *self)
{
  gchar *error = NULL;
  GST_OBJECT_LOCK (self);
  VkcnnModel *incoming = self->pending;
  self->pending = NULL;
  gboolean relabel = self->labels_changed;
  self->labels_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  gchar *incoming_path = incoming ? g_strdup (vkcnn_model_path (incoming)) : NULL;
  if (incoming && !adopt_model (self, incoming, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
                         ("Model %s does not fit the stream: %s", incoming_path, error),
                         ("keeping model %s", vkcnn_model_path (self->model)));
    g_clear_pointer (&error, g_free);
    incoming = NULL;
    /* The "model" property names the model in use again, unless a newer one is on its way. */
    GST_OBJECT_LOCK (self);
    if (!self->pending) {
      g_free (self->model_path);
      self->model_path = g_strdup (vkcnn_model_path (self->model));
    }
    GST_OBJECT_UNLOCK (self);
  }
  g_free (incoming_path);
  if ((incoming || relabel) && !resolve_labels (self, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s", error), ("using the model's labels"));
    g_clear_pointer (&error, g_free);
  }
}

/* finish_oldest before the queued input buffer is taken: an error drops that input too. */
static GstFlowReturn
finish_oldest_before_input (GstVkcnnClassify *self, GstBuffer **out)
{
  GstFlowReturn ret = finish_oldest (self, out);
  if (ret != GST_FLOW_OK)
    gst_buffer_replace (&GST_BASE_TRANSFORM (self)->queued_buf, NULL);
  return ret;
}

/* Called by GstBaseTransform after each input buffer (queued_buf), and again for as long as it
 * hands out a buffer. The input is submitted to the GPU; a buffer comes out when it is the
 * oldest and either needs no GPU result or max-in-flight frames are on the GPU, so that
 * max-in-flight - 1 stay there between buffers (1: each frame is finished before its chain
 * call returns, as without frames in flight). */
GstFlowReturn
gst_vkcnn_classify_generate_output (GstBaseTransform *trans, GstBuffer **outbuf)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL;
  *outbuf = NULL;

  if (trans->queued_buf) {
    /* Another element of a shared instance reloaded the model: this one follows. */
    VkcnnModel *newer = vkcnn_model_take_newer (self->model);
    GST_OBJECT_LOCK (self);
    if (newer && !self->pending) {
      self->pending = newer;
      g_free (self->model_path);
      self->model_path = g_strdup (vkcnn_model_path (newer));
    } else {
      vkcnn_model_free (newer); /* a model set on this element itself comes in anyway */
    }
    gboolean changes = self->pending || self->labels_changed;
    guint interval = self->interval;
    GST_OBJECT_UNLOCK (self);
    if (changes && !g_queue_is_empty (&self->waiting))
      return finish_oldest_before_input (self, outbuf);
    if (changes)
      apply_pending_changes (self);
    if (!self->pass)
      goto not_negotiated;
    guint64 number = self->frames;
    gboolean regions = gst_vkcnn_classify_regions_enabled (self);
    gboolean classify
        = !regions && (!self->classified_any || number - self->classified_frame >= interval);
    if ((classify && vkcnn_pass_full (self->pass))
        || (regions && gst_vkcnn_classify_regions_full (self)))
      return finish_oldest_before_input (self, outbuf);

    VkcnnWaitingFrame *f = g_new0 (VkcnnWaitingFrame, 1);
    f->buffer
        = gst_buffer_make_writable (trans->queued_buf); /* metas are attached when it leaves */
    trans->queued_buf = NULL;
    f->number = self->frames++;
    GST_OBJECT_LOCK (self);
    f->top_k = self->top_k;
    f->threshold = self->threshold;
    f->smoothing = (gfloat) self->smoothing;
    f->post = self->post_messages;
    f->output_scores = self->region_settings.output_scores;
    GST_OBJECT_UNLOCK (self);
    f->source = gst_vkcnn_classify_source_name (self);
    if ((classify && !submit (self, f, &error))
        || (regions && !gst_vkcnn_classify_regions_submit (self, f, &error))) {
      gst_buffer_unref (f->buffer);
      free_waiting_frame (f);
      goto engine_failed;
    }
    if (classify) {
      self->classified_any = TRUE;
      self->classified_frame = number;
    }
    g_queue_push_tail (&self->waiting, f);
  }

  VkcnnWaitingFrame *oldest = g_queue_peek_head (&self->waiting);
  if (oldest && (!(oldest->ticket || oldest->region_ticket)
                 || self->classifying >= vkcnn_pass_slots (self->pass)))
    return finish_oldest (self, outbuf);
  return GST_FLOW_OK;

  /* ERRORS */
engine_failed:
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("%s", error), (NULL));
  g_free (error);
  return GST_FLOW_ERROR;
not_negotiated:
  gst_buffer_replace (&trans->queued_buf, NULL);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("No caps were negotiated before the first buffer"),
                     (NULL));
  return GST_FLOW_NOT_NEGOTIATED;
}
