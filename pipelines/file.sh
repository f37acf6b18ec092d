#!/usr/bin/env bash
# A video file in, the same video with its labels drawn on it out: decodebin (anything GStreamer
# reads) -> vkcnnclassify -> vkcnnoverlay -> x264enc -> mp4mux. Audio is dropped.
#   pipelines/file.sh in.mp4 out.mp4 [model]
#     in.mp4   input video (any container/codec the installed GStreamer plugins decode)
#     out.mp4  output, H.264 in MP4
#     model    .vkcnn file (default models/fashion-mnist.vkcnn)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
in="$(vkcnn_input "${1:-}")"
[ -n "${2:-}" ] || vkcnn_usage
out="$2"
model="$(vkcnn_model "${3:-}")"
# -e: Ctrl-C still finishes the MP4 (mp4mux writes its index at end of stream).
gst-launch-1.0 -e filesrc location="$in" ! decodebin ! videoconvert ! vkcnnclassify model="$model" \
  ! vkcnnoverlay ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=faster ! mp4mux \
  ! filesink location="$out"
echo "$vkcnn_script: wrote $out"
