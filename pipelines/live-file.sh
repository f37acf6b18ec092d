#!/usr/bin/env bash
# A video file played in a window, in real time, with its labels and the frame rate drawn on it:
# decodebin -> vkcnnclassify -> vkcnnoverlay -> a window.
#   pipelines/live-file.sh in.mp4 [model]
#     in.mp4  input video (anything GStreamer decodes)
#     model   .vkcnn file (default models/fashion-mnist.vkcnn)
# Environment: VKCNN_SINK (default autovideosink), VKCNN_BUILD_DIR (see pipelines/common.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
in="$(vkcnn_input "${1:-}")"
model="$(vkcnn_model "${2:-}")"
# shellcheck disable=SC2086  # VKCNN_SINK may carry properties: split it into words
exec gst-launch-1.0 filesrc location="$in" ! decodebin ! videoconvert ! vkcnnclassify model="$model" \
  ! vkcnnoverlay show-fps=true ! videoconvert ! $vkcnn_sink
