/* vkcnnpublish's bounded queue between the streaming thread (which only ever appends, and never
 * waits) and the thread that hands messages to the transport (file or MQTT broker). */
#ifndef VKCNN_PUBLISH_QUEUE_H
#define VKCNN_PUBLISH_QUEUE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *topic;     /* MQTT topic (NULL for the file) */
  GString *payload; /* the JSON object */
} VkcnnPublishMessage;

void vkcnn_publish_message_free (VkcnnPublishMessage *message);

typedef struct _VkcnnPublishQueue VkcnnPublishQueue;

typedef struct {
  guint64 sent; /* delivered: written to the file, or acknowledged by the broker (QoS 0: written to
                   the socket) */
  guint64 dropped; /* pushed out by a full queue, or lost with a connection (QoS 0 in flight) */
  guint queued;    /* waiting in the queue */
  guint in_flight; /* handed to the transport, not yet delivered */
} VkcnnPublishCounts;

/* At most max_length messages wait; at most max_in_flight are handed out and not yet settled. */
VkcnnPublishQueue *vkcnn_publish_queue_new (guint max_length, guint max_in_flight);
void vkcnn_publish_queue_free (VkcnnPublishQueue *queue);

/* Appends message (taken). When the queue is full the OLDEST waiting message is dropped and
 * counted: the newest results are the ones worth sending. Never blocks. */
void vkcnn_publish_queue_push (VkcnnPublishQueue *queue, VkcnnPublishMessage *message);

/* Whether the transport can take messages (the broker is connected). Closed, pop waits. */
void vkcnn_publish_queue_set_open (VkcnnPublishQueue *queue, gboolean open);

/* The oldest message, once the queue is open, fewer than max_in_flight are out and one is
 * waiting; NULL once the queue is shut down. The message counts as in flight until settled. */
VkcnnPublishMessage *vkcnn_publish_queue_pop (VkcnnPublishQueue *queue);

/* One message handed out by pop is done with: delivered (sent) or lost (dropped). */
void vkcnn_publish_queue_settle (VkcnnPublishQueue *queue, gboolean delivered);

/* A popped message the transport refused (the connection just went): back to the head, as the
 * oldest, unless the queue filled up meanwhile (then it is dropped). */
void vkcnn_publish_queue_unpop (VkcnnPublishQueue *queue, VkcnnPublishMessage *message);

/* Waits until nothing is queued or in flight, or until end_time (g_get_monotonic_time);
 * TRUE when everything went out. */
gboolean vkcnn_publish_queue_drain (VkcnnPublishQueue *queue, gint64 end_time);

/* Wakes pop for good (it returns NULL from now on); messages still queued stay, uncounted. */
void vkcnn_publish_queue_shutdown (VkcnnPublishQueue *queue);

VkcnnPublishCounts vkcnn_publish_queue_counts (VkcnnPublishQueue *queue);

G_END_DECLS

#endif /* VKCNN_PUBLISH_QUEUE_H */
