#!/usr/bin/env bash
# Regenerates assets/cps-demo-selection.png, the README's picture: one
# frame of the bundled clip (left) next to what cpsviz draws of the same
# frame's selection (right; selected patches bright, earlier ones dimmed).
# Default parameters: 16-frame windows, k=512, 14x14 patches.
#   bash assets/make-preview-image.sh [FRAME]     (needs scripts/build.sh)
set -eu
cd "$(dirname "$0")/.."
frame=${1:-40}
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size="width=616,height=336"   # the 308x168 canvas, doubled
gst-launch-1.0 -q compositor name=mix sink_1::xpos=624 background=white ! \
  videoconvert ! pngenc ! multifilesink location="$tmp/%03d.png" \
  filesrc location=assets/cps-demo.mp4 ! decodebin ! tee name=t \
  t. ! queue max-size-buffers=64 ! videoconvert ! videoscale ! \
    video/x-raw,format=RGB,$size ! mix.sink_0 \
  t. ! queue ! cpsmotion ! cpsenergy ! cpstopk ! cpsviz ! \
    videoscale method=nearest-neighbour ! video/x-raw,$size ! mix.sink_1
cp "$tmp/$(printf %03d "$frame").png" assets/cps-demo-selection.png
