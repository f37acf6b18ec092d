/* File transport of vkcnnpublish: even a file can block (a full pipe on stdout, a stalled
 * network mount), so it is written from its own thread like the broker is. */
#include "publish_file.h"

#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_vkcnn_publish_debug);
#define GST_CAT_DEFAULT gst_vkcnn_publish_debug

struct _VkcnnFileWriter {
  gchar *path;
  FILE *file;
  gboolean json_array;
  guint64 written;
  gboolean failed; /* after a write error, messages are dropped (one error posted) */
  VkcnnPublishQueue *queue;
  GstElement *owner;
  GThread *thread;
};

static gboolean
write_message (VkcnnFileWriter *w, const GString *payload)
{
  const gchar *before = !w->json_array ? "" : w->written ? ",\n" : "\n";
  gboolean ok = fputs (before, w->file) >= 0
                && fwrite (payload->str, 1, payload->len, w->file) == payload->len
                && (w->json_array || fputc ('\n', w->file) != EOF) && fflush (w->file) == 0;
  w->written += ok;
  return ok;
}

static gpointer
writer_thread (gpointer data)
{
  VkcnnFileWriter *w = data;
  VkcnnPublishMessage *message;
  while ((message = vkcnn_publish_queue_pop (w->queue))) {
    gboolean ok = !w->failed && write_message (w, message->payload);
    vkcnn_publish_queue_settle (w->queue, ok);
    vkcnn_publish_message_free (message);
    if (!ok && !w->failed) {
      w->failed = TRUE;
      GST_ELEMENT_ERROR (w->owner, RESOURCE, WRITE,
                         ("Could not write to %s (file-path): %s", w->path, g_strerror (errno)),
                         (NULL));
    }
  }
  return NULL;
}

VkcnnFileWriter *
vkcnn_file_writer_start (const gchar *path, gboolean json_array, VkcnnPublishQueue *queue,
                         GstElement *owner, gchar **error)
{
  gboolean to_stdout = g_strcmp0 (path, "-") == 0;
  FILE *file = to_stdout ? stdout : g_fopen (path, "w");
  if (!file) {
    *error = g_strdup_printf ("Could not open %s (file-path) for writing: %s", path,
                              g_strerror (errno));
    return NULL;
  }
  VkcnnFileWriter *w = g_new0 (VkcnnFileWriter, 1);
  w->path = g_strdup (to_stdout ? "stdout" : path);
  w->file = file;
  w->json_array = json_array;
  w->queue = queue;
  w->owner = owner;
  if (json_array)
    fputc ('[', file);
  vkcnn_publish_queue_set_open (queue, TRUE);
  w->thread = g_thread_new ("vkcnn-publish-file", writer_thread, w);
  return w;
}

void
vkcnn_file_writer_stop (VkcnnFileWriter *w)
{
  if (!w)
    return;
  g_thread_join (w->thread);
  if (w->json_array && !w->failed)
    fputs ("\n]\n", w->file);
  if (w->file == stdout)
    fflush (stdout);
  else if (fclose (w->file) != 0)
    GST_WARNING_OBJECT (w->owner, "closing %s: %s", w->path, g_strerror (errno));
  GST_DEBUG_OBJECT (w->owner, "%" G_GUINT64_FORMAT " messages written to %s", w->written, w->path);
  g_free (w->path);
  g_free (w);
}
