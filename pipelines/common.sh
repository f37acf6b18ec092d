# shellcheck shell=bash
# Sourced by the pipelines/*.sh scripts: finds the vkcnn plugin and the model, and picks the sink.
#   VKCNN_BUILD_DIR  build tree whose plugin is used (default: <repo>/build); when it holds no
#                    plugin, an installed one (cmake --install) is used
#   VKCNN_SINK       where windowed scripts send video (default: autovideosink; e.g. "fakesink"
#                    to run without a display)
vkcnn_script="$(basename "$0")"
vkcnn_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vkcnn_build="${VKCNN_BUILD_DIR:-$vkcnn_root/build}"
# shellcheck disable=SC2034  # used by the scripts that source this file
vkcnn_sink="${VKCNN_SINK:-autovideosink}"

vkcnn_die() {
  echo "$vkcnn_script: $*" >&2
  exit 1
}

# The usage line from the script's header comment.
vkcnn_usage() {
  vkcnn_die "usage: $(sed -n 's|^#   \(pipelines/.*\)|\1|p' "$0" | head -n 1)"
}

# The build tree's plugin comes first, so a checkout runs its own code even when another
# version is installed.
if [ -f "$vkcnn_build/plugin/libgstvkcnn.so" ]; then
  export GST_PLUGIN_PATH="$vkcnn_build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
fi
command -v gst-launch-1.0 >/dev/null || vkcnn_die "gst-launch-1.0 not found (Debian: gstreamer1.0-tools; or run scripts/setup.sh)"
gst-inspect-1.0 vkcnnoverlay >/dev/null 2>&1 ||
  vkcnn_die "the vkcnn GStreamer plugin is neither built in $vkcnn_build/plugin nor installed: run scripts/setup.sh"

# vkcnn_model [path]: the model file to use (default: the shipped Fashion-MNIST model), checked.
vkcnn_model() {
  local model="${1:-$vkcnn_root/models/fashion-mnist.vkcnn}"
  [ -f "$model" ] || vkcnn_die "no model file $model (train one: scripts/train-fashion-mnist.sh, or pass a .vkcnn file)"
  echo "$model"
}

# vkcnn_input path: an existing input file, checked.
vkcnn_input() {
  [ -n "${1:-}" ] || vkcnn_usage
  [ -f "$1" ] || vkcnn_die "no input file $1"
  echo "$1"
}
