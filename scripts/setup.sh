#!/usr/bin/env bash
# Installs what is missing from Debian 12's packages, then configures and builds vkcnn.
#   scripts/setup.sh [build-dir]      (default: build)
# Sourced or run by scripts/demo.sh and scripts/test.sh; safe to run again (it only does what is missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

packages=(
  g++ cmake ninja-build pkg-config
  libvulkan-dev libvulkan-volk-dev glslang-tools mesa-vulkan-drivers vulkan-tools vulkan-validationlayers
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-x
  libopencv-dev libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev
  zlib1g-dev dataset-fashion-mnist python3 python3-gi python3-gst-1.0
  libmosquitto-dev mosquitto mosquitto-clients
  libonnx-dev libprotobuf-dev libonnx-testdata
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${VKCNN_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
