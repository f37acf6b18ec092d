/**
 * SECTION:element-vkcnnpublish
 * @title: vkcnnpublish
 *
 * Sends the result of every frame off the machine: for each buffer carrying a
 * #VkcnnClassificationMeta (placed anywhere after vkcnnclassify) it publishes one JSON object,
 * the same object vkcnnclassify's results-file writes per line (stream_id, pts, frame, time,
 * width, height, result_frame, inference_us, model, top). Buffers pass through untouched.
 *
 * #GstVkcnnPublish:method selects the transport: `mqtt` publishes to a broker
 * (#GstVkcnnPublish:address, topic `vkcnn/<stream-id>` unless #GstVkcnnPublish:topic is set);
 * `file` writes JSON lines, or one JSON array, to #GstVkcnnPublish:file-path (`-`: stdout).
 *
 * Publishing never blocks the pipeline: messages go through a bounded queue to a thread of
 * their own. When the broker is down the element reconnects with backoff while messages wait;
 * when #GstVkcnnPublish:max-queue are waiting, the OLDEST is dropped and counted. The counts
 * (#GstVkcnnPublish:summary) are posted as a "vkcnnpublish-summary" element message on EOS,
 * after waiting up to #GstVkcnnPublish:flush-timeout for the queue to empty.
 *
 * An unreachable broker, or one that refuses the credentials, is a warning on the bus (once per
 * outage) and the element keeps retrying, unless #GstVkcnnPublish:fail-if-unreachable is set.
 * Settings that can never work (an address that is not host:port, a password or TLS file that
 * cannot be read) fail the start with an error naming the property and the file.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! vkcnnclassify model=fmnist.vkcnn \
 *     ! vkcnnpublish address=broker.local:1883 topic=vkcnn/site-a/cam1 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvkcnnpublish.h"

#include <mosquitto.h>

GST_DEBUG_CATEGORY (gst_vkcnn_publish_debug);
#define GST_CAT_DEFAULT gst_vkcnn_publish_debug

enum {
  PROP_0,
  PROP_METHOD,
  PROP_FILE_PATH,
  PROP_FILE_FORMAT,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_RETAIN,
  PROP_KEEPALIVE,
  PROP_USERNAME,
  PROP_PASSWORD_FILE,
  PROP_CA_FILE,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_MAX_QUEUE,
  PROP_RECONNECT_DELAY_MAX,
  PROP_FAIL_IF_UNREACHABLE,
  PROP_FLUSH_TIMEOUT,
  PROP_SUMMARY,
};

#define DEFAULT_PROP_METHOD VKCNN_PUBLISH_METHOD_MQTT
#define DEFAULT_PROP_FILE_PATH "-"
#define DEFAULT_PROP_FILE_FORMAT VKCNN_PUBLISH_FORMAT_JSON_LINES
#define DEFAULT_PROP_ADDRESS "localhost:1883"
#define DEFAULT_PROP_TOPIC NULL
#define DEFAULT_PROP_CLIENT_ID NULL
#define DEFAULT_PROP_QOS 1
#define DEFAULT_PROP_RETAIN FALSE
#define DEFAULT_PROP_KEEPALIVE 60
#define DEFAULT_PROP_USERNAME NULL
#define DEFAULT_PROP_PASSWORD_FILE NULL
#define DEFAULT_PROP_CA_FILE NULL
#define DEFAULT_PROP_CERT_FILE NULL
#define DEFAULT_PROP_KEY_FILE NULL
#define DEFAULT_PROP_MAX_QUEUE 1000
#define DEFAULT_PROP_RECONNECT_DELAY_MAX 30
#define DEFAULT_PROP_FAIL_IF_UNREACHABLE FALSE
#define DEFAULT_PROP_FLUSH_TIMEOUT 2000

/* Any caps: the element only reads metadata, so it may sit after an encoder as well. */
static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

GType
gst_vkcnn_publish_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { VKCNN_PUBLISH_METHOD_FILE, "JSON to a file or stdout (file-path, file-format)", "file" },
    { VKCNN_PUBLISH_METHOD_MQTT, "MQTT broker (address, topic, qos, ...)", "mqtt" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVkcnnPublishMethod", values));
  return type;
}

GType
gst_vkcnn_publish_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { VKCNN_PUBLISH_FORMAT_JSON_LINES, "One JSON object per line", "json-lines" },
    { VKCNN_PUBLISH_FORMAT_JSON, "One JSON array for the whole run", "json" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstVkcnnPublishFormat", values));
  return type;
}

#define gst_vkcnn_publish_parent_class parent_class
G_DEFINE_TYPE (GstVkcnnPublish, gst_vkcnn_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (vkcnnpublish, "vkcnnpublish", GST_RANK_NONE, GST_TYPE_VKCNN_PUBLISH);

static void gst_vkcnn_publish_set_property (GObject *object, guint prop_id, const GValue *value,
                                            GParamSpec *pspec);
static void gst_vkcnn_publish_get_property (GObject *object, guint prop_id, GValue *value,
                                            GParamSpec *pspec);
static void gst_vkcnn_publish_finalize (GObject *object);
static gboolean gst_vkcnn_publish_sink_event (GstBaseTransform *trans, GstEvent *event);

static void
install_string (GObjectClass *gobject_class, guint id, const gchar *name, const gchar *nick,
                const gchar *blurb, const gchar *default_value)
{
  g_object_class_install_property (
      gobject_class, id,
      g_param_spec_string (name, nick, blurb, default_value,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
}

static void
gst_vkcnn_publish_class_init (GstVkcnnPublishClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_vkcnn_publish_set_property;
  gobject_class->get_property = gst_vkcnn_publish_get_property;
  gobject_class->finalize = gst_vkcnn_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_METHOD,
                                   g_param_spec_enum ("method", "Method", "Where the messages go",
                                                      GST_TYPE_VKCNN_PUBLISH_METHOD,
                                                      DEFAULT_PROP_METHOD, rw));
  install_string (gobject_class, PROP_FILE_PATH, "file-path", "File path",
                  "method=file: the file to write "
                  "(\"-\": stdout); truncated at start",
                  DEFAULT_PROP_FILE_PATH);
  g_object_class_install_property (
      gobject_class, PROP_FILE_FORMAT,
      g_param_spec_enum ("file-format", "File format",
                         "method=file: JSON lines (flushed per message), or "
                         "one JSON array closed when the element stops",
                         GST_TYPE_VKCNN_PUBLISH_FORMAT, DEFAULT_PROP_FILE_FORMAT, rw));
  install_string (gobject_class, PROP_ADDRESS, "address", "Address",
                  "method=mqtt: the broker as host:port "
                  "([v6 address]:port for IPv6)",
                  DEFAULT_PROP_ADDRESS);
  install_string (gobject_class, PROP_TOPIC, "topic", "Topic",
                  "method=mqtt: the topic every message goes to "
                  "(empty: vkcnn/<stream-id>, the stream-start event's id with + and # replaced)",
                  DEFAULT_PROP_TOPIC);
  install_string (gobject_class, PROP_CLIENT_ID, "client-id", "Client id",
                  "method=mqtt: the MQTT client id "
                  "(empty: one the library makes up)",
                  DEFAULT_PROP_CLIENT_ID);
  g_object_class_install_property (
      gobject_class, PROP_QOS,
      g_param_spec_int ("qos", "QoS",
                        "method=mqtt: MQTT quality of service (0: at most once, 1: at least "
                        "once, 2: exactly once)",
                        0, 2, DEFAULT_PROP_QOS, rw));
  g_object_class_install_property (
      gobject_class, PROP_RETAIN,
      g_param_spec_boolean ("retain", "Retain",
                            "method=mqtt: the broker keeps the last message of the topic "
                            "for subscribers that come later",
                            DEFAULT_PROP_RETAIN, rw));
  g_object_class_install_property (
      gobject_class, PROP_KEEPALIVE,
      g_param_spec_uint ("keepalive", "Keepalive",
                         "method=mqtt: seconds between pings on an idle connection", 5, 65535,
                         DEFAULT_PROP_KEEPALIVE, rw));
  install_string (gobject_class, PROP_USERNAME, "username", "Username",
                  "method=mqtt: user name for the "
                  "broker (empty: anonymous)",
                  DEFAULT_PROP_USERNAME);
  install_string (gobject_class, PROP_PASSWORD_FILE, "password-file", "Password file",
                  "method=mqtt: file "
                  "whose first line is the password for username (kept off the command line)",
                  DEFAULT_PROP_PASSWORD_FILE);
  install_string (gobject_class, PROP_CA_FILE, "ca-file", "CA file",
                  "method=mqtt: PEM file of the CA that "
                  "signed the broker's certificate; set, the connection uses TLS",
                  DEFAULT_PROP_CA_FILE);
  install_string (gobject_class, PROP_CERT_FILE, "cert-file", "Certificate file",
                  "method=mqtt: PEM client "
                  "certificate, for brokers that require one (with key-file and ca-file)",
                  DEFAULT_PROP_CERT_FILE);
  install_string (gobject_class, PROP_KEY_FILE, "key-file", "Key file",
                  "method=mqtt: PEM private key of "
                  "cert-file (unencrypted)",
                  DEFAULT_PROP_KEY_FILE);
  g_object_class_install_property (
      gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Max queue",
                         "Messages that may wait to be sent; past that the oldest "
                         "is dropped and counted",
                         1, 1000000, DEFAULT_PROP_MAX_QUEUE, rw));
  g_object_class_install_property (
      gobject_class, PROP_RECONNECT_DELAY_MAX,
      g_param_spec_uint (
          "reconnect-delay-max", "Reconnect delay max",
          "method=mqtt: seconds; after a failure "
          "the delay before the next attempt starts at 0.25 s and doubles up to this",
          1, 3600, DEFAULT_PROP_RECONNECT_DELAY_MAX, rw));
  g_object_class_install_property (
      gobject_class, PROP_FAIL_IF_UNREACHABLE,
      g_param_spec_boolean (
          "fail-if-unreachable", "Fail if unreachable",
          "method=mqtt: fail the start with an "
          "error when the broker cannot be reached within 5 s (default: a warning, and retries)",
          DEFAULT_PROP_FAIL_IF_UNREACHABLE, rw));
  g_object_class_install_property (
      gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint ("flush-timeout", "Flush timeout",
                         "Milliseconds EOS waits for the queued messages to "
                         "go out before it passes on (0: no wait)",
                         0, 600000, DEFAULT_PROP_FLUSH_TIMEOUT, rw));
  g_object_class_install_property (
      gobject_class, PROP_SUMMARY,
      g_param_spec_boxed (
          "summary", "Summary",
          "vkcnnpublish-summary: sent, queued, in-flight, dropped "
          "(guint64 / guint), reconnects, connected; live while running, as at the last stop after",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "vkcnn result publisher", "Filter/Metadata",
                                         "Sends the classification of every frame as JSON to an "
                                         "MQTT broker or a file, without blocking the stream",
                                         "The vkcnn authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_vkcnn_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_vkcnn_publish_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_vkcnn_publish_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_vkcnn_publish_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_vkcnn_publish_sink_event);
  trans_class->transform_ip_on_passthrough = TRUE;

  /* Once per process, before any client exists (it is not thread-safe). */
  mosquitto_lib_init ();
  GST_DEBUG_CATEGORY_INIT (gst_vkcnn_publish_debug, "vkcnnpublish", 0, "vkcnn result publisher");
}

static void
gst_vkcnn_publish_init (GstVkcnnPublish *self)
{
  self->method = DEFAULT_PROP_METHOD;
  self->file_path = g_strdup (DEFAULT_PROP_FILE_PATH);
  self->file_format = DEFAULT_PROP_FILE_FORMAT;
  self->address = g_strdup (DEFAULT_PROP_ADDRESS);
  self->qos = DEFAULT_PROP_QOS;
  self->retain = DEFAULT_PROP_RETAIN;
  self->keepalive = DEFAULT_PROP_KEEPALIVE;
  self->max_queue = DEFAULT_PROP_MAX_QUEUE;
  self->reconnect_delay_max = DEFAULT_PROP_RECONNECT_DELAY_MAX;
  self->fail_if_unreachable = DEFAULT_PROP_FAIL_IF_UNREACHABLE;
  self->flush_timeout = DEFAULT_PROP_FLUSH_TIMEOUT;
  /* Buffers go through as they are; transform_ip only reads their meta. */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_vkcnn_publish_finalize (GObject *object)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (object);
  g_free (self->file_path);
  g_free (self->address);
  g_free (self->topic);
  g_free (self->client_id);
  g_free (self->username);
  g_free (self->password_file);
  g_free (self->ca_file);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->running_topic);
  g_free (self->default_topic);
  g_free (self->stream_id);
  if (self->last_summary)
    gst_structure_free (self->last_summary);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static gboolean
gst_vkcnn_publish_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  gst_vkcnn_publish_handle_event (GST_VKCNN_PUBLISH (trans), event);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* The string property behind prop_id, or NULL for the others. */
static gchar **
string_property (GstVkcnnPublish *self, guint prop_id)
{
  switch (prop_id) {
    case PROP_FILE_PATH:
      return &self->file_path;
    case PROP_ADDRESS:
      return &self->address;
    case PROP_TOPIC:
      return &self->topic;
    case PROP_CLIENT_ID:
      return &self->client_id;
    case PROP_USERNAME:
      return &self->username;
    case PROP_PASSWORD_FILE:
      return &self->password_file;
    case PROP_CA_FILE:
      return &self->ca_file;
    case PROP_CERT_FILE:
      return &self->cert_file;
    case PROP_KEY_FILE:
      return &self->key_file;
    default:
      return NULL;
  }
}

static void
gst_vkcnn_publish_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (object);
  gchar **string;

  GST_OBJECT_LOCK (self);
  if ((string = string_property (self, prop_id))) {
    g_free (*string);
    /* An empty string means "unset", as it does on a gst-launch line. */
    const gchar *s = g_value_get_string (value);
    *string = s && *s ? g_strdup (s) : NULL;
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      break;
    case PROP_FILE_FORMAT:
      self->file_format = g_value_get_enum (value);
      break;
    case PROP_QOS:
      self->qos = g_value_get_int (value);
      break;
    case PROP_RETAIN:
      self->retain = g_value_get_boolean (value);
      break;
    case PROP_KEEPALIVE:
      self->keepalive = g_value_get_uint (value);
      break;
    case PROP_MAX_QUEUE:
      self->max_queue = g_value_get_uint (value);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      self->reconnect_delay_max = g_value_get_uint (value);
      break;
    case PROP_FAIL_IF_UNREACHABLE:
      self->fail_if_unreachable = g_value_get_boolean (value);
      break;
    case PROP_FLUSH_TIMEOUT:
      self->flush_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vkcnn_publish_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstVkcnnPublish *self = GST_VKCNN_PUBLISH (object);
  gchar **string;

  GST_OBJECT_LOCK (self);
  if ((string = string_property (self, prop_id))) {
    g_value_set_string (value, *string);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_FILE_FORMAT:
      g_value_set_enum (value, self->file_format);
      break;
    case PROP_QOS:
      g_value_set_int (value, self->qos);
      break;
    case PROP_RETAIN:
      g_value_set_boolean (value, self->retain);
      break;
    case PROP_KEEPALIVE:
      g_value_set_uint (value, self->keepalive);
      break;
    case PROP_MAX_QUEUE:
      g_value_set_uint (value, self->max_queue);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      g_value_set_uint (value, self->reconnect_delay_max);
      break;
    case PROP_FAIL_IF_UNREACHABLE:
      g_value_set_boolean (value, self->fail_if_unreachable);
      break;
    case PROP_FLUSH_TIMEOUT:
      g_value_set_uint (value, self->flush_timeout);
      break;
    case PROP_SUMMARY:
      g_value_take_boxed (value, gst_vkcnn_publish_summary_locked (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
