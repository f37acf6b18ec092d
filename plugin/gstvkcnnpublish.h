/* vkcnnpublish: sends the result of every frame (VkcnnClassificationMeta) as a JSON message to
 * an MQTT broker or a file, off the streaming thread. */
#ifndef GST_VKCNN_PUBLISH_H
#define GST_VKCNN_PUBLISH_H

#include <gst/base/gstbasetransform.h>

#include "publish_file.h"
#include "publish_mqtt.h"
#include "publish_queue.h"

G_BEGIN_DECLS

#define GST_TYPE_VKCNN_PUBLISH (gst_vkcnn_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstVkcnnPublish, gst_vkcnn_publish, GST, VKCNN_PUBLISH, GstBaseTransform)

typedef enum {
  VKCNN_PUBLISH_METHOD_FILE,
  VKCNN_PUBLISH_METHOD_MQTT,
} VkcnnPublishMethod;

typedef enum {
  VKCNN_PUBLISH_FORMAT_JSON_LINES,
  VKCNN_PUBLISH_FORMAT_JSON,
} VkcnnPublishFormat;

#define GST_TYPE_VKCNN_PUBLISH_METHOD (gst_vkcnn_publish_method_get_type ())
GType gst_vkcnn_publish_method_get_type (void);
#define GST_TYPE_VKCNN_PUBLISH_FORMAT (gst_vkcnn_publish_format_get_type ())
GType gst_vkcnn_publish_format_get_type (void);

struct _GstVkcnnPublish {
  GstBaseTransform parent;

  /* Properties; read and written under the object lock, used from the next start. */
  VkcnnPublishMethod method;
  gchar *file_path;
  VkcnnPublishFormat file_format;
  gchar *address;
  gchar *topic;
  gchar *client_id;
  gint qos;
  gboolean retain;
  guint keepalive;
  gchar *username;
  gchar *password_file;
  gchar *ca_file, *cert_file, *key_file;
  guint max_queue;
  guint reconnect_delay_max;
  gboolean fail_if_unreachable;
  guint flush_timeout; /* ms */

  /* Between start and stop. The pointers are set and cleared under the object lock (the summary
   * property reads through them); the rest belongs to the streaming thread. */
  VkcnnPublishMethod running_method;
  VkcnnPublishQueue *queue;
  VkcnnMqtt *mqtt;
  VkcnnFileWriter *writer;
  GstStructure *last_summary; /* the counts when the element last stopped */
  gchar *running_topic;       /* the topic property at start, or NULL */
  gchar *default_topic;       /* vkcnn/<stream-id> */
  gchar *stream_id;
  gint width, height;
  guint64 frames; /* buffers seen since start */
};

GST_ELEMENT_REGISTER_DECLARE (vkcnnpublish);

/* The streaming side (gstvkcnnpublish_stream.c). */
GST_DEBUG_CATEGORY_EXTERN (gst_vkcnn_publish_debug);
gboolean gst_vkcnn_publish_start (GstBaseTransform *trans);
gboolean gst_vkcnn_publish_stop (GstBaseTransform *trans);
gboolean gst_vkcnn_publish_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps);
GstFlowReturn gst_vkcnn_publish_transform_ip (GstBaseTransform *trans, GstBuffer *buf);
/* Handles stream-start (the default topic) and EOS (drain, post the summary); the caller chains up.
 */
void gst_vkcnn_publish_handle_event (GstVkcnnPublish *self, GstEvent *event);
/* sent, queued, in-flight, dropped, reconnects, connected: now, or as at the last stop. Object lock
 * held. */
GstStructure *gst_vkcnn_publish_summary_locked (GstVkcnnPublish *self);

G_END_DECLS

#endif /* GST_VKCNN_PUBLISH_H */
