/* The bounded, drop-oldest queue of messages vkcnnpublish has yet to deliver. One lock and one
 * condition cover everything: the pusher, the sending thread and the transport's callbacks. */
#include "publish_queue.h"

struct _VkcnnPublishQueue {
  GMutex lock;
  GCond changed;   /* anything below changed */
  GQueue messages; /* oldest at the head */
  guint max_length, max_in_flight;
  guint in_flight;
  gboolean open, shut_down;
  guint64 sent, dropped;
};

void
vkcnn_publish_message_free (VkcnnPublishMessage *message)
{
  if (!message)
    return;
  g_free (message->topic);
  g_string_free (message->payload, TRUE);
  g_free (message);
}

VkcnnPublishQueue *
vkcnn_publish_queue_new (guint max_length, guint max_in_flight)
{
  VkcnnPublishQueue *queue = g_new0 (VkcnnPublishQueue, 1);
  g_mutex_init (&queue->lock);
  g_cond_init (&queue->changed);
  g_queue_init (&queue->messages);
  queue->max_length = MAX (max_length, 1);
  queue->max_in_flight = MAX (max_in_flight, 1);
  return queue;
}

void
vkcnn_publish_queue_free (VkcnnPublishQueue *queue)
{
  if (!queue)
    return;
  g_queue_clear_full (&queue->messages, (GDestroyNotify) vkcnn_publish_message_free);
  g_mutex_clear (&queue->lock);
  g_cond_clear (&queue->changed);
  g_free (queue);
}

void
vkcnn_publish_queue_push (VkcnnPublishQueue *queue, VkcnnPublishMessage *message)
{
  VkcnnPublishMessage *oldest = NULL;
  g_mutex_lock (&queue->lock);
  if (queue->messages.length >= queue->max_length) {
    oldest = g_queue_pop_head (&queue->messages);
    queue->dropped++;
  }
  g_queue_push_tail (&queue->messages, message);
  g_cond_broadcast (&queue->changed);
  g_mutex_unlock (&queue->lock);
  vkcnn_publish_message_free (oldest); /* outside the lock: the streaming thread holds it briefly */
}

void
vkcnn_publish_queue_set_open (VkcnnPublishQueue *queue, gboolean open)
{
  g_mutex_lock (&queue->lock);
  queue->open = open;
  g_cond_broadcast (&queue->changed);
  g_mutex_unlock (&queue->lock);
}

VkcnnPublishMessage *
vkcnn_publish_queue_pop (VkcnnPublishQueue *queue)
{
  VkcnnPublishMessage *message = NULL;
  g_mutex_lock (&queue->lock);
  while (!queue->shut_down
         && !(queue->open && queue->in_flight < queue->max_in_flight && queue->messages.length > 0))
    g_cond_wait (&queue->changed, &queue->lock);
  if (!queue->shut_down) {
    message = g_queue_pop_head (&queue->messages);
    queue->in_flight++;
  }
  g_mutex_unlock (&queue->lock);
  return message;
}

void
vkcnn_publish_queue_settle (VkcnnPublishQueue *queue, gboolean delivered)
{
  g_mutex_lock (&queue->lock);
  g_warn_if_fail (queue->in_flight > 0);
  if (queue->in_flight > 0)
    queue->in_flight--;
  if (delivered)
    queue->sent++;
  else
    queue->dropped++;
  g_cond_broadcast (&queue->changed);
  g_mutex_unlock (&queue->lock);
}

void
vkcnn_publish_queue_unpop (VkcnnPublishQueue *queue, VkcnnPublishMessage *message)
{
  g_mutex_lock (&queue->lock);
  if (queue->in_flight > 0)
    queue->in_flight--;
  if (queue->messages.length >= queue->max_length) {
    queue->dropped++; /* it is the oldest of them all */
  } else {
    g_queue_push_head (&queue->messages, message);
    message = NULL;
  }
  g_cond_broadcast (&queue->changed);
  g_mutex_unlock (&queue->lock);
  vkcnn_publish_message_free (message);
}

gboolean
vkcnn_publish_queue_drain (VkcnnPublishQueue *queue, gint64 end_time)
{
  gboolean drained;
  g_mutex_lock (&queue->lock);
  while (!(drained = queue->messages.length == 0 && queue->in_flight == 0) && !queue->shut_down)
    if (!g_cond_wait_until (&queue->changed, &queue->lock, end_time))
      break;
  drained = queue->messages.length == 0 && queue->in_flight == 0;
  g_mutex_unlock (&queue->lock);
  return drained;
}

void
vkcnn_publish_queue_shutdown (VkcnnPublishQueue *queue)
{
  g_mutex_lock (&queue->lock);
  queue->shut_down = TRUE;
  g_cond_broadcast (&queue->changed);
  g_mutex_unlock (&queue->lock);
}

VkcnnPublishCounts
vkcnn_publish_queue_counts (VkcnnPublishQueue *queue)
{
  VkcnnPublishCounts counts;
  g_mutex_lock (&queue->lock);
  counts.sent = queue->sent;
  counts.dropped = queue->dropped;
  counts.queued = queue->messages.length;
  counts.in_flight = queue->in_flight;
  g_mutex_unlock (&queue->lock);
  return counts;
}
