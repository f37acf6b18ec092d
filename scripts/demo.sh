#!/usr/bin/env bash
# README command 1: install what is missing (Debian 12 packages), build into build/, then run the
# demo: a clip of Fashion-MNIST test images goes through vkcnnclassify + vkcnnoverlay with
# models/fashion-mnist.vkcnn into demo-out.mp4 and demo-snapshot.png (in the current directory),
# and the number of frames classified correctly is printed. Headless; with a display it also
# plays the video. Details and settings: scripts/demo-run.sh.
#   scripts/demo.sh [model]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VKCNN_BUILD_DIR="${VKCNN_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" "$VKCNN_BUILD_DIR"
exec "$root/scripts/demo-run.sh" "$@"
