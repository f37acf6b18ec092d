#include <map>

#include <vkcnn/model/graph.h>

namespace vkcnn {

Shape with_batch(Shape s, uint32_t batch) {
  s.n = batch;
  return s;
}

Graph::Graph(ModelSpec spec, const std::string& origin) : spec_(std::move(spec)) {
  std::map<std::string, int> index{{"input", -1}};
  const Shape input{1, spec_.input.channels, spec_.input.height, spec_.input.width};
  auto shape_of = [&](int node) { return node < 0 ? input : nodes_[node].output_shape; };
  if (input.per_image() > kMaxElementsPerImage)
    throw Error(origin + ": input " + input.str() + " has " + std::to_string(input.per_image()) +
                " elements per image, above the limit of " + std::to_string(kMaxElementsPerImage));

  for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
    const LayerSpec& ls = spec_.layers[i];
    GraphNode node;
    try {
      node.layer = make_layer(ls.attributes, ls.name);
    } catch (const Error& e) {
      throw Error(origin + ": " + e.what());
    }
    if (ls.inputs.empty()) {
      node.inputs.assign(node.layer->input_count(), static_cast<int>(i) - 1);
    } else {
      for (const std::string& ref : ls.inputs) node.inputs.push_back(index.at(ref));
    }
    if (node.inputs.size() != node.layer->input_count())
      throw Error(origin + ": layer '" + ls.name + "' (" + ls.type + ") takes " +
                  std::to_string(node.layer->input_count()) + " input(s), the spec gives " +
                  std::to_string(node.inputs.size()));
    std::vector<Shape> in_shapes;
    for (int src : node.inputs) in_shapes.push_back(shape_of(src));
    try {
      node.output_shape = node.layer->output_shape(in_shapes);
      if (node.output_shape.per_image() > kMaxElementsPerImage)
        throw Error("layer '" + ls.name + "': output " + node.output_shape.str() + " has " +
                    std::to_string(node.output_shape.per_image()) + " elements per image, above the limit of " +
                    std::to_string(kMaxElementsPerImage));
      node.params = node.layer->params(in_shapes);
      for (const ParamDesc& p : node.params)
        if (p.count() > kMaxElementsPerImage)
          throw Error("layer '" + ls.name + "': parameter '" + p.suffix + "' would have " + std::to_string(p.count()) +
                      " elements, above the limit of " + std::to_string(kMaxElementsPerImage));
    } catch (const Error& e) {
      std::string shapes;
      for (const Shape& s : in_shapes) shapes += (shapes.empty() ? "" : ", ") + s.str();
      throw Error(origin + ": " + e.what() + " (input shape " + shapes + ")");
    }
    for (std::size_t p = 0; p < node.params.size(); ++p)
      params_.push_back({ls.name + "." + node.params[p].suffix, node.params[p].dims, node.params[p].trainable,
                         node.params[p].non_negative, static_cast<int>(i), static_cast<int>(p)});
    index[ls.name] = static_cast<int>(i);
    nodes_.push_back(std::move(node));
  }
  if (!spec_.labels.empty() && spec_.labels.size() != classes())
    throw Error(origin + ": " + std::to_string(spec_.labels.size()) + " labels for a model with " +
                std::to_string(classes()) + " outputs");
}

Shape Graph::input_shape(uint32_t batch) const {
  return {batch, spec_.input.channels, spec_.input.height, spec_.input.width};
}

Shape Graph::output_shape(uint32_t batch) const { return with_batch(nodes_.back().output_shape, batch); }

}  // namespace vkcnn
