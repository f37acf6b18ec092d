/* vkcnnpublish's MQTT transport (libmosquitto): one network thread that runs the client's loop
 * and reconnects with backoff, one sending thread that moves messages from the queue to the
 * client. Neither ever runs on the streaming thread. */
#ifndef VKCNN_PUBLISH_MQTT_H
#define VKCNN_PUBLISH_MQTT_H

#include <gst/gst.h>

#include "publish_queue.h"

G_BEGIN_DECLS

typedef struct {
  gchar *host;
  guint port;
  gchar *client_id; /* NULL: the broker's random one */
  gint qos;
  gboolean retain;
  guint keepalive;            /* seconds */
  guint reconnect_delay_max;  /* seconds; the delay starts at 0.25 s and doubles up to this */
  gchar *username, *password; /* NULL: anonymous */
  gchar *ca_file, *cert_file, *key_file; /* TLS when ca_file is set */
  gboolean quiet_first_failure; /* the caller reports a failure to connect at start itself */
} VkcnnMqttSettings;

void vkcnn_mqtt_settings_clear (VkcnnMqttSettings *settings);

/* Messages handed to the client and not yet acknowledged; below libmosquitto's own window (20),
 * so its internal queue never grows. */
#define VKCNN_MQTT_MAX_IN_FLIGHT 16

typedef struct _VkcnnMqtt VkcnnMqtt;

/* Starts connecting (asynchronously) and both threads; NULL with *error when the client cannot
 * be set up at all (TLS files rejected, say). An unreachable broker is not an error here: the
 * element is told through a warning on the bus, and the client keeps trying. */
VkcnnMqtt *vkcnn_mqtt_start (const VkcnnMqttSettings *settings, VkcnnPublishQueue *queue,
                             GstElement *owner, gchar **error);

/* Waits until the first connection attempt succeeded (TRUE) or failed (FALSE, *error saying
 * why), or until end_time (g_get_monotonic_time; FALSE). */
gboolean vkcnn_mqtt_wait_connected (VkcnnMqtt *mqtt, gint64 end_time, gchar **error);

/* Disconnects, joins both threads and frees everything. The queue must be shut down first. */
void vkcnn_mqtt_stop (VkcnnMqtt *mqtt);

/* Connected now; connections made after the first one (each a reconnection). */
void vkcnn_mqtt_state (VkcnnMqtt *mqtt, gboolean *connected, guint *reconnects);

G_END_DECLS

#endif /* VKCNN_PUBLISH_MQTT_H */
