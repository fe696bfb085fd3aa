#!/usr/bin/env bash
# The main job on the bundled clip: installs what is missing, builds, and
# runs cps-extract on assets/cps-demo.mp4, writing one safetensors file per
# 16-frame window and a preview video of the selection to
# cps-output/cps-demo/.  Other inputs: scripts/run-demo.sh FILE|URI [options]
set -eu
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
input=${1:-assets/cps-demo.mp4}
[ $# -gt 0 ] && shift
name=$(basename "${input%.*}")
out=cps-output/$name
build="$(cd "${BUILDDIR:-build}" && pwd)"
GST_PLUGIN_PATH="$build/gst" "$build/tools/cps-extract" "$input" \
  --output "$out" --preview "$out/preview.mp4" --overwrite "$@"
ls -l "$out"
