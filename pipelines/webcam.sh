#!/usr/bin/env bash
# Live labels on a webcam: v4l2src -> vkcnnclassify -> vkcnnoverlay (labels, bars, frame rate)
# -> a window.
#   pipelines/webcam.sh [device] [model]
#     device  V4L2 camera (default /dev/video0)
#     model   .vkcnn file (default models/fashion-mnist.vkcnn)
# Environment: VKCNN_SINK (default autovideosink), VKCNN_BUILD_DIR (see pipelines/common.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
device="${1:-/dev/video0}"
if [ ! -c "$device" ]; then
  cameras="$(compgen -G '/dev/video*' | tr '\n' ' ')" || true
  if [ -n "$cameras" ]; then hint="cameras here: $cameras"; else hint="this machine has no /dev/video* device"; fi
  vkcnn_die "no camera at $device ($hint). Pass another device, or try pipelines/test-source.sh, which needs none."
fi
model="$(vkcnn_model "${2:-}")"
# shellcheck disable=SC2086  # VKCNN_SINK may carry properties: split it into words
exec gst-launch-1.0 v4l2src device="$device" ! videoconvert ! vkcnnclassify model="$model" \
  ! vkcnnoverlay show-fps=true ! videoconvert ! $vkcnn_sink
