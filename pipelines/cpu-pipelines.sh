#!/usr/bin/env bash
# Runnable example launch lines for the CPU path.
#   bash pipelines/cpu-pipelines.sh [clip.mp4]
# Uses the build tree's plugin; run scripts/build.sh first.
set -eux
cd "$(dirname "$0")/.."
clip=${1:-assets/cps-demo.mp4}
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"

# The default chain: every frame, windows of 16, 512 bf16 patches each.
gst-launch-1.0 filesrc location="$clip" ! qtdemux ! h264parse ! avdec_h264 ! \
  cpsmotion ! cpstopk k=512 ! cpspatchsink

# Tuned fusion, fp16 output, 2x2 blocks, static fallback.
gst-launch-1.0 filesrc location="$clip" ! qtdemux ! h264parse ! avdec_h264 ! \
  cpsmotion ! cpsenergy percentile=90 motion-weight=0.3 residual-weight=0.7 ! \
  cpstopk k=1024 dtype=fp16 selection-unit=block2x2 static-fallback=true ! \
  cpspatchsink

# The reference's semantics: 16 frames sampled uniformly over the file.
gst-launch-1.0 filesrc location="$clip" ! qtdemux ! h264parse ! avdec_h264 ! \
  cpsmotion sampling=uniform sampling-frames=16 ! cpstopk ! cpspatchsink

# Decoding in parallel with processing (a queue decouples the threads).
gst-launch-1.0 filesrc location="$clip" ! parsebin ! avdec_h264 ! queue ! \
  cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink

# A dataset on disk: one safetensors file per window.
mkdir -p cps-output/pipelines
gst-launch-1.0 filesrc location="$clip" ! decodebin ! cpsmotion ! cpsenergy ! \
  cpstopk ! cpspatchsink location=cps-output/pipelines/window-%05d.safetensors

# What was selected, as a video (patches bright, the rest dimmed).
gst-launch-1.0 filesrc location="$clip" ! decodebin ! cpsmotion ! cpsenergy ! \
  cpstopk ! cpsviz ! videoconvert ! video/x-raw,format=I420 ! x264enc ! \
  h264parse ! mp4mux ! \
  filesink location=cps-output/pipelines/selection.mp4
