#!/usr/bin/env bash
# No camera and no file needed: GStreamer's test picture (a moving ball) -> vkcnnclassify ->
# vkcnnoverlay (labels, bars, frame rate) -> a window. The labels mean little, the pipeline is real.
#   pipelines/test-source.sh [model]
#     model  .vkcnn file (default models/fashion-mnist.vkcnn)
# Environment: VKCNN_NUM_BUFFERS (frames, default: until the window closes), VKCNN_SINK (default
# autovideosink), VKCNN_BUILD_DIR (see pipelines/common.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
model="$(vkcnn_model "${1:-}")"
# shellcheck disable=SC2086  # VKCNN_SINK may carry properties: split it into words
exec gst-launch-1.0 videotestsrc pattern=ball num-buffers="${VKCNN_NUM_BUFFERS:--1}" \
  ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! vkcnnclassify model="$model" \
  ! vkcnnoverlay show-fps=true ! videoconvert ! $vkcnn_sink
