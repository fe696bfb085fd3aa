#!/usr/bin/env bash
# Regenerates assets/cps-pan-reference-vs-camera.png: the same frame of a
# panning clip as cpsviz draws it with each motion model, reference on the
# left and camera on the right (default parameters otherwise: 16-frame
# windows, k=512, 14x14 patches; selected patches bright and outlined, the
# rest darkened to 30 %).
#
# The panning clip is made here, like assets/cps-demo.mp4, from ffmpeg's own
# test sources (no third-party footage), and is not kept: a still of
# ffmpeg's `mandelbrot` source (a textured background with smooth areas)
# seen through a camera that pans right by 2.4 pixels per frame (a window
# moving 3 px per frame over the 1120x540 still, scaled by 0.8: a sub-pixel
# pan), with the `testsrc2` card moving over it as in cps-demo.mp4; 640x360,
# 25 fps, 48 frames, x264 CRF 18, GOP 16, no B-frames.  So frames 0, 16 and
# 32 are I-frames; the picture shows the middle frame, 24 (window 1, a
# P-frame), for both models.
#   bash assets/make-side-by-side.sh [FRAME]      (needs scripts/build.sh)
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
frame=${1:-24}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i \
  "mandelbrot=s=1120x540:start_x=-0.7436438870371587:start_y=-0.1318259042053:start_scale=0.004:maxiter=256:outer=normalized_iteration_count" \
  -frames:v 1 "$tmp/background.png"
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -loop 1 -framerate 25 -i "$tmp/background.png" \
  -f lavfi -i "testsrc2=s=112x112:r=25" -filter_complex \
  "[0]crop=800:450:x='3*n':y=45,scale=640:360:flags=bilinear[bg];
   [bg][1]overlay=x='40+t*120':y='120+80*sin(t*2)':shortest=1,format=yuv420p" \
  -frames:v 48 -c:v libx264 -preset medium -crf 18 -g 16 -bf 0 -threads 1 \
  -x264-params keyint=16:min-keyint=16:scenecut=0:bframes=0 "$tmp/pan.mp4"

for model in reference camera; do
  mkdir "$tmp/$model"
  # sampling is off (every frame processed), so the PNGs' index is frame_id
  gst-launch-1.0 -q filesrc location="$tmp/pan.mp4" ! decodebin ! \
    cpsmotion motion-model=$model ! tee name=frames ! queue ! cpsenergy ! \
    cpstopk ! queue ! viz.sink  frames. ! queue ! viz.video \
    cpsviz name=viz ! videoconvert ! pngenc ! \
    multifilesink location="$tmp/$model/%03d.png"
done

# side by side, the model's name under each half; a 256-colour palette
# keeps the file small
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$font" ] && font="fontfile=$font:" || font=""
label="${font}fontsize=20:fontcolor=white:x=10:y=h-27"
f=$(printf %03d "$frame")
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -i "$tmp/reference/$f.png" -i "$tmp/camera/$f.png" -filter_complex \
  "[0]pad=iw:ih+34:0:0:black,drawtext=${label}:text='motion-model=reference'[a];
   [1]pad=iw:ih+34:0:0:black,drawtext=${label}:text='motion-model=camera'[b];
   [a][b]hstack,split[s][p];[p]palettegen=stats_mode=single[pal];
   [s][pal]paletteuse=dither=none" \
  -frames:v 1 -update 1 assets/cps-pan-reference-vs-camera.png
echo "frame $frame"
