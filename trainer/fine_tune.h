// Fine-tuning a model (vkcnn-train --init): its classifier head replaced for a new label set,
// the --freeze list turned into layer names, the input's normalisation overridden, and the
// checks that a dataset fits the model. The CLI (train_main.cpp) only calls these.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <vkcnn/model/graph.h>
#include <vkcnn/model/weights.h>

#include "data_source.h"

namespace vkcnn::trainer {

// The classifier head: the last layer with parameters, which must be dense or conv2d (a 1x1
// conv head, as SqueezeNet's). Errors name `origin`.
std::string head_layer(const Graph& graph, const std::string& origin);

// Replaces the head for `labels.size()` classes: its out_features (dense) or out_channels
// (conv2d) change and its tensors are initialised as initialize_weights(seed) does for the new
// architecture; every other tensor stays. spec.labels becomes `labels`. Errors name `origin`
// (a head whose output is not the class count, e.g. one followed by more layers that fix it).
void reset_head(ModelSpec& spec, Weights& weights, const std::vector<std::string>& labels, uint32_t seed,
                const std::string& origin);

// --freeze: "all-but-head" (every layer with parameters except the head) or a comma list of
// layer names (the training plan checks them and lists the valid ones). Errors name --freeze.
std::vector<std::string> freeze_list(const std::string& text, const Graph& graph, const std::string& origin);

// "a,b,c" -> floats, one per input channel; errors name `flag` (e.g. "--mean").
std::vector<float> parse_channel_values(const std::string& text, uint32_t channels, const std::string& flag);

// A model's classes against a dataset's, without --reset-head: a different count, or other
// names where the model has some, is an error naming both that suggests --reset-head.
void check_classes(const std::vector<std::string>& model_labels, uint32_t model_outputs, const std::string& model,
                   const Dataset& data, const std::string& source);

// A dataset of fixed-size images (IDX, CIFAR) must come in the model's input format: a
// different size or channel count is an error naming both (image folders are decoded and
// resized to the model's input as they are read, so they always fit).
void check_input_format(const DataSplits& splits, const InputSpec& input, const std::string& model,
                        const std::string& source);

}  // namespace vkcnn::trainer
