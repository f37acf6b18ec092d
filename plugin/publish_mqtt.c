/* MQTT transport of vkcnnpublish. libmosquitto's client is driven by our own network thread
 * (mosquitto_loop + mosquitto_reconnect_async) rather than mosquitto_loop_start: its reconnects
 * are then non-blocking and its backoff is a condition wait, so stopping never waits on a TCP
 * timeout, and we see every failure to count and report it.
 *
 * Delivery accounting: a message popped from the queue is in flight until libmosquitto calls
 * on_publish for its message id (QoS 0: written to the socket; 1: PUBACK; 2: PUBCOMP). QoS 1/2
 * messages survive a reconnect inside libmosquitto (it resends them); QoS 0 ones not yet
 * written are lost with the connection and counted as dropped. */
#include "publish_mqtt.h"

#include <errno.h>
#include <string.h>

#include <mosquitto.h>

GST_DEBUG_CATEGORY_EXTERN (gst_vkcnn_publish_debug);
#define GST_CAT_DEFAULT gst_vkcnn_publish_debug

#define FIRST_RECONNECT_DELAY_US (G_USEC_PER_SEC / 4)
#define LOOP_TIMEOUT_MS 100

struct _VkcnnMqtt {
  VkcnnMqttSettings settings;
  gchar *address; /* host:port, for messages */
  struct mosquitto *mosq;
  VkcnnPublishQueue *queue;
  GstElement *owner; /* borrowed: the element outlives us */
  GThread *network, *sender;

  GMutex lock; /* everything below */
  GCond changed;
  gboolean stopping;
  gboolean connected;
  guint generation; /* counts connections made, so a stale failure cannot close a new one */
  guint connections;
  gboolean outage_reported; /* one warning per outage, not one per retry */
  gboolean have_outcome;    /* the first attempt succeeded or failed */
  gchar *first_error;
  GHashTable *outstanding; /* message id -> QoS, published and not yet acknowledged */
  GHashTable *early;       /* ids acknowledged before mosquitto_publish returned them to us */
};

void
vkcnn_mqtt_settings_clear (VkcnnMqttSettings *s)
{
  g_free (s->host);
  g_free (s->client_id);
  g_free (s->username);
  if (s->password)
    memset (s->password, 0, strlen (s->password));
  g_free (s->password);
  g_free (s->ca_file);
  g_free (s->cert_file);
  g_free (s->key_file);
  memset (s, 0, sizeof (*s));
}

/* Called with the lock held: the first outcome for vkcnn_mqtt_wait_connected, and whether a
 * warning is due (the first failure of an outage). */
static gboolean
note_failure (VkcnnMqtt *m, const gchar *reason)
{
  if (!m->have_outcome) {
    m->have_outcome = TRUE;
    m->first_error = g_strdup (reason);
  }
  gboolean report = !m->outage_reported && !m->stopping;
  m->outage_reported = TRUE;
  g_cond_broadcast (&m->changed);
  return report;
}

static void
on_connect (struct mosquitto *mosq, void *data, int rc)
{
  VkcnnMqtt *m = data;
  gboolean report = FALSE;
  g_mutex_lock (&m->lock);
  if (rc == 0) {
    m->connected = TRUE;
    m->generation++;
    m->connections++;
    m->have_outcome = TRUE;
    m->outage_reported = FALSE;
    vkcnn_publish_queue_set_open (m->queue, TRUE);
    g_cond_broadcast (&m->changed);
  } else {
    gchar *reason
        = g_strdup_printf ("the broker refused the connection: %s", mosquitto_connack_string (rc));
    report = note_failure (m, reason);
    g_free (reason);
  }
  guint connections = m->connections;
  g_mutex_unlock (&m->lock);

  if (rc == 0) {
    GST_INFO_OBJECT (m->owner, "connected to MQTT broker %s (connection %u)", m->address,
                     connections);
  } else {
    GST_WARNING_OBJECT (m->owner, "MQTT broker %s refused the connection: %s", m->address,
                        mosquitto_connack_string (rc));
    if (report)
      GST_ELEMENT_WARNING (
          m->owner, RESOURCE, OPEN_WRITE,
          ("MQTT broker %s refused the connection: %s", m->address, mosquitto_connack_string (rc)),
          ("username %s; retrying", m->settings.username ? m->settings.username : "(none)"));
  }
}

static void
on_publish (struct mosquitto *mosq, void *data, int mid)
{
  VkcnnMqtt *m = data;
  g_mutex_lock (&m->lock);
  if (g_hash_table_remove (m->outstanding, GINT_TO_POINTER (mid)))
    vkcnn_publish_queue_settle (m->queue, TRUE);
  else
    g_hash_table_add (m->early, GINT_TO_POINTER (mid));
  g_mutex_unlock (&m->lock);
}

static gboolean
lost_if_qos0 (gpointer mid, gpointer qos, gpointer queue)
{
  if (GPOINTER_TO_INT (qos) != 0)
    return FALSE;
  vkcnn_publish_queue_settle (queue, FALSE);
  return TRUE;
}

/* The network thread saw the connection (or the attempt to make one) end with rc. */
static void
connection_ended (VkcnnMqtt *m, int rc, int error_number)
{
  gchar *reason
      = g_strdup (rc == MOSQ_ERR_ERRNO ? g_strerror (error_number) : mosquitto_strerror (rc));
  g_mutex_lock (&m->lock);
  gboolean was_connected = m->connected;
  m->connected = FALSE;
  vkcnn_publish_queue_set_open (m->queue, FALSE);
  g_hash_table_foreach_remove (m->outstanding, lost_if_qos0, m->queue);
  gboolean report = note_failure (m, reason);
  g_mutex_unlock (&m->lock);

  GST_WARNING_OBJECT (m->owner, "MQTT broker %s: %s (%s)", m->address,
                      was_connected ? "connection lost" : "cannot connect", reason);
  if (report && was_connected)
    GST_ELEMENT_WARNING (m->owner, RESOURCE, WRITE,
                         ("Lost the connection to MQTT broker %s: %s", m->address, reason),
                         ("reconnecting with backoff; messages wait in the queue (max-queue)"));
  else if (report)
    GST_ELEMENT_WARNING (m->owner, RESOURCE, OPEN_WRITE,
                         ("Cannot reach MQTT broker %s: %s", m->address, reason),
                         ("retrying with backoff; messages wait in the queue (max-queue)"));
  g_free (reason);
}

static gpointer
network_thread (gpointer data)
{
  VkcnnMqtt *m = data;
  gint64 delay = FIRST_RECONNECT_DELAY_US,
         max_delay = (gint64) m->settings.reconnect_delay_max * G_USEC_PER_SEC;
  guint generation = 0;

  g_mutex_lock (&m->lock);
  while (!m->stopping) {
    g_mutex_unlock (&m->lock);
    int rc = mosquitto_loop (m->mosq, LOOP_TIMEOUT_MS, 1);
    int error_number = errno;
    g_mutex_lock (&m->lock);
    if (m->generation
        != generation) { /* connected since the last failure: start the backoff over */
      generation = m->generation;
      delay = FIRST_RECONNECT_DELAY_US;
    }
    if (rc == MOSQ_ERR_SUCCESS || m->stopping)
      continue;
    g_mutex_unlock (&m->lock);
    connection_ended (m, rc, error_number);
    g_mutex_lock (&m->lock);

    gint64 until = g_get_monotonic_time () + delay;
    while (!m->stopping && g_cond_wait_until (&m->changed, &m->lock, until))
      ;
    delay = MIN (delay * 2, max_delay);
    if (m->stopping)
      break;
    g_mutex_unlock (&m->lock);
    GST_DEBUG_OBJECT (m->owner, "reconnecting to %s", m->address);
    rc = mosquitto_reconnect_async (m->mosq);
    if (rc != MOSQ_ERR_SUCCESS)
      GST_DEBUG_OBJECT (m->owner, "reconnect to %s: %s", m->address,
                        rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc));
    g_mutex_lock (&m->lock);
  }
  g_mutex_unlock (&m->lock);

  /* Let the DISCONNECT packet that stop queued go out (bounded: the broker may be gone). */
  for (int i = 0; i < 5 && mosquitto_loop (m->mosq, LOOP_TIMEOUT_MS / 5, 1) == MOSQ_ERR_SUCCESS;
       i++)
    ;
  return NULL;
}

static gpointer
sender_thread (gpointer data)
{
  VkcnnMqtt *m = data;
  VkcnnPublishMessage *message;
  while ((message = vkcnn_publish_queue_pop (m->queue))) {
    int mid = 0;
    g_mutex_lock (&m->lock);
    guint generation = m->generation;
    g_mutex_unlock (&m->lock);
    int rc = mosquitto_publish (m->mosq, &mid, message->topic, (int) message->payload->len,
                                message->payload->str, m->settings.qos, m->settings.retain);
    if (rc == MOSQ_ERR_SUCCESS) {
      g_mutex_lock (&m->lock);
      if (g_hash_table_remove (m->early, GINT_TO_POINTER (mid)))
        vkcnn_publish_queue_settle (m->queue, TRUE);
      else
        g_hash_table_insert (m->outstanding, GINT_TO_POINTER (mid),
                             GINT_TO_POINTER (m->settings.qos));
      g_mutex_unlock (&m->lock);
      vkcnn_publish_message_free (message);
    } else if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
      /* The connection went between pop and publish: the message waits for the next one. Close
       * the queue unless a new connection was made meanwhile, or this would spin. */
      vkcnn_publish_queue_unpop (m->queue, message);
      g_mutex_lock (&m->lock);
      if (m->generation == generation && m->connected) {
        m->connected = FALSE;
        vkcnn_publish_queue_set_open (m->queue, FALSE);
      }
      g_mutex_unlock (&m->lock);
    } else {
      GST_WARNING_OBJECT (m->owner, "dropping a message to topic %s: %s", message->topic,
                          mosquitto_strerror (rc));
      vkcnn_publish_queue_settle (m->queue, FALSE);
      vkcnn_publish_message_free (message);
    }
  }
  return NULL;
}

VkcnnMqtt *
vkcnn_mqtt_start (const VkcnnMqttSettings *s, VkcnnPublishQueue *queue, GstElement *owner,
                  gchar **error)
{
  VkcnnMqtt *m = g_new0 (VkcnnMqtt, 1);
  int rc;
  m->settings = *s;
  m->settings.host = g_strdup (s->host);
  m->settings.client_id = g_strdup (s->client_id);
  m->settings.username = g_strdup (s->username);
  m->settings.password = g_strdup (s->password);
  m->settings.ca_file = g_strdup (s->ca_file);
  m->settings.cert_file = g_strdup (s->cert_file);
  m->settings.key_file = g_strdup (s->key_file);
  m->address = strchr (s->host, ':') ? g_strdup_printf ("[%s]:%u", s->host, s->port)
                                     : g_strdup_printf ("%s:%u", s->host, s->port);
  m->queue = queue;
  m->owner = owner;
  g_mutex_init (&m->lock);
  g_cond_init (&m->changed);
  m->outstanding = g_hash_table_new (NULL, NULL);
  m->early = g_hash_table_new (NULL, NULL);
  m->outage_reported = s->quiet_first_failure;

  if (!(m->mosq = mosquitto_new (s->client_id, TRUE, m)))
    goto no_client;
  mosquitto_threaded_set (m->mosq, TRUE);
  mosquitto_int_option (m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set (m->mosq, on_connect);
  mosquitto_publish_callback_set (m->mosq, on_publish);
  if (s->username
      && (rc = mosquitto_username_pw_set (m->mosq, s->username, s->password)) != MOSQ_ERR_SUCCESS)
    goto credentials_rejected;
  if (s->ca_file
      && (rc = mosquitto_tls_set (m->mosq, s->ca_file, NULL, s->cert_file, s->key_file, NULL))
             != MOSQ_ERR_SUCCESS)
    goto tls_rejected;

  /* A failure here (connection refused, name not resolved) is the first outcome; the network
   * thread's loop sees no connection and retries with backoff. */
  rc = mosquitto_connect_async (m->mosq, s->host, (int) s->port, (int) s->keepalive);
  if (rc != MOSQ_ERR_SUCCESS)
    connection_ended (m, rc, errno);
  m->network = g_thread_new ("vkcnn-mqtt-net", network_thread, m);
  m->sender = g_thread_new ("vkcnn-mqtt-send", sender_thread, m);
  return m;

  /* ERRORS */
no_client:
  *error = g_strdup_printf ("could not create an MQTT client (client-id \"%s\"): %s",
                            s->client_id ? s->client_id : "", g_strerror (errno));
  vkcnn_mqtt_stop (m);
  return NULL;
credentials_rejected:
  *error = g_strdup_printf ("the MQTT client rejected the credentials (username \"%s\"): %s",
                            s->username, mosquitto_strerror (rc));
  vkcnn_mqtt_stop (m);
  return NULL;
tls_rejected:
  *error = g_strdup_printf (
      "the MQTT client rejected the TLS files (ca-file %s, cert-file %s, key-file %s): %s",
      s->ca_file, s->cert_file ? s->cert_file : "(none)", s->key_file ? s->key_file : "(none)",
      mosquitto_strerror (rc));
  vkcnn_mqtt_stop (m);
  return NULL;
}

gboolean
vkcnn_mqtt_wait_connected (VkcnnMqtt *m, gint64 end_time, gchar **error)
{
  g_mutex_lock (&m->lock);
  while (!m->have_outcome && g_cond_wait_until (&m->changed, &m->lock, end_time))
    ;
  gboolean connected = m->connected;
  if (!connected)
    *error = g_strdup_printf ("Cannot reach MQTT broker %s: %s", m->address,
                              m->first_error ? m->first_error : "no answer in time");
  g_mutex_unlock (&m->lock);
  return connected;
}

void
vkcnn_mqtt_stop (VkcnnMqtt *m)
{
  if (!m)
    return;
  g_mutex_lock (&m->lock);
  m->stopping = TRUE;
  g_cond_broadcast (&m->changed);
  g_mutex_unlock (&m->lock);
  if (m->sender)
    g_thread_join (m->sender);
  if (m->mosq)
    mosquitto_disconnect (m->mosq);
  if (m->network)
    g_thread_join (m->network);
  if (m->mosq)
    mosquitto_destroy (m->mosq);
  g_hash_table_destroy (m->outstanding);
  g_hash_table_destroy (m->early);
  g_free (m->first_error);
  g_free (m->address);
  vkcnn_mqtt_settings_clear (&m->settings);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->changed);
  g_free (m);
}

void
vkcnn_mqtt_state (VkcnnMqtt *m, gboolean *connected, guint *reconnects)
{
  g_mutex_lock (&m->lock);
  *connected = m->connected;
  *reconnects = m->connections > 0 ? m->connections - 1 : 0;
  g_mutex_unlock (&m->lock);
}
