#!/usr/bin/env bash
# Regenerates assets/cps-demo.mp4, the project's own default clip: a moving,
# changing test-card box over a static gradient background (no third-party
# footage), 640x360, 25 fps, 100 frames, H.264 High with B-frames and a
# key frame every 32 frames.
set -eu
cd "$(dirname "$0")"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "gradients=s=640x360:d=4:r=25:speed=0.00001:seed=7" \
  -f lavfi -i "testsrc2=s=112x112:d=4:r=25" \
  -filter_complex "[0][1]overlay=x='40+t*120':y='120+80*sin(t*2)',format=yuv420p" \
  -c:v libx264 -profile:v high -preset medium -crf 28 -g 32 -keyint_min 32 \
  -sc_threshold 0 -bf 2 -movflags +faststart cps-demo.mp4
