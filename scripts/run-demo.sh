#!/usr/bin/env bash
# The main job on the bundled clip: installs what is missing, builds, and
# selects the top 512 patches of every 16-frame window of
# assets/cps-demo.mp4, printing one line per window.
set -eu
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
input=${1:-assets/cps-demo.mp4}
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
gst-launch-1.0 filesrc location="$input" ! parsebin ! avdec_h264 ! \
  cpsmotion ! cpsenergy ! cpstopk k=512 ! fakesink silent=false -v |
  sed -n 's/.*chain   \*\*\*\*\*\*\* (fakesink0:sink) (\([0-9]*\) bytes, dts: none, pts: \([0-9:.]*\), duration: \([0-9:.]*\), offset: \([0-9]*\).*/window \4: pts \2 +\3, \1 bytes of bf16 patches/p'
