/* Reading vkcnnclassify's results in an application: a buffer probe on the sink's pad gets every
 * frame's VkcnnClassificationMeta. Needs only GStreamer and the vkcnn-meta.h header.
 *
 *   read_meta MODEL [FRAMES]        (classifies FRAMES frames of videotestsrc, default 10)
 *
 * Build:  cc read_meta.c -o read_meta $(pkg-config --cflags --libs gstreamer-1.0) -I<prefix>/include
 * (the build tree compiles it as tests/pipelines/vkcnn_read_meta_example). */
#include <stdlib.h>

#include <gst/gst.h>
#include <vkcnn/vkcnn-meta.h>

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  VkcnnClassificationMeta *meta = gst_buffer_get_vkcnn_classification_meta (buffer);
  if (!meta)
    return GST_PAD_PROBE_OK;
  /* meta->frame is the frame the result was computed on (older than this one with interval > 1). */
  g_print ("frame %" G_GUINT64_FORMAT " (%s, %.2f ms):", meta->frame, meta->model, meta->inference_us / 1000.0);
  for (guint i = 0; i < meta->n_top; i++)
    g_print ("  %s %.3f", meta->top[i].label, meta->top[i].score);
  g_print ("\n");
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s MODEL [FRAMES]\n", argv[0]);
    return 2;
  }
  int frames = argc > 2 ? atoi (argv[2]) : 10;

  gchar *description = g_strdup_printf ("videotestsrc num-buffers=%d ! video/x-raw,width=320,height=240 "
      "! videoconvert ! vkcnnclassify name=classify top-k=3 ! fakesink name=sink", frames);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  g_free (description);
  if (!pipeline) {
    g_printerr ("cannot build the pipeline: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  GstElement *classify = gst_bin_get_by_name (GST_BIN (pipeline), "classify");
  g_object_set (classify, "model", argv[1], NULL);
  gst_object_unref (classify);

  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  /* Run to the end of the stream, or to the first error (a bad model fails here, with its message). */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  int status = 0;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("error: %s\n", error->message);
    g_error_free (error);
    status = 1;
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return status;
}
