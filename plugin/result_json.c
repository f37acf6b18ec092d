/* One result as a JSON object: the results-file line and the published message. */
#include "result_json.h"

#include <time.h>

static void
append_string (GString *out, const gchar *s)
{
  if (!s) {
    g_string_append (out, "null");
    return;
  }
  g_string_append_c (out, '"');
  for (const guchar *c = (const guchar *) s; *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_printf (out, "\\%c", *c);
    else if (*c < 0x20)
      g_string_append_printf (out, "\\u%04x", *c);
    else
      g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
}

static void
append_size (GString *out, const gchar *key, gint value)
{
  if (value > 0)
    g_string_append_printf (out, ",\"%s\":%d", key, value);
  else
    g_string_append_printf (out, ",\"%s\":null", key);
}

/* ISO 8601 in UTC with milliseconds, the form every JSON consumer parses. */
static void
append_time (GString *out, gint64 time_us)
{
  time_t seconds = (time_t) (time_us / G_USEC_PER_SEC);
  struct tm utc;
  gchar text[32];
  if (!gmtime_r (&seconds, &utc) || !strftime (text, sizeof (text), "%Y-%m-%dT%H:%M:%S", &utc)) {
    g_string_append (out, ",\"time\":null");
    return;
  }
  g_string_append_printf (out, ",\"time\":\"%s.%03dZ\"", text,
                          (gint) (time_us % G_USEC_PER_SEC / 1000));
}

/* Locale-independent, and enough digits to round-trip a float. */
static void
append_float (GString *out, gfloat value)
{
  gchar number[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (number, sizeof (number), "%.9g", value));
}

static void
append_top (GString *out, const VkcnnClassification *top, guint n_top)
{
  g_string_append (out, ",\"top\":[");
  for (guint i = 0; i < n_top; i++) {
    g_string_append_printf (out, "%s{\"id\":%u,\"label\":", i ? "," : "", top[i].class_id);
    append_string (out, top[i].label);
    g_string_append (out, ",\"score\":");
    append_float (out, top[i].score);
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, ']');
}

static void
append_scores (GString *out, const gfloat *scores, guint n)
{
  if (!scores)
    return;
  g_string_append (out, ",\"class_scores\":[");
  for (guint i = 0; i < n; i++) {
    if (i)
      g_string_append_c (out, ',');
    append_float (out, scores[i]);
  }
  g_string_append_c (out, ']');
}

static void
append_regions (GString *out, const VkcnnResult *result)
{
  g_string_append (out, ",\"regions\":[");
  for (guint i = 0; i < result->n_regions; i++) {
    const VkcnnRegionClassification *r = &result->regions[i];
    g_string_append_printf (out, "%s{\"roi_id\":%u,\"object_id\":", i ? "," : "", r->roi_id);
    if (r->object_id >= 0)
      g_string_append_printf (out, "%d", r->object_id);
    else
      g_string_append (out, "null");
    g_string_append (out, ",\"roi_type\":");
    append_string (out, r->roi_type);
    g_string_append_printf (
        out, ",\"x\":%u,\"y\":%u,\"w\":%u,\"h\":%u,\"result_frame\":%" G_GUINT64_FORMAT, r->x, r->y,
        r->w, r->h, r->frame);
    append_top (out, r->top, r->n_top);
    append_scores (out, r->scores, result->n_classes);
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, ']');
}

void
vkcnn_result_append_json (GString *out, const VkcnnResult *result, const VkcnnFrameInfo *frame)
{
  g_string_append (out, "{\"stream_id\":");
  append_string (out, frame->stream_id);
  g_string_append (out, ",\"source\":");
  append_string (out, result->source);
  if (GST_CLOCK_TIME_IS_VALID (frame->pts))
    g_string_append_printf (out, ",\"pts\":%" G_GUINT64_FORMAT, frame->pts);
  else
    g_string_append (out, ",\"pts\":null");
  g_string_append_printf (out, ",\"frame\":%" G_GUINT64_FORMAT, frame->frame);
  append_time (out, frame->time_us);
  append_size (out, "width", frame->width);
  append_size (out, "height", frame->height);
  g_string_append_printf (out,
                          ",\"result_frame\":%" G_GUINT64_FORMAT
                          ",\"inference_us\":%" G_GUINT64_FORMAT ",\"model\":",
                          result->frame, result->inference_us);
  append_string (out, result->model);
  append_top (out, result->top, result->n_top);
  append_scores (out, result->scores, result->n_classes);
  append_regions (out, result);
  g_string_append_c (out, '}');
}

gboolean
vkcnn_result_write_json (const VkcnnResult *result, const VkcnnFrameInfo *frame, FILE *file)
{
  GString *line = g_string_sized_new (256);
  vkcnn_result_append_json (line, result, frame);
  g_string_append_c (line, '\n');
  gboolean ok = fwrite (line->str, 1, line->len, file) == line->len;
  g_string_free (line, TRUE);
  return ok && fflush (file) == 0 && !ferror (file);
}

void
vkcnn_result_from_meta (VkcnnResult *view, const VkcnnClassificationMeta *meta)
{
  view->valid = TRUE;
  view->frame = meta->frame;
  view->inference_us = meta->inference_us;
  view->model = meta->model;
  view->n_top = meta->n_top;
  view->top = meta->top;
  view->source = meta->source;
  view->n_regions = meta->n_regions;
  view->regions = meta->regions;
  view->n_classes = meta->n_classes;
  view->scores = meta->scores;
}
