#!/usr/bin/env bash
# Decode-only vs the full pipeline for each of the four decode -> process
# combinations, on one clip, in one run (runs alternate; medians).
#   bash tests/bench/bench-gpu.sh [clip] [runs]
# Also runs inside the GPU bundle (tests/gpu/make-bundle.sh), where BUNDLE
# names the bundle and its own GStreamer is used.  A combination this host
# cannot run is reported as skipped, with the reason.
set -u
if [ -n "${BUNDLE:-}" ]; then
  launch() { "$BUNDLE/run.sh" gst-launch-1.0 "$@"; }
  inspect() { "$BUNDLE/run.sh" gst-inspect-1.0 "$@"; }
  default_clip="$BUNDLE/media/demo.mp4"
  [ -f "$default_clip" ] || default_clip="$BUNDLE/media/cps-demo.mp4"
else
  cd "$(dirname "$0")/../.."
  export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
  launch() { gst-launch-1.0 "$@"; }
  inspect() { gst-inspect-1.0 "$@"; }
  default_clip=../shared/media/demo.mp4
  [ -f "$default_clip" ] || default_clip=assets/cps-demo.mp4
fi
clip=${1:-$default_clip}
runs=${2:-5}
frames=$(launch filesrc location="$clip" ! parsebin ! fakesink silent=false -v 2>&1 |
  grep -c 'chain   \*\*\*')

# wall time of the PLAYING phase, from gst-launch's own report
seconds() {
  launch $1 2>&1 | sed -n 's/^Execution ended after \([0-9]*\):\([0-9]*\):\([0-9.]*\)$/\1 \2 \3/p' |
    awk '{ printf "%.4f", $1 * 3600 + $2 * 60 + $3 }'
}
has() { inspect "$1" >/dev/null 2>&1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# the CUDA path is offered with GST_CPS_CUDA=1 while it is experimental
cuda_cps() { inspect cpsmotion 2>/dev/null | grep -q 'memory:CUDAMemory'; }
src="filesrc location=$clip ! parsebin"
# the CPU decoder: avdec_h264, or openh264dec where libav is absent (bundle)
cpudec=avdec_h264
has avdec_h264 || cpudec=openh264dec
cps="cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink max-buffers=1 drop=true"

# bench NAME DECODE-ONLY FULL
bench() {
  local d=() f=() dm fm
  for _ in $(seq "$runs"); do
    d+=("$(seconds "$2")")
    f+=("$(seconds "$3")")
  done
  dm=$(median "${d[@]}")
  fm=$(median "${f[@]}")
  if [ -z "$dm" ] || [ -z "$fm" ]; then
    echo "$1: FAILED (a pipeline did not run; try it with gst-launch-1.0)"
    return
  fi
  awk -v name="$1" -v n="$frames" -v d="$dm" -v f="$fm" 'BEGIN {
    printf "%s: decode-only %.1f fps, full %.1f fps, ratio %.3f (processing adds %.1f%%)\n",
      name, n / d, n / f, d / f, 100 * (f - d) / d }'
}

echo "clip: $clip ($frames frames), $runs runs each"
bench "cpu->cpu" "$src ! $cpudec ! fakesink" "$src ! $cpudec ! $cps"
if has nvh264dec; then
  bench "gpu->cpu" "$src ! nvh264dec ! video/x-raw ! fakesink" \
    "$src ! nvh264dec ! video/x-raw ! $cps"
else
  echo "gpu->cpu: SKIP no nvh264dec (no NVIDIA GPU or driver)"
fi
if ! cuda_cps; then
  echo "cpu->gpu: SKIP cps was built without its CUDA path"
  echo "gpu->gpu: SKIP cps was built without its CUDA path"
elif [ "${GST_CPS_CUDA:-}" != 1 ]; then
  # every CUDA build's templates list the feature; the offer needs this
  echo "cpu->gpu: SKIP cps offers CUDA memory only with GST_CPS_CUDA=1"
  echo "gpu->gpu: SKIP cps offers CUDA memory only with GST_CPS_CUDA=1"
else
  if has cudaupload; then
    bench "cpu->gpu" "$src ! $cpudec ! cudaupload ! fakesink" \
      "$src ! $cpudec ! cudaupload ! $cps"
  else
    echo "cpu->gpu: SKIP no cudaupload (no NVIDIA GPU or driver)"
  fi
  if has nvh264dec; then
    bench "gpu->gpu" "$src ! nvh264dec ! fakesink" "$src ! nvh264dec ! $cps"
  else
    echo "gpu->gpu: SKIP no nvh264dec"
  fi
fi
