/* vkcnnpublish's file transport: a thread that writes queued messages to a file or stdout, as
 * JSON lines or as one JSON array for the whole run. */
#ifndef VKCNN_PUBLISH_FILE_H
#define VKCNN_PUBLISH_FILE_H

#include <gst/gst.h>

#include "publish_queue.h"

G_BEGIN_DECLS

typedef struct _VkcnnFileWriter VkcnnFileWriter;

/* Opens path ("-": stdout) and starts the writing thread; NULL with *error naming the file. */
VkcnnFileWriter *vkcnn_file_writer_start (const gchar *path, gboolean json_array,
                                          VkcnnPublishQueue *queue, GstElement *owner,
                                          gchar **error);

/* Joins the thread (the queue must be shut down first), ends the array, closes the file. */
void vkcnn_file_writer_stop (VkcnnFileWriter *writer);

G_END_DECLS

#endif /* VKCNN_PUBLISH_FILE_H */
