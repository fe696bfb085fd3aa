#!/usr/bin/env bash
# The four decode -> process combinations as plain launch lines.
#   bash pipelines/decode-process.sh [clip.mp4]
# Each runs where this machine can: NVIDIA decoding needs nvh264dec (gst-
# plugins-bad's nvcodec registers it only with a CUDA driver and GPU), GPU
# processing needs cps built with its CUDA path, GST_CPS_CUDA=1 (while that
# path is experimental) and a CUDA driver.  The others are skipped with the
# reason.  Uses the build tree's plugin (scripts/build.sh first).
set -eu
cd "$(dirname "$0")/.."
clip=${1:-assets/cps-demo.mp4}
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
cps="cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink"

has_nvdec() { gst-inspect-1.0 nvh264dec >/dev/null 2>&1; }
# Why cps cannot process CUDA memory here, or nothing.  The templates say
# what the build can do; the offer is decided when caps are negotiated.
no_cuda_cps() {
  if ! gst-inspect-1.0 cpsmotion 2>/dev/null | grep -q 'memory:CUDAMemory'; then
    echo "cps was built without its CUDA path"
  elif [ "${GST_CPS_CUDA:-}" != 1 ]; then
    echo "cps offers CUDA memory only with GST_CPS_CUDA=1 (experimental)"
  elif ! gst-inspect-1.0 cudaupload >/dev/null 2>&1; then
    echo "no CUDA driver (nvcodec registered no cudaupload)"
  fi
}

run() {
  echo "== $1"
  shift
  gst-launch-1.0 -q "$@" && echo "EOS"
}

# cpu -> cpu: software decoding, cps on the CPU
run "cpu->cpu" filesrc location="$clip" ! parsebin ! avdec_h264 ! $cps

# gpu -> cpu: NVDEC decodes and downloads (the system-memory caps ask for it)
if has_nvdec; then
  run "gpu->cpu" filesrc location="$clip" ! parsebin ! nvh264dec ! video/x-raw ! $cps
else
  echo "== gpu->cpu: SKIP no nvh264dec (no NVIDIA GPU or driver here)"
fi

# cpu -> gpu and gpu -> gpu: cps on CUDA memory
why=$(no_cuda_cps)
if [ -n "$why" ]; then
  echo "== cpu->gpu: SKIP $why"
  echo "== gpu->gpu: SKIP $why"
else
  run "cpu->gpu" filesrc location="$clip" ! parsebin ! avdec_h264 ! cudaupload ! $cps
  if has_nvdec; then
    run "gpu->gpu" filesrc location="$clip" ! parsebin ! nvh264dec ! $cps
  else
    echo "== gpu->gpu: SKIP no nvh264dec (no NVIDIA GPU or driver here)"
  fi
fi
