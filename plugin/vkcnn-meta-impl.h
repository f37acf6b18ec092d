/* The producer side of VkcnnClassificationMeta (inside the plugin only; applications read the
 * meta with vkcnn-meta.h alone). */
#ifndef VKCNN_META_IMPL_H
#define VKCNN_META_IMPL_H

#include "vkcnn-meta.h"

G_BEGIN_DECLS

const GstMetaInfo *vkcnn_classification_meta_get_info (void);

/* Adds a meta holding a copy of top[0 .. n_top); labels and model must be interned strings. */
VkcnnClassificationMeta *vkcnn_buffer_add_classification_meta (GstBuffer *buffer,
                                                               const VkcnnClassification *top,
                                                               guint n_top, guint64 frame,
                                                               guint64 inference_us,
                                                               const gchar *model);

/* Deep-copies the region list (and its top and scores arrays) and the score vector into the
 * meta; scores may be NULL, n_classes is the length of each score vector. */
void vkcnn_classification_meta_set_extra (VkcnnClassificationMeta *meta, const gchar *source,
                                          const VkcnnRegionClassification *regions, guint n_regions,
                                          const gfloat *scores, guint n_classes);

G_END_DECLS

#endif /* VKCNN_META_IMPL_H */
