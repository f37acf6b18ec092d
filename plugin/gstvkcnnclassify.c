/**
 * SECTION:element-vkcnnclassify
 * @title: vkcnnclassify
 *
 * Classifies every video frame with a CNN (a `.vkcnn` model file) running on the GPU through
 * Vulkan, and attaches the result to the buffer; the pixels pass through untouched.
 * Preprocessing (color conversion, bilinear resize by the model's stretch / letterbox /
 * center-crop, mean/std) runs on the GPU as well, from the model file's `input` section.
 *
 * Every buffer leaving the element carries a #VkcnnClassificationMeta (vkcnn-meta.h: the top-k
 * classes, the number of the frame they were computed on, the inference time, the model's
 * name). When at least one class passes #GstVkcnnClassify:threshold it also carries a
 * whole-frame #GstVideoRegionOfInterestMeta whose roi_type is the best label, with a
 * "classification" parameter structure (label, label_id, confidence), and, when built against
 * GStreamer >= 1.24, a GstAnalyticsClsMtd with every reported class.
 *
 * Scores are probabilities: the model's own when it ends in softmax, otherwise softmax of its
 * output computed on the host.
 *
 * Frames are numbered from 0 at start. A frame is classified when no result exists yet (the
 * first frame, or the first after a model change) or when at least #GstVkcnnClassify:interval
 * frames have passed since the frame of the last result; frames in between carry that result
 * unchanged. With #GstVkcnnClassify:smoothing s > 0, each classified frame's probabilities p
 * update an average a <- s * a + (1 - s) * p (a starts as the first p), and a is reported.
 *
 * Up to #GstVkcnnClassify:max-in-flight frames are on the GPU at once: a buffer is copied into a
 * free slot and submitted, and the oldest leaves (in order, with its own result) once that many
 * are in flight, or at EOS and before any other serialized event. A flush drops them, after the
 * GPU is done with them. max-in-flight - 1 buffers stay inside between input buffers, which the
 * LATENCY query reports; with 1 every frame is finished before its push returns.
 *
 * Elements of one process with the same #GstVkcnnClassify:model-instance-id share one loaded
 * model (one Vulkan context, one copy of the weights) and one batcher: their frames are gathered
 * into batches of up to #GstVkcnnClassify:batch-size and run as one forward pass, each stream
 * with its own preprocessing into its image of the batch, each result back to its own buffer.
 * A batch leaves when it is full, when every sharing element waits for a result, or
 * #GstVkcnnClassify:batch-timeout microseconds after its oldest frame. All sharers must set the
 * same model, device, batch-size, batch-timeout and precision (else the later one fails to start,
 * naming the difference); setting the model on one while playing reloads it for all of them.
 * #GstVkcnnClassify:batch-statistics counts the instance's batches.
 *
 * #GstVkcnnClassify:precision picks fp32 or fp16 activations and weights; the default, auto,
 * is fp16 on GPUs that can store 16-bit floats and fp32 on CPU devices (lavapipe), where
 * converting costs more than the halved memory traffic saves.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m v4l2src ! videoconvert ! vkcnnclassify model=fmnist.vkcnn post-messages=true \
 *     results-file=labels.jsonl ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvkcnnclassify.h"

GST_DEBUG_CATEGORY (gst_vkcnn_classify_debug);
#define GST_CAT_DEFAULT gst_vkcnn_classify_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_DEVICE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INTERVAL,
  PROP_SMOOTHING,
  PROP_POST_MESSAGES,
  PROP_RESULTS_FILE,
  PROP_MAX_IN_FLIGHT,
  PROP_MODEL_INSTANCE_ID,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
  PROP_BATCH_STATISTICS,
  PROP_PRECISION,
  PROP_IN_PLACE_FRAMES,
  PROP_FIRST_REGION_PROPERTY, /* and on: classify_regions.c's */
};

#define DEFAULT_PROP_MODEL NULL
#define DEFAULT_PROP_LABELS NULL
#define DEFAULT_PROP_DEVICE NULL
#define DEFAULT_PROP_TOP_K 5
#define DEFAULT_PROP_THRESHOLD 0.0f
#define DEFAULT_PROP_INTERVAL 1
#define DEFAULT_PROP_SMOOTHING 0.0
#define DEFAULT_PROP_POST_MESSAGES FALSE
#define DEFAULT_PROP_RESULTS_FILE NULL
#define DEFAULT_PROP_MAX_IN_FLIGHT 2
/* Each slot holds a copy of the frame in GPU-visible memory; more than a few only add latency. */
#define DEFAULT_PROP_MODEL_INSTANCE_ID NULL
/* Only a cap: with the default timeout a batch never waits to fill. A partly filled batch runs
 * as the next power of two (one plan per power of two), so a large cap costs compute on ragged
 * batches and memory for the larger plans; a few streams' frames per pass is the common case. */
#define DEFAULT_PROP_BATCH_SIZE 4
#define MAX_PROP_BATCH_SIZE 64
/* 0: a batch leaves as soon as the GPU is free (frames that came while the previous batch ran
 * form the next), adding no latency; waiting for fuller batches is the user's trade-off. */
#define DEFAULT_PROP_BATCH_TIMEOUT 0
#define MAX_PROP_BATCH_TIMEOUT 1000000
#define DEFAULT_PROP_PRECISION GST_VKCNN_PRECISION_AUTO

#define VKCNN_CLASSIFY_CAPS                                                                        \
  GST_VIDEO_CAPS_MAKE ("{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, GRAY8, NV12, I420 }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VKCNN_CLASSIFY_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VKCNN_CLASSIFY_CAPS));

#define gst_vkcnn_classify_parent_class parent_class
G_DEFINE_TYPE (GstVkcnnClassify, gst_vkcnn_classify, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (vkcnnclassify, "vkcnnclassify", GST_RANK_NONE,
                             GST_TYPE_VKCNN_CLASSIFY);

static void gst_vkcnn_classify_set_property (GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec);
static void gst_vkcnn_classify_get_property (GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec);
static void gst_vkcnn_classify_finalize (GObject *object);
static gboolean gst_vkcnn_classify_sink_event (GstBaseTransform *trans, GstEvent *event);
static GstFlowReturn gst_vkcnn_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buf);

static void
gst_vkcnn_classify_class_init (GstVkcnnClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_vkcnn_classify_set_property;
  gobject_class->get_property = gst_vkcnn_classify_get_property;
  gobject_class->finalize = gst_vkcnn_classify_finalize;

  g_object_class_install_property (
      gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
                           "Path of the .vkcnn model file. Set while PLAYING, the new "
                           "model is loaded in the caller's thread and swapped in between frames; "
                           "a model that fails to "
                           "load posts a warning and the current one stays",
                           DEFAULT_PROP_MODEL, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
                           "Text file with one label per line (one per class), "
                           "overriding the labels stored in the model",
                           DEFAULT_PROP_LABELS, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_DEVICE,
      g_param_spec_string (
          "device", "Device",
          "Vulkan device: index or case-insensitive part of its name "
          "(empty: $VKCNN_DEVICE, else the first discrete GPU, else any); used from the next start",
          DEFAULT_PROP_DEVICE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k", "Number of best classes reported per frame", 1, 1000,
                         DEFAULT_PROP_TOP_K, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
                          "Classes whose score is below this are not reported", 0.0f, 1.0f,
                          DEFAULT_PROP_THRESHOLD, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
                         "Classify every Nth frame; frames in between carry the "
                         "last result",
                         1, G_MAXUINT, DEFAULT_PROP_INTERVAL, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_SMOOTHING,
      g_param_spec_double (
          "smoothing", "Smoothing",
          "Exponential moving average of the scores across "
          "classified frames: average = smoothing * average + (1 - smoothing) * scores (0 = off)",
          0.0, 1.0, DEFAULT_PROP_SMOOTHING, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean (
          "post-messages", "Post messages",
          "Post a \"vkcnn-classification\" element "
          "message (timestamp, frame, ids, labels, scores) for every classified frame",
          DEFAULT_PROP_POST_MESSAGES, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (
      gobject_class, PROP_RESULTS_FILE,
      g_param_spec_string ("results-file", "Results file",
                           "Write one JSON object per frame to this file "
                           "(JSON lines, flushed per frame); opened at start",
                           DEFAULT_PROP_RESULTS_FILE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_uint (
          "max-in-flight", "Max in flight",
          "Frames that may be on the GPU at once: the "
          "copy of the next frame overlaps the inference of the previous ones, and max-in-flight - "
          "1 "
          "buffers stay inside the element between input buffers (added latency, reported to live "
          "pipelines). 1: every frame is classified before the next comes in",
          1, VKCNN_MAX_IN_FLIGHT, DEFAULT_PROP_MAX_IN_FLIGHT, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_MODEL_INSTANCE_ID,
      g_param_spec_string (
          "model-instance-id", "Model instance id",
          "Elements of this process with the same id share one loaded model and one batcher: "
          "their frames run in batches of up to batch-size. All of them must set the same model, "
          "device, batch-size, batch-timeout and precision. Unset: a model of its own; used from "
          "the next "
          "start",
          DEFAULT_PROP_MODEL_INSTANCE_ID, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
                         "With model-instance-id: most frames (of all its elements) in one "
                         "forward pass; used from the next start",
                         1, MAX_PROP_BATCH_SIZE, DEFAULT_PROP_BATCH_SIZE,
                         rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint (
          "batch-timeout", "Batch timeout",
          "With model-instance-id: microseconds a batch may wait for more frames after its "
          "oldest (it leaves earlier when full or when every sharing element waits for a "
          "result); 0: as soon as the GPU is free. Added to the reported latency; used from the "
          "next start",
          0, MAX_PROP_BATCH_TIMEOUT, DEFAULT_PROP_BATCH_TIMEOUT, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_BATCH_STATISTICS,
      g_param_spec_boxed ("batch-statistics", "Batch statistics",
                          "With model-instance-id, while running: the shared instance's batches "
                          "so far (batches, frames, mean-batch-size, largest-batch); all zero "
                          "otherwise",
                          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
                         "Number format of activations and weights on the GPU (scores are fp32 "
                         "either way); with model-instance-id all sharers must agree; used from "
                         "the next start or model change",
                         GST_TYPE_VKCNN_PRECISION, DEFAULT_PROP_PRECISION,
                         rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_IN_PLACE_FRAMES,
      g_param_spec_uint64 ("in-place-frames", "In-place frames",
                           "Frames since start that the GPU read where they lay in the input "
                           "buffer's memory instead of from a copy (devices with "
                           "VK_EXT_external_memory_host, system memory aligned as the ALLOCATION "
                           "query asks)",
                           0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  vkcnn_regions_install_properties (gobject_class, PROP_FIRST_REGION_PROPERTY);

  gst_element_class_set_static_metadata (element_class, "Vulkan CNN classifier",
                                         "Filter/Analyzer/Video",
                                         "Classifies every frame with a CNN running on the GPU "
                                         "through Vulkan and attaches the labels as metadata",
                                         "The vkcnn authors");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_transform_ip);
  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_query);
  trans_class->propose_allocation = GST_DEBUG_FUNCPTR (gst_vkcnn_classify_propose_allocation);
  trans_class->passthrough_on_same_caps = FALSE;

  GST_DEBUG_CATEGORY_INIT (gst_vkcnn_classify_debug, "vkcnnclassify", 0, "vkcnn classifier");
}

static void
gst_vkcnn_classify_init (GstVkcnnClassify *self)
{
  self->top_k = DEFAULT_PROP_TOP_K;
  self->threshold = DEFAULT_PROP_THRESHOLD;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->smoothing = DEFAULT_PROP_SMOOTHING;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->max_in_flight = DEFAULT_PROP_MAX_IN_FLIGHT;
  self->batch_size = DEFAULT_PROP_BATCH_SIZE;
  self->batch_timeout = DEFAULT_PROP_BATCH_TIMEOUT;
  self->precision = DEFAULT_PROP_PRECISION;
  self->frame_duration = GST_CLOCK_TIME_NONE;
  vkcnn_regions_settings_init (&self->region_settings);
  g_queue_init (&self->waiting);
  /* In place, and never passthrough: every buffer gets metadata, pixels stay as they are. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_vkcnn_classify_finalize (GObject *object)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (object);
  g_free (self->model_path);
  g_free (self->labels_path);
  g_free (self->device_name);
  g_free (self->results_path);
  g_free (self->instance_id);
  g_free (self->stream_id);
  vkcnn_regions_settings_clear (&self->region_settings);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* set_property("model"): stored while stopped; while started, loaded here (the caller's thread)
 * and handed to the streaming thread, which swaps it in before its next frame. */
static void
set_model (GstVkcnnClassify *self, const gchar *path)
{
  gchar *error = NULL;
  GST_OBJECT_LOCK (self);
  if (!self->device) {
    g_free (self->model_path);
    self->model_path = g_strdup (path);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  VkcnnDevice *device = vkcnn_device_ref (self->device, &error);
  guint session = self->session;
  gchar *current = g_strdup (self->model_path), *shared_id = g_strdup (self->shared_id);
  const gchar *precision = gst_vkcnn_precision_name (self->precision);
  GST_OBJECT_UNLOCK (self);

  /* A shared model is reloaded for every element of the instance; the others swap it in too. */
  VkcnnModel *model = NULL;
  if (device && path && *path)
    model = shared_id ? vkcnn_model_reload_shared (shared_id, path, &error)
                      : vkcnn_model_load (device, path, precision, &error);
  vkcnn_device_free (device);
  g_free (shared_id);
  if (!model) {
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
                         ("%s", error ? error : "the model property was cleared"),
                         ("keeping model %s", current));
    g_free (error);
    g_free (current);
    return;
  }
  g_free (current);
  GST_OBJECT_LOCK (self);
  if (self->device && self->session == session) {
    vkcnn_model_free (self->pending); /* a newer setting wins over one not yet swapped in */
    self->pending = model;
    model = NULL;
    g_free (self->model_path);
    self->model_path = g_strdup (path);
  }
  GST_OBJECT_UNLOCK (self);
  vkcnn_model_free (model); /* the element stopped meanwhile */
}

static void
gst_vkcnn_classify_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (object);
  gchar **lines = NULL, *error = NULL;

  GST_OBJECT_LOCK (self);
  gboolean running = self->device != NULL;
  switch (prop_id) {
    case PROP_MODEL:
      GST_OBJECT_UNLOCK (self);
      set_model (self, g_value_get_string (value));
      return;
    case PROP_LABELS:
      g_free (self->labels_path);
      self->labels_path = g_value_dup_string (value);
      if (running) {
        /* Read here; the streaming thread picks the lines up before the next frame. */
        gchar *path = g_strdup (self->labels_path);
        GST_OBJECT_UNLOCK (self);
        if (path && !(lines = gst_vkcnn_classify_read_labels (path, &error))) {
          GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ, ("%s", error),
                               ("keeping the current labels"));
          g_free (error);
          g_free (path);
          return;
        }
        g_free (path);
        GST_OBJECT_LOCK (self);
        g_strfreev (self->label_override);
        self->label_override = lines;
        self->labels_changed = TRUE;
      }
      break;
    case PROP_DEVICE:
      g_free (self->device_name);
      self->device_name = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_float (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_SMOOTHING:
      self->smoothing = g_value_get_double (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_RESULTS_FILE:
      g_free (self->results_path);
      self->results_path = g_value_dup_string (value);
      break;
    case PROP_MAX_IN_FLIGHT:
      /* Used when the slots are made (caps, model change); the frames in flight go by the slots. */
      self->max_in_flight = g_value_get_uint (value);
      break;
    case PROP_MODEL_INSTANCE_ID:
      g_free (self->instance_id);
      self->instance_id = g_value_dup_string (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_BATCH_TIMEOUT:
      self->batch_timeout = g_value_get_uint (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    default:
      if (vkcnn_regions_set_property (&self->region_settings, prop_id, value, &error))
        break;
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (error) { /* a refused region setting (posting takes the object lock) */
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s", error), (NULL));
    g_free (error);
  }
}

static void
gst_vkcnn_classify_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels_path);
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device_name);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_float (value, self->threshold);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_RESULTS_FILE:
      g_value_set_string (value, self->results_path);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, self->max_in_flight);
      break;
    case PROP_MODEL_INSTANCE_ID:
      g_value_set_string (value, self->instance_id);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_BATCH_TIMEOUT:
      g_value_set_uint (value, self->batch_timeout);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_IN_PLACE_FRAMES:
      g_value_set_uint64 (value, self->in_place_frames);
      break;
    case PROP_BATCH_STATISTICS: {
      guint64 batches = 0, frames = 0;
      guint largest = 0;
      if (self->shared_id)
        vkcnn_instance_statistics (self->shared_id, &batches, &frames, &largest);
      g_value_take_boxed (value, gst_structure_new ("vkcnn-batch-statistics", "batches",
                                                    G_TYPE_UINT64, batches, "frames", G_TYPE_UINT64,
                                                    frames, "mean-batch-size", G_TYPE_DOUBLE,
                                                    batches ? (gdouble) frames / batches : 0.0,
                                                    "largest-batch", G_TYPE_UINT, largest, NULL));
      break;
    }
    default:
      if (vkcnn_regions_get_property (GST_ELEMENT (self), &self->region_settings, prop_id, value))
        break;
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* GstBaseTransform treats an element with transform_ip as in place and not passthrough; the
 * work itself is done in generate_output, which never calls this. */
static GstFlowReturn
gst_vkcnn_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GST_ERROR_OBJECT (trans, "transform_ip is not used: generate_output handles every buffer");
  return GST_FLOW_NOT_SUPPORTED;
}

static gboolean
gst_vkcnn_classify_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstVkcnnClassify *self = GST_VKCNN_CLASSIFY (trans);
  const gchar *stream_id = NULL;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      /* The frames inside the element belong to before the seek. */
      gst_vkcnn_classify_discard (self);
      break;
    default:
      /* A serialized event (EOS, segment, caps, gap, ...) must not overtake the buffers that came
       * in before it, so those leave first, each with its result. */
      if (GST_EVENT_IS_SERIALIZED (event)) {
        GstFlowReturn ret = gst_vkcnn_classify_drain (self);
        if (ret != GST_FLOW_OK)
          GST_DEBUG_OBJECT (self, "draining before %s: %s", GST_EVENT_TYPE_NAME (event),
                            gst_flow_get_name (ret));
      }
      break;
  }
  /* Serialized with the buffers: the id belongs to the frames that follow. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    gst_event_parse_stream_start (event, &stream_id);
    g_free (self->stream_id);
    self->stream_id = g_strdup (stream_id);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}
