#!/usr/bin/env bash
# The demo proper, on a built tree (scripts/demo.sh builds first, then runs this):
#   1. vkcnn-clip makes a clip of Fashion-MNIST test images (lossless PNG frames, upscaled without
#      interpolation) and writes their true labels;
#   2. the clip goes through vkcnnclassify (results-file: one JSON line per frame) and vkcnnoverlay
#      into an H.264 MP4; a second, one-frame run of the same chain writes a snapshot PNG;
#   3. vkcnn-clip score compares the per-frame labels with the true ones and prints the accuracy;
#   4. with a display (DISPLAY or WAYLAND_DISPLAY set), the video is played in a window.
#   scripts/demo-run.sh [model]        (default models/fashion-mnist.vkcnn)
# Environment (defaults in brackets):
#   VKCNN_BUILD_DIR [<repo>/build]  VKCNN_DEMO_OUT [.]: where demo-out.mp4, demo-out.jsonl and
#   demo-snapshot.png go  VKCNN_DEMO_CLIP [<build>/demo-clip]  VKCNN_DEMO_IMAGES [200]
#   VKCNN_DEMO_SCALE [12]: 28 x scale pixels per side  VKCNN_DEMO_FPS [4]  VKCNN_DEMO_SHOW [1]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../pipelines/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../pipelines" && pwd)/common.sh"
model="$(vkcnn_model "${1:-}")"
out="${VKCNN_DEMO_OUT:-.}"
clip="${VKCNN_DEMO_CLIP:-$vkcnn_build/demo-clip}"
images="${VKCNN_DEMO_IMAGES:-200}"
scale="${VKCNN_DEMO_SCALE:-12}"
fps="${VKCNN_DEMO_FPS:-4}"
tool="$vkcnn_build/tools/vkcnn-clip"
[ -x "$tool" ] || vkcnn_die "$tool is not built (run scripts/setup.sh)"
mkdir -p "$out"

rm -rf "$clip"
"$tool" make --data /usr/share/datasets/fashion-mnist --count "$images" --scale "$scale" --out "$clip"

# The frames are square; videobox adds a black square on their left, where the overlay draws, so
# the labels never hide the garment. The meta rides along through videobox (it has no tags).
chain=(pngdec ! videoconvert ! vkcnnclassify model="$model")
# The labels get the whole black square: text a bit larger than the overlay's default for this height.
font=$(awk "BEGIN { print 28 * $scale / 400 }")
draw=(videobox left=-$((28 * scale)) fill=black ! vkcnnoverlay top-k=3 font-scale="$font")
echo "demo: classifying $images frames with $model"
gst-launch-1.0 -q -e multifilesrc location="$clip/frame-%05d.png" caps="image/png,framerate=$fps/1" \
  ! "${chain[@]}" results-file="$out/demo-out.jsonl" ! "${draw[@]}" show-fps=true \
  ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=faster ! mp4mux \
  ! filesink location="$out/demo-out.mp4"
gst-launch-1.0 -q multifilesrc location="$clip/frame-%05d.png" index=0 stop-index=0 caps="image/png,framerate=$fps/1" \
  ! "${chain[@]}" ! "${draw[@]}" ! videoconvert ! pngenc ! filesink location="$out/demo-snapshot.png"
echo "demo: wrote $out/demo-out.mp4, $out/demo-out.jsonl (labels per frame), $out/demo-snapshot.png"

echo -n "demo: "
"$tool" score --truth "$clip/truth.csv" --results "$out/demo-out.jsonl"

if [ "${VKCNN_DEMO_SHOW:-1}" = 1 ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: playing $out/demo-out.mp4 (close the window to finish)"
  gst-launch-1.0 -q playbin uri="file://$(cd "$out" && pwd)/demo-out.mp4" || true
fi
