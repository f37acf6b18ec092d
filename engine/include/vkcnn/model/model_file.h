// The .vkcnn file: safetensors with PyTorch names/layouts and the architecture JSON in
// __metadata__["vkcnn.model"] (docs/design.md, "Model files").
#pragma once
#include <cstddef>
#include <span>
#include <string>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/spec.h>
#include <vkcnn/model/weights.h>

namespace vkcnn {

struct ModelFile {
  ModelSpec spec;
  Weights weights;
};

// Validates everything before anything touches the GPU: header length against the file size
// (and the 100 MB cap safetensors uses), JSON syntax, no duplicate keys, offsets in bounds and
// covering the data exactly (no overlaps, holes or trailing bytes, as the safetensors format
// requires), the architecture in __metadata__["vkcnn.model"] (parse_model_spec), no unknown
// layer and no shape mismatch between layers (Graph), every tensor the architecture implies
// present with its exact shape and no other tensor, dtype F32 (F16 and BF16 are widened
// exactly; anything else is refused), every value finite and every variance non-negative
// (check_weight_values). PyTorch's "<batchnorm>.num_batches_tracked" is ignored so
// that a state_dict saved with safetensors.torch loads as is. Every failure is an Error whose
// message starts with the path.
ModelFile read_model_file(const std::string& path);
// The same checks on a file's bytes already in memory; `origin` names it in errors.
ModelFile parse_model_file(std::span<const std::byte> bytes, const std::string& origin);

// Every value finite, and non-negative where the parameter says so (batchnorm running_var);
// throws Error "<origin>: tensor '<name>' holds ..." naming the first bad value.
void check_weight_values(const Graph& graph, const Weights& weights, const std::string& origin);

// Writes F32 tensors sorted by name with contiguous offsets, the header padded to a multiple of
// 8 (Python's safetensors layout), and __metadata__ {"vkcnn.model": to_json(spec), "format": "pt"}.
// Refuses weights that read_model_file would reject, before touching the disk. Atomic: a
// temporary file in the same directory, fsync, rename; a failed write leaves an existing file
// untouched and throws an Error starting with the path.
void write_model_file(const std::string& path, const ModelSpec& spec, const Weights& weights);

}  // namespace vkcnn
