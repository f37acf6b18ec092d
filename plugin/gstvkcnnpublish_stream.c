/* vkcnnpublish's streaming side: checking the settings at start, starting and stopping the
 * transport, and turning each buffer's meta into a queued message. Properties and the element's
 * documentation are in gstvkcnnpublish.c. */
#include "gstvkcnnpublish.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <mosquitto.h>

#include "result_json.h"

#define GST_CAT_DEFAULT gst_vkcnn_publish_debug

/* How long fail-if-unreachable=true waits for the first connection. */
#define CONNECT_WAIT_US (5 * G_USEC_PER_SEC)
/* A password is one short line; anything bigger is not the file that was meant. */
#define MAX_PASSWORD_FILE_BYTES 4096

/* "host:port" or "[v6]:port" -> host, port in 1..65535. */
static gboolean
parse_address (const gchar *address, gchar **host, guint *port)
{
  const gchar *colon;
  guint64 number;
  if (!address)
    return FALSE;
  if (address[0] == '[') {
    const gchar *close = strchr (address, ']');
    if (!close || close[1] != ':' || close == address + 1)
      return FALSE;
    *host = g_strndup (address + 1, close - address - 1);
    colon = close + 1;
  } else {
    colon = strrchr (address, ':');
    if (!colon || colon == address || memchr (address, ':', colon - address))
      return FALSE;
    *host = g_strndup (address, colon - address);
  }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &number, NULL)) {
    g_clear_pointer (host, g_free);
    return FALSE;
  }
  *port = (guint) number;
  return TRUE;
}

/* The first line of a password file; NULL with *error naming the file. Bounded, and only
 * regular files: password-file=/dev/zero must not read until memory runs out. */
static gchar *
read_password (const gchar *path, gchar **error)
{
  GStatBuf st;
  gchar *text = NULL;
  gsize size;
  GError *err = NULL;
  if (g_stat (path, &st) != 0) {
    *error = g_strdup_printf ("Could not read password-file %s: %s", path, g_strerror (errno));
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_PASSWORD_FILE_BYTES) {
    *error = g_strdup_printf ("password-file %s is not a regular file of at most %d bytes", path,
                              MAX_PASSWORD_FILE_BYTES);
    return NULL;
  }
  if (!g_file_get_contents (path, &text, &size, &err)) {
    *error = g_strdup_printf ("Could not read password-file %s: %s", path, err->message);
    g_error_free (err);
    return NULL;
  }
  text[strcspn (text, "\r\n")] = '\0';
  return text;
}

/* Every TLS file that is set must be readable now, or the start fails naming it. */
static gboolean
check_readable (const gchar *property, const gchar *path, gchar **error)
{
  FILE *file;
  if (!path)
    return TRUE;
  if (!(file = g_fopen (path, "rb"))) {
    *error = g_strdup_printf ("Could not read %s %s: %s", property, path, g_strerror (errno));
    return FALSE;
  }
  fclose (file);
  return TRUE;
}

/* The MQTT settings from the properties (object lock held); FALSE with *error naming the
 * property (and file) that can never work. */
static gboolean
mqtt_settings (GstVkcnnPublish *self, VkcnnMqttSettings *s, gchar **error)
{
  memset (s, 0, sizeof (*s));
  if (!parse_address (self->address, &s->host, &s->port)) {
    *error = g_strdup_printf (
        "Invalid address \"%s\" (property address): expected host:port with a port "
        "in 1-65535",
        self->address ? self->address : "");
    return FALSE;
  }
  if (self->topic && mosquitto_pub_topic_check (self->topic) != MOSQ_ERR_SUCCESS) {
    *error = g_strdup_printf (
        "Invalid topic \"%s\" (property topic): an MQTT topic to publish to has no + "
        "or # wildcards",
        self->topic);
    return FALSE;
  }
  if (self->password_file && !self->username) {
    *error = g_strdup_printf ("password-file %s is set but username is not", self->password_file);
    return FALSE;
  }
  if (self->password_file && !(s->password = read_password (self->password_file, error)))
    return FALSE;
  if ((self->cert_file || self->key_file)
      && !(self->cert_file && self->key_file && self->ca_file)) {
    *error = g_strdup ("cert-file and key-file go together, and need ca-file (TLS)");
    return FALSE;
  }
  if (!check_readable ("ca-file", self->ca_file, error)
      || !check_readable ("cert-file", self->cert_file, error)
      || !check_readable ("key-file", self->key_file, error))
    return FALSE;
  s->client_id = g_strdup (self->client_id);
  s->qos = self->qos;
  s->retain = self->retain;
  s->keepalive = self->keepalive;
  s->reconnect_delay_max = self->reconnect_delay_max;
  s->username = g_strdup (self->username);
  s->ca_file = g_strdup (self->ca_file);
  s->cert_file = g_strdup (self->cert_file);
  s->key_file = g_strdup (self->key_file);
  s->quiet_first_failure = self->fail_if_unreachable;
  return TRUE;
}

static gboolean
start_mqtt (GstVkcnnPublish *self, VkcnnPublishQueue *queue, gboolean fail_if_unreachable)
{
  VkcnnMqttSettings settings;
  gchar *error = NULL;
  VkcnnMqtt *mqtt = NULL;

  GST_OBJECT_LOCK (self);
  gboolean valid = mqtt_settings (self, &settings, &error);
  GST_OBJECT_UNLOCK (self);
  if (!valid)
    goto bad_settings;
  if (!(mqtt = vkcnn_mqtt_start (&settings, queue, GST_ELEMENT (self), &error)))
    goto no_client;
  if (fail_if_unreachable
      && !vkcnn_mqtt_wait_connected (mqtt, g_get_monotonic_time () + CONNECT_WAIT_US, &error))
    goto unreachable;
  vkcnn_mqtt_settings_clear (&settings);
  GST_OBJECT_LOCK (self);
  self->mqtt = mqtt;
  GST_OBJECT_UNLOCK (self);
  return TRUE;

  /* ERRORS */
bad_settings:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error), (NULL));
  goto failed;
no_client:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error), (NULL));
  goto failed;
unreachable:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error), ("fail-if-unreachable is set"));
  vkcnn_publish_queue_shutdown (queue);
  vkcnn_mqtt_stop (mqtt);
  goto failed;
failed:
  g_free (error);
  vkcnn_mqtt_settings_clear (&settings);
  return FALSE;
}

gboolean
gst_vkcnn_publish_start (GstBaseTransform *trans)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (trans);
  gchar *error = NULL;

  GST_OBJECT_LOCK (self);
  VkcnnPublishMethod method = self->method;
  gchar *file_path = g_strdup (self->file_path ? self->file_path : "-");
  gboolean json_array = self->file_format == VKCNN_PUBLISH_FORMAT_JSON;
  guint max_queue = self->max_queue;
  gboolean fail_if_unreachable = self->fail_if_unreachable;
  g_free (self->running_topic);
  self->running_topic = g_strdup (self->topic);
  GST_OBJECT_UNLOCK (self);

  VkcnnPublishQueue *queue = vkcnn_publish_queue_new (
      max_queue, method == VKCNN_PUBLISH_METHOD_MQTT ? VKCNN_MQTT_MAX_IN_FLIGHT : 1);
  GST_OBJECT_LOCK (self);
  self->running_method = method;
  self->queue = queue;
  GST_OBJECT_UNLOCK (self);
  self->frames = 0;

  if (method == VKCNN_PUBLISH_METHOD_FILE) {
    VkcnnFileWriter *writer
        = vkcnn_file_writer_start (file_path, json_array, queue, GST_ELEMENT (self), &error);
    if (!writer)
      goto file_failed;
    GST_OBJECT_LOCK (self);
    self->writer = writer;
    GST_OBJECT_UNLOCK (self);
  } else if (!start_mqtt (self, queue, fail_if_unreachable)) {
    goto failed;
  }
  g_free (file_path);
  return TRUE;

  /* ERRORS */
file_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error), (NULL));
  g_free (error);
  goto failed;
failed:
  g_free (file_path);
  GST_OBJECT_LOCK (self);
  self->queue = NULL;
  GST_OBJECT_UNLOCK (self);
  vkcnn_publish_queue_free (queue);
  return FALSE;
}

/* Object lock held. */
static GstStructure *
summary_now (GstVkcnnPublish *self)
{
  VkcnnPublishCounts counts = vkcnn_publish_queue_counts (self->queue);
  gboolean connected = TRUE;
  guint reconnects = 0;
  if (self->mqtt)
    vkcnn_mqtt_state (self->mqtt, &connected, &reconnects);
  return gst_structure_new ("vkcnnpublish-summary", "method", G_TYPE_STRING,
                            self->running_method == VKCNN_PUBLISH_METHOD_MQTT ? "mqtt" : "file",
                            "sent", G_TYPE_UINT64, counts.sent, "queued", G_TYPE_UINT,
                            counts.queued, "in-flight", G_TYPE_UINT, counts.in_flight, "dropped",
                            G_TYPE_UINT64, counts.dropped, "reconnects", G_TYPE_UINT, reconnects,
                            "connected", G_TYPE_BOOLEAN, connected, NULL);
}

GstStructure *
gst_vkcnn_publish_summary_locked (GstVkcnnPublish *self)
{
  if (self->queue)
    return summary_now (self);
  if (self->last_summary)
    return gst_structure_copy (self->last_summary);
  return gst_structure_new ("vkcnnpublish-summary", "method", G_TYPE_STRING,
                            self->method == VKCNN_PUBLISH_METHOD_MQTT ? "mqtt" : "file", "sent",
                            G_TYPE_UINT64, (guint64) 0, "queued", G_TYPE_UINT, 0, "in-flight",
                            G_TYPE_UINT, 0, "dropped", G_TYPE_UINT64, (guint64) 0, "reconnects",
                            G_TYPE_UINT, 0, "connected", G_TYPE_BOOLEAN, FALSE, NULL);
}

gboolean
gst_vkcnn_publish_stop (GstBaseTransform *trans)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (trans);

  GST_OBJECT_LOCK (self);
  VkcnnPublishQueue *queue = self->queue;
  VkcnnMqtt *mqtt = self->mqtt;
  VkcnnFileWriter *writer = self->writer;
  GstStructure *summary = queue ? summary_now (self) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (!queue)
    return TRUE;

  /* Threads first, then the state they share; messages still queued are given up. */
  vkcnn_publish_queue_shutdown (queue);
  vkcnn_mqtt_stop (mqtt);
  vkcnn_file_writer_stop (writer);
  GST_INFO_OBJECT (self, "stopped: %" GST_PTR_FORMAT, summary);

  GST_OBJECT_LOCK (self);
  self->queue = NULL;
  self->mqtt = NULL;
  self->writer = NULL;
  if (self->last_summary)
    gst_structure_free (self->last_summary);
  self->last_summary = summary;
  GST_OBJECT_UNLOCK (self);
  vkcnn_publish_queue_free (queue);
  return TRUE;
}

gboolean
gst_vkcnn_publish_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (trans);
  GstStructure *s = gst_caps_get_structure (incaps, 0);
  /* Any caps pass; the size is reported when the caps have one. */
  if (!s || !gst_structure_get_int (s, "width", &self->width))
    self->width = 0;
  if (!s || !gst_structure_get_int (s, "height", &self->height))
    self->height = 0;
  return TRUE;
}

/* vkcnn/<stream-id>, with the characters a topic to publish to may not hold replaced. */
static gchar *
default_topic (const gchar *stream_id)
{
  gchar *id = g_utf8_make_valid (stream_id && *stream_id ? stream_id : "unknown", -1);
  g_strdelimit (id, "+#", '_');
  gchar *topic = g_strconcat ("vkcnn/", id, NULL);
  g_free (id);
  return topic;
}

void
gst_vkcnn_publish_handle_event (GstVkcnnPublish *self, GstEvent *event)
{
  const gchar *stream_id = NULL;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      gst_event_parse_stream_start (event, &stream_id);
      g_free (self->stream_id);
      self->stream_id = g_strdup (stream_id);
      g_free (self->default_topic);
      self->default_topic = default_topic (stream_id);
      break;
    case GST_EVENT_EOS: {
      /* The one place the stream waits, bounded: what was classified should leave before the
       * application tears the pipeline down on EOS. */
      GST_OBJECT_LOCK (self);
      guint timeout_ms = self->flush_timeout;
      GST_OBJECT_UNLOCK (self);
      if (self->queue && timeout_ms
          && !vkcnn_publish_queue_drain (self->queue,
                                         g_get_monotonic_time () + (gint64) timeout_ms * 1000))
        GST_WARNING_OBJECT (self, "EOS: messages still queued after flush-timeout %u ms",
                            timeout_ms);
      GST_OBJECT_LOCK (self);
      GstStructure *summary = gst_vkcnn_publish_summary_locked (self);
      GST_OBJECT_UNLOCK (self);
      gst_element_post_message (GST_ELEMENT (self),
                                gst_message_new_element (GST_OBJECT (self), summary));
      break;
    }
    default:
      break;
  }
}

GstFlowReturn
gst_vkcnn_publish_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (trans);
  guint64 number = self->frames++;
  VkcnnClassificationMeta *meta = gst_buffer_get_vkcnn_classification_meta (buf);
  VkcnnResult result;

  if (!meta || !self->queue)
    return GST_FLOW_OK;
  if (!self->default_topic)
    self->default_topic = default_topic (NULL);
  vkcnn_result_from_meta (&result, meta);
  VkcnnFrameInfo frame = { self->stream_id,    GST_BUFFER_PTS (buf), number,
                           g_get_real_time (), self->width,          self->height };
  VkcnnPublishMessage *message = g_new0 (VkcnnPublishMessage, 1);
  message->topic = g_strdup (self->running_topic ? self->running_topic : self->default_topic);
  message->payload = g_string_sized_new (256);
  vkcnn_result_append_json (message->payload, &result, &frame);
  vkcnn_publish_queue_push (self->queue, message);
  return GST_FLOW_OK;
}
