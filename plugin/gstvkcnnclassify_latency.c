/* vkcnnclassify's answers about the buffers it holds while frames are in flight: the latency
 * they add and the extra buffers upstream's pool must provide. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvkcnnclassify.h"

#define GST_CAT_DEFAULT gst_vkcnn_classify_debug

/* GstBaseTransform's own handlers, which these extend. */
static GstBaseTransformClass *
parent_class (GstBaseTransform *trans)
{
  return GST_BASE_TRANSFORM_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (trans)));
}

/* The buffers held between input buffers delay the output by that many frame durations. */
gboolean
gst_vkcnn_classify_query (GstBaseTransform *trans, GstPadDirection direction, GstQuery *query)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  gboolean live;
  GstClockTime min, max;

  if (!GST_BASE_TRANSFORM_CLASS (parent_class (trans))->query (trans, direction, query))
    return FALSE;
  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return TRUE;
  gst_query_parse_latency (query, &live, &min, &max);
  GST_OBJECT_LOCK (self);
  guint held = self->max_in_flight - 1;
  GstClockTime duration = self->frame_duration;
  /* A frame may wait that long for its batch to fill. */
  GstClockTime batch_wait = self->shared_id ? self->batch_timeout * GST_USECOND : 0;
  GST_OBJECT_UNLOCK (self);
  min += batch_wait;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += batch_wait;
  if (held == 0) {
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  if (GST_CLOCK_TIME_IS_VALID (duration)) {
    min += held * duration;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += held * duration;
  } else {
    /* Without a framerate, a held buffer waits for the next one, however long that takes. */
    max = GST_CLOCK_TIME_NONE;
  }
  GST_DEBUG_OBJECT (self,
                    "latency with %u buffers held: min %" GST_TIME_FORMAT " max %" GST_TIME_FORMAT,
                    held, GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

/* The buffers held in flight come out of upstream's pool on top of what downstream keeps, so
 * upstream is asked for that many more (within a pool's maximum, which cannot be raised); and
 * for memory aligned so that the GPU can read frames in place. */
gboolean
gst_vkcnn_classify_propose_allocation (GstBaseTransform *trans, GstQuery *decide_query,
                                       GstQuery *query)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  GstCaps *caps = NULL;
  GstVideoInfo info;

  /* Downstream's answer (passthrough), if it gives one: a sink such as fakesink does not, and
   * then the query carries only what this element asks for. */
  gboolean answered
      = GST_BASE_TRANSFORM_CLASS (parent_class (trans))->propose_allocation (trans, decide_query, query);
  if (!answered)
    GST_DEBUG_OBJECT (self, "downstream did not answer the ALLOCATION query");
  /* Memory that starts where the device can import it is read by the GPU in place, not copied:
   * upstream's allocator is asked for that alignment. */
  guint alignment = self->pass ? vkcnn_pass_import_alignment (self->pass) : 0;
  GST_DEBUG_OBJECT (self, "asking upstream for memory aligned to %u bytes", alignment);
  if (alignment > 1) {
    GstAllocationParams params;
    GstAllocator *allocator = NULL;
    if (gst_query_get_n_allocation_params (query) > 0) {
      gst_query_parse_nth_allocation_param (query, 0, &allocator, &params);
      params.align = MAX (params.align, alignment - 1);
      gst_query_set_nth_allocation_param (query, 0, allocator, &params);
      if (allocator)
        gst_object_unref (allocator);
    } else {
      gst_allocation_params_init (&params);
      params.align = alignment - 1;
      gst_query_add_allocation_param (query, NULL, &params);
    }
  }
  GST_OBJECT_LOCK (self);
  guint held = self->max_in_flight - 1;
  GST_OBJECT_UNLOCK (self);
  if (held == 0)
    return answered || alignment > 1;
  guint pools = gst_query_get_n_allocation_pools (query);
  for (guint i = 0; i < pools; i++) {
    GstBufferPool *pool = NULL;
    guint size, min, max;
    gst_query_parse_nth_allocation_pool (query, i, &pool, &size, &min, &max);
    min = max ? MIN (min + held, max) : min + held;
    gst_query_set_nth_allocation_pool (query, i, pool, size, min, max);
    if (pool)
      gst_object_unref (pool);
  }
  gst_query_parse_allocation (query, &caps, NULL);
  if (pools == 0 && caps && gst_video_info_from_caps (&info, caps))
    gst_query_add_allocation_pool (query, NULL, GST_VIDEO_INFO_SIZE (&info), held, 0);
  return TRUE;
}
