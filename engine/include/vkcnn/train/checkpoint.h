// A training checkpoint: a safetensors file (like a .vkcnn model) that also holds the optimizer
// state and the run's progress, so that `--resume` continues exactly where the run stopped.
//   tensors   "<param>" (every model parameter, PyTorch names)  and
//             "optimizer.<param>.<state>" (momentum_buffer | exp_avg | exp_avg_sq)
//             "kept.<param>" (optional: a second set of weights the trainer keeps, the best epoch's)
//   metadata  "vkcnn.model": the architecture JSON (labels included)
//             "vkcnn.checkpoint": JSON with "step" and whatever the trainer adds (epoch, history)
// It is not a model file (read_model_file refuses the extra tensors): the trainer writes the
// model separately.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include <vkcnn/model/spec.h>
#include <vkcnn/train/training_plan.h>

namespace vkcnn {

struct Checkpoint {
  ModelSpec spec;
  TrainingState state;
  nlohmann::json info;  // the "vkcnn.checkpoint" object ("step" included)
  Weights kept;         // "kept.<param>" tensors; empty when the run keeps none
};

// Written atomically (temporary file + rename): a crash mid-write leaves the previous checkpoint.
void write_checkpoint(const std::string& path, const ModelSpec& spec, const TrainingState& state,
                      const nlohmann::json& info = nlohmann::json::object(), const Weights& kept = {});
// Errors start with the path and name the problem (not a checkpoint, bad JSON, missing step).
Checkpoint read_checkpoint(const std::string& path);

}  // namespace vkcnn
