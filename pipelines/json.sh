#!/usr/bin/env bash
# Classify every frame of a video file, as fast as it decodes, and keep only the results: one
# JSON object per frame ({"pts", "frame", "top": [{"id", "label", "score"}], ...}); nothing drawn.
#   pipelines/json.sh in.mp4 out.jsonl [model]
#     in.mp4     input video (anything GStreamer decodes)
#     out.jsonl  results, JSON lines
#     model      .vkcnn file (default models/fashion-mnist.vkcnn)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
in="$(vkcnn_input "${1:-}")"
[ -n "${2:-}" ] || vkcnn_usage
out="$2"
model="$(vkcnn_model "${3:-}")"
# The element reads NV12 and I420 itself: videoconvert only acts on other formats.
gst-launch-1.0 -q filesrc location="$in" ! decodebin ! videoconvert ! vkcnnclassify model="$model" \
  results-file="$out" top-k=3 ! fakesink sync=false
echo "$vkcnn_script: $(wc -l <"$out") frames classified, results in $out"
