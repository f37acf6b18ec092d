#!/usr/bin/env bash
# Classify a video file, or GStreamer's test picture, and send every frame's labels to an MQTT
# broker as JSON: decodebin | videotestsrc -> vkcnnclassify -> vkcnnpublish -> fakesink.
#   pipelines/mqtt.sh in.mp4|test [host:port] [topic] [model]
#     in.mp4     input video (anything GStreamer decodes), or "test" for the test picture
#     host:port  the broker (default localhost:1883)
#     topic      where the messages go (default vkcnn/<stream-id>; one per camera, e.g. vkcnn/site-a/cam1)
#     model      .vkcnn file (default models/fashion-mnist.vkcnn)
# Environment: VKCNN_NUM_BUFFERS (frames of the test picture, default 300), VKCNN_PUBLISH_ARGS
# (more vkcnnpublish properties, e.g. "qos=0" or "username=cam1 password-file=/etc/vkcnn/mqtt-pw"),
# VKCNN_BUILD_DIR (see pipelines/common.sh). Watch the labels with pipelines/examples/mqtt_labels.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -n "${1:-}" ] || vkcnn_usage
if [ "$1" = test ]; then
  source=(videotestsrc pattern=ball num-buffers="${VKCNN_NUM_BUFFERS:-300}" ! "video/x-raw,width=320,height=240")
else
  source=(filesrc location="$(vkcnn_input "$1")" ! decodebin)
fi
address="${2:-localhost:1883}"
topic=()
[ -z "${3:-}" ] || topic=(topic="$3")
model="$(vkcnn_model "${4:-}")"
# -m prints the element's summary message at EOS; errors and warnings go to stderr as they come.
# shellcheck disable=SC2086  # VKCNN_PUBLISH_ARGS holds properties: split it into words
out="$(gst-launch-1.0 -m "${source[@]}" ! videoconvert ! vkcnnclassify model="$model" top-k=3 \
  ! vkcnnpublish address="$address" "${topic[@]}" ${VKCNN_PUBLISH_ARGS:-} ! fakesink sync=false)" ||
  vkcnn_die "the pipeline failed (see above)"
summary="$(grep -o 'vkcnnpublish-summary, .*' <<<"$out" | tail -n 1)"
field() { sed -n "s/.* $1=([a-z0-9]*)\([a-z0-9]*\).*/\1/p" <<<"$summary"; }
echo "$vkcnn_script: $(field sent) messages sent to $address (queued $(field queued), dropped $(field dropped)," \
  "reconnects $(field reconnects))"
