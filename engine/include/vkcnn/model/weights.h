// Parameter values on the host, keyed by PyTorch state_dict names ("c1.weight").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vkcnn {

struct HostParam {
  std::vector<int64_t> dims;
  std::vector<float> values;
};

using Weights = std::map<std::string, HostParam>;

}  // namespace vkcnn
