/* vkcnnclassify's streaming side: start/stop, caps, and the per-frame work. Property handling
 * and the element's documentation are in gstvkcnnclassify.c. */
#include "gstvkcnnclassify.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#define GST_CAT_DEFAULT gst_vkcnn_classify_debug

/* Far above any real label list (ImageNet's 1000 labels take 30 KB). */
#define MAX_LABELS_BYTES (4 << 20)

gchar **
gst_vkcnn_classify_read_labels (const gchar * path, gchar ** error)
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
        : g_strdup_printf ("labels file %s is larger than %d MiB", path, MAX_LABELS_BYTES >> 20);
    g_free (text);
    return NULL;
  }
  text[size] = '\0';
  const gchar *bad = NULL;
  if (!g_utf8_validate (text, size, &bad)) {
    guint line = 1;
    for (const gchar * c = text; c < bad; c++)
      line += *c == '\n';
    *error = g_strdup_printf ("labels file %s is not UTF-8 text (line %u, byte %" G_GSIZE_FORMAT ")", path,
        line, (gsize) (bad - text));
    g_free (text);
    return NULL;
  }
  g_strchomp (text);            /* a final newline ends the last label, it does not start a new one */
  gchar **lines = g_strsplit (text, "\n", -1);
  for (gchar ** l = lines; *l; l++)
    g_strchomp (*l);            /* CRLF files */
  g_free (text);
  return lines;
}

/* One interned label per class of the current model: the labels file's, else the model's,
 * else "class <id>". FALSE (with *error, and the model's labels in place) when the labels file
 * has another number of lines than the model has classes. */
static gboolean
resolve_labels (GstVkcnnClassify * self, gchar ** error)
{
  guint classes = vkcnn_model_classes (self->model);
  GST_OBJECT_LOCK (self);
  guint lines = self->label_override ? g_strv_length (self->label_override) : 0;
  gboolean use_file = self->label_override && lines == classes;
  if (self->label_override && !use_file)
    *error = g_strdup_printf ("labels file %s has %u labels, model %s has %u classes", self->labels_path,
        lines, vkcnn_model_name (self->model), classes);
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
free_pass (GstVkcnnClassify * self)
{
  guint64 runs;
  gdouble copy, submit, gpu_pre, gpu_fwd;
  if (!self->pass)
    return;
  vkcnn_pass_timing (self->pass, &runs, &copy, &submit, &gpu_pre, &gpu_fwd);
  GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " frames classified; mean per frame: frame copy %.1f us, "
      "GPU submit+wait %.1f us (with VKCNN_PROFILE=1: GPU preprocess %.1f us, forward %.1f us)", runs, copy,
      submit, gpu_pre, gpu_fwd);
  vkcnn_pass_free (self->pass);
  self->pass = NULL;
}

/* Makes `model` the one in use: the result history starts over, and the pass is rebuilt for
 * the negotiated caps. The new pass is built before anything of the current model is released,
 * so a model that does not fit the stream (its input against the caps) fails here with the
 * element still on the current one; `model` is freed then. Labels are resolved by the caller. */
static gboolean
adopt_model (GstVkcnnClassify * self, VkcnnModel * model, gchar ** error)
{
  VkcnnPass *pass = NULL;
  if (self->have_info && !(pass = vkcnn_pass_new (model, &self->info, error))) {
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
  GST_INFO_OBJECT (self, "using model %s (%u classes)", vkcnn_model_name (model), classes);
  return TRUE;
}

gboolean
gst_vkcnn_classify_start (GstBaseTransform * trans)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL, **lines = NULL;
  VkcnnDevice *device = NULL;
  VkcnnModel *model = NULL;
  FILE *results = NULL;

  GST_OBJECT_LOCK (self);
  gchar *model_path = g_strdup (self->model_path), *labels_path = g_strdup (self->labels_path);
  gchar *device_name = g_strdup (self->device_name), *results_path = g_strdup (self->results_path);
  GST_OBJECT_UNLOCK (self);

  if (!model_path || !*model_path) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No model: set the \"model\" property to a .vkcnn file"),
        (NULL));
    goto failed;
  }
  if (!(device = vkcnn_device_open (device_name, &error))) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("%s", error), ("opening Vulkan device \"%s\"",
            device_name ? device_name : ""));
    goto failed;
  }
  if (!(model = vkcnn_model_load (device, model_path, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error), ("loading model %s", model_path));
    goto failed;
  }
  if (labels_path && !(lines = gst_vkcnn_classify_read_labels (labels_path, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error), (NULL));
    goto failed;
  }
  if (results_path && *results_path && !(results = fopen (results_path, "w"))) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Could not open results file %s: %s", results_path,
            g_strerror (errno)), (NULL));
    goto failed;
  }
  GST_INFO_OBJECT (self, "running on %s", vkcnn_device_name (device));

  GST_OBJECT_LOCK (self);
  self->device = device;
  self->session++;
  g_strfreev (self->label_override);
  self->label_override = lines;
  self->labels_changed = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->results_file = results;
  self->frames = 0;
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
  return FALSE;
}

gboolean
gst_vkcnn_classify_stop (GstBaseTransform * trans)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);

  free_pass (self);
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
  g_clear_pointer (&self->label_override, g_strfreev);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

gboolean
gst_vkcnn_classify_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL;
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Could not parse the input caps"), (NULL));
    return FALSE;
  }
  free_pass (self);
  self->info = info;
  self->have_info = TRUE;
  if (self->model && !(self->pass = vkcnn_pass_new (self->model, &info, &error))) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", error), (NULL));
    g_free (error);
    return FALSE;
  }
  return TRUE;
}

/* Runs the model on this frame and updates the moving average and the result. */
static gboolean
classify (GstVkcnnClassify * self, GstBuffer * buf, guint64 number, guint top_k, gfloat threshold,
    gfloat smoothing, gchar ** error)
{
  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ)) {
    *error = g_strdup ("could not map the video frame for reading");
    return FALSE;
  }
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = vkcnn_pass_run (self->pass, &frame, self->scores, error);
  guint64 us = (guint64) (g_get_monotonic_time () - t0);
  gst_video_frame_unmap (&frame);
  if (!ok)
    return FALSE;

  /* The average is kept even with smoothing 0 (where it equals the scores), so turning
   * smoothing on mid-stream continues from the current scores. */
  guint classes = vkcnn_model_classes (self->model);
  for (guint i = 0; i < classes; i++)
    self->smoothed[i] = self->result.valid ? smoothing * self->smoothed[i] + (1.0f - smoothing) * self->scores[i]
        : self->scores[i];
  vkcnn_result_set (&self->result, self->smoothed, classes, self->labels, top_k, threshold, number, us,
      g_intern_string (vkcnn_model_name (self->model)));
  return TRUE;
}

static void
post_result (GstVkcnnClassify * self, GstBuffer * buf)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf), stream_time = GST_CLOCK_TIME_NONE, running_time = GST_CLOCK_TIME_NONE;
  if (segment->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts)) {
    stream_time = gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts);
    running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts);
  }
  gst_element_post_message (GST_ELEMENT (self),
      vkcnn_result_message (&self->result, GST_OBJECT (self), pts, stream_time, running_time));
}

GstFlowReturn
gst_vkcnn_classify_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gchar *error = NULL;

  GST_OBJECT_LOCK (self);
  VkcnnModel *incoming = self->pending;
  self->pending = NULL;
  gboolean relabel = self->labels_changed;
  self->labels_changed = FALSE;
  guint top_k = self->top_k, interval = self->interval;
  gfloat threshold = self->threshold, smoothing = (gfloat) self->smoothing;
  gboolean post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  gchar *incoming_path = incoming ? g_strdup (vkcnn_model_path (incoming)) : NULL;
  if (incoming && !adopt_model (self, incoming, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Model %s does not fit the stream: %s", incoming_path,
            error), ("keeping model %s", vkcnn_model_path (self->model)));
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
  if (!self->pass)
    goto not_negotiated;

  guint64 number = self->frames++;
  if (!self->result.valid || number - self->result.frame >= interval) {
    if (!classify (self, buf, number, top_k, threshold, smoothing, &error))
      goto engine_failed;
    if (post)
      post_result (self, buf);
  }
  vkcnn_result_attach (&self->result, buf, &self->info);
  if (self->results_file) {
    VkcnnFrameInfo frame = { self->stream_id, GST_BUFFER_PTS (buf), number, g_get_real_time (),
      GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info) };
    if (!vkcnn_result_write_json (&self->result, &frame, self->results_file))
      goto write_failed;
  }
  return GST_FLOW_OK;

  /* ERRORS */
engine_failed:
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("%s", error), (NULL));
  g_free (error);
  return GST_FLOW_ERROR;
not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("No caps were negotiated before the first buffer"), (NULL));
  return GST_FLOW_NOT_NEGOTIATED;
write_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write to the results file: %s", g_strerror (errno)),
      (NULL));
  return GST_FLOW_ERROR;
}
