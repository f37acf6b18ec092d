/* C face of the engine for the element (classify_engine.cpp holds the C++ objects).
 * Every function that can fail returns NULL/FALSE and sets *error to a newly allocated message
 * from the engine (file + problem); the caller frees it with g_free. */
#ifndef VKCNN_CLASSIFY_ENGINE_H
#define VKCNN_CLASSIFY_ENGINE_H

#include <gst/video/video.h>

G_BEGIN_DECLS

/* A Vulkan device (the engine's Context). Models keep their device alive: freeing the handle
 * while a model still uses it is safe. */
typedef struct VkcnnDevice VkcnnDevice;
/* A loaded model with its batch-1 forward plan, or a handle on a shared instance's model; may
 * be loaded on any thread. */
typedef struct VkcnnModel VkcnnModel;
/* What classifying frames of one format needs for one model: per slot, the frame's upload
 * buffer, a readback buffer and one command buffer (preprocessing, forward pass, readback)
 * recorded once, so that up to `slots` frames can be in flight on the GPU at once. */
typedef struct VkcnnPass VkcnnPass;

/* device: index or name substring; NULL or "" = the engine's default choice. */
VkcnnDevice *vkcnn_device_open (const gchar *device, gchar **error);
/* Another handle on the same device (free each handle with vkcnn_device_free); NULL with *error
 * when even that small allocation fails. */
VkcnnDevice *vkcnn_device_ref (const VkcnnDevice *device, gchar **error);
void vkcnn_device_free (VkcnnDevice *device);
const gchar *vkcnn_device_name (const VkcnnDevice *device);

/* precision: "fp32", "fp16" (an error on a device that cannot store 16-bit floats) or "auto"
 * (fp16 on GPUs that can, fp32 on CPU devices). */
VkcnnModel *vkcnn_model_load (VkcnnDevice *device, const gchar *path, const gchar *precision,
                              gchar **error);
/* The precision the model's forward passes run at: "fp32" or "fp16". */
const gchar *vkcnn_model_precision (const VkcnnModel *model);
void vkcnn_model_free (VkcnnModel *model);
/* The spec's name, or the file's base name when the spec has none. */
const gchar *vkcnn_model_name (const VkcnnModel *model);
const gchar *vkcnn_model_path (const VkcnnModel *model);
guint vkcnn_model_classes (const VkcnnModel *model);
/* The model's own label of a class, or NULL when the model has fewer labels. */
const gchar *vkcnn_model_label (const VkcnnModel *model, guint class_id);
/* Whether the model ends in softmax; when not, vkcnn_pass_wait applies it on the host. */
gboolean vkcnn_model_outputs_probabilities (const VkcnnModel *model);

/* Models shared by elements with the same model-instance-id (model_instance.h): one context,
 * one copy of the weights and one batcher per id in the process. acquire: a handle on the
 * instance's model, the instance made with these settings if none runs; an error names the id
 * and every setting that differs from the running instance's. */
VkcnnModel *vkcnn_model_acquire_shared (const gchar *instance_id, const gchar *device,
                                        const gchar *path, guint batch_size, guint batch_timeout_us,
                                        const gchar *precision, gchar **error);
/* Loads path as the running instance's model for all its elements; a handle on it. */
VkcnnModel *vkcnn_model_reload_shared (const gchar *instance_id, const gchar *path, gchar **error);
/* For a shared model that another element has since replaced (reload): a handle on the new one,
 * offered once per reload; NULL otherwise (and always for a model of its own). */
VkcnnModel *vkcnn_model_take_newer (VkcnnModel *model);
/* The model's device (for a shared model, the instance's). */
VkcnnDevice *vkcnn_model_device (const VkcnnModel *model, gchar **error);
/* Batches the instance ran, the frames in them and the largest; FALSE (zeros) when not running. */
gboolean vkcnn_instance_statistics (const gchar *instance_id, guint64 *batches, guint64 *frames,
                                    guint *largest);

/* Only one pass per model of its own may run at a time (they share the model's plan); a shared
 * model's passes (one per element) feed its batcher and may run at once. slots >= 1. */
VkcnnPass *vkcnn_pass_new (VkcnnModel *model, const GstVideoInfo *info, guint slots, gchar **error);
/* Waits for the frames still in flight, then frees the pass. */
void vkcnn_pass_free (VkcnnPass *pass);
guint vkcnn_pass_slots (const VkcnnPass *pass);
/* Whether every slot holds a frame in flight (vkcnn_pass_wait for one before submitting). */
gboolean vkcnn_pass_full (const VkcnnPass *pass);
/* Submits the mapped frame without waiting: read where it lies when the device can (*in_place
 * TRUE; see vkcnn_pass_frame_counts), else copied into a free slot. Returns the frame's ticket
 * (tickets count from 1), or 0 with *error set. */
guint64 vkcnn_pass_submit (VkcnnPass *pass, const GstVideoFrame *frame, gboolean *in_place,
                           gchar **error);
/* Waits for the ticket's frame and writes one probability per class into scores. */
gboolean vkcnn_pass_wait (VkcnnPass *pass, guint64 ticket, gfloat *scores, gchar **error);
/* Waits for every frame in flight and drops their results (a flush). */
void vkcnn_pass_discard (VkcnnPass *pass);
/* Frames so far that were copied into an upload buffer, and frames the GPU read where they lay
 * in the buffer's memory (VK_EXT_external_memory_host: on a device that imports host memory, a
 * frame in one system memory that starts on vkcnn_pass_import_alignment bytes, with the caps'
 * strides and offsets). */
void vkcnn_pass_frame_counts (const VkcnnPass *pass, guint64 *copied, guint64 *in_place);
/* The alignment a frame's memory needs for the GPU to read it in place; 0: never in place. */
guint vkcnn_pass_import_alignment (const VkcnnPass *pass);
/* Mean microseconds per frame so far: host-side frame copy, the time the host spent in submit
 * and in waiting for the GPU, and (only with VKCNN_PROFILE=1, else 0) the GPU's preprocessing
 * and forward-pass sections. */
void vkcnn_pass_timing (const VkcnnPass *pass, guint64 *runs, gdouble *copy_us, gdouble *submit_us,
                        gdouble *gpu_preprocess_us, gdouble *gpu_forward_us);

/* Regions of frames of one format through one model (inference-region=roi-list): every
 * region of a frame cropped and resized in one preprocessing dispatch and classified in one
 * forward pass of batch N (chunks of max_batch), with up to `slots` frames in flight as a
 * VkcnnPass has them. Independent of a VkcnnPass. */
typedef struct VkcnnRegionPass VkcnnRegionPass;
typedef struct {
  guint x, y, width, height; /* inside the frame, non-empty */
} VkcnnRect;

VkcnnRegionPass *vkcnn_region_pass_new (VkcnnModel *model, const GstVideoInfo *info,
                                        guint max_batch, guint slots, gchar **error);
/* Waits for the frames still in flight, then frees the pass. */
void vkcnn_region_pass_free (VkcnnRegionPass *pass);
/* Whether every slot holds a frame in flight (vkcnn_region_pass_wait for one first). */
gboolean vkcnn_region_pass_full (const VkcnnRegionPass *pass);
/* Submits rects[0 .. n) (n may be 0) of the mapped frame without waiting, the frame read where
 * it lies (*in_place TRUE) or copied into a free slot, as vkcnn_pass_submit does. Returns the
 * frame's ticket (from 1), or 0 with *error set. */
guint64 vkcnn_region_pass_submit (VkcnnRegionPass *pass, const GstVideoFrame *frame,
                                  const VkcnnRect *rects, guint n, gboolean *in_place,
                                  gchar **error);
/* Waits for the ticket's frame and writes n x classes probabilities (n: its submit's). */
gboolean vkcnn_region_pass_wait (VkcnnRegionPass *pass, guint64 ticket, gfloat *scores,
                                 gchar **error);
/* Waits for every frame in flight and drops their results (a flush). */
void vkcnn_region_pass_discard (VkcnnRegionPass *pass);
/* Forward passes submitted so far (one per frame with regions, more when a frame has more than
 * max_batch of them). */
guint64 vkcnn_region_pass_forward_passes (const VkcnnRegionPass *pass);

/* The k best of n scores with score >= threshold (best first, ties by lower id): writes their
 * ids and returns how many (0 if memory runs out). The same ordering vkcnn-classify reports. */
guint vkcnn_top_k (const gfloat *scores, guint n, guint k, gfloat threshold, guint *ids);

G_END_DECLS

#endif /* VKCNN_CLASSIFY_ENGINE_H */
