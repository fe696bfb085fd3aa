#!/usr/bin/env bash
# valgrind memcheck on a CI-affordable subset: the algorithm and element
# tests (constructed frames, every element), and full pipelines decoding a
# real clip through cps to files and to cpsviz.  The pipelines decode with
# openh264dec: libav's H.264 decoder hands out frames valgrind believes
# partly uninitialised (plain avdec_h264 ! videoconvert ! pngenc reports the
# same), which would drown anything of ours.  Any memcheck error fails.
# TAP output.
set -u
cd "$(dirname "$0")/.."
build=$(cd "${BUILDDIR:-build}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GST_PLUGIN_PATH="$build/gst" CK_FORK=no
# the leaks tracer is for the other tests; under valgrind it only slows
unset GST_TRACERS GST_DEBUG
vg=(valgrind -q --suppressions=tests/valgrind.supp --error-exitcode=99 --num-callers=20)
clip=assets/cps-demo.mp4
n=0
failed=0

# vg_run NAME COMMAND...: memcheck-clean and exit 0
vg_run() {
  local name=$1 rc
  shift
  n=$((n + 1))
  "${vg[@]}" "$@" >"$tmp/out" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then echo "ok $n valgrind: $name"; else
    echo "not ok $n valgrind: $name (exit $rc)"
    failed=1
    grep -E '^==[0-9]+==' "$tmp/out" | head -40 | sed 's/^/# /'
  fi
}

echo "1..6"
if ! command -v valgrind >/dev/null; then
  for i in 1 2 3 4 5 6; do echo "ok $i # SKIP valgrind is not installed"; done
  exit 0
fi
vg_run "algorithm tests" "$build/tests/test_algo"
vg_run "element tests" "$build/tests/test_elements"
mkdir -p "$tmp/windows"
vg_run "filesrc ! openh264dec ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink location=…" \
  gst-launch-1.0 -q filesrc location=$clip ! qtdemux ! h264parse ! openh264dec ! \
  cpsmotion ! cpsenergy ! cpstopk dtype=fp16 ! cpspatchsink location="$tmp/windows/w-%03d.safetensors"
vg_run "… ! cpstopk selection-unit=block2x2 static-fallback=true ! cpsviz ! fakesink" \
  gst-launch-1.0 -q filesrc location=$clip ! qtdemux ! h264parse ! openh264dec ! \
  cpsmotion sampling=uniform sampling-frames=20 ! cpstopk selection-unit=block2x2 \
  static-fallback=true k=256 ! cpsviz ! fakesink
# cps-extract's error paths (its decoding is avdec's, see above)
n=$((n + 1))
"${vg[@]}" "$build/tools/cps-extract" -q /nonexistent.mp4 >"$tmp/out" 2>&1
rc1=$?
"${vg[@]}" "$build/tools/cps-extract" -q --k 0 $clip >>"$tmp/out" 2>&1
rc2=$?
if [ $rc1 -eq 1 ] && [ $rc2 -eq 2 ]; then echo "ok $n valgrind: cps-extract error paths"; else
  echo "not ok $n valgrind: cps-extract error paths (exit $rc1, $rc2)"
  failed=1
  grep -E '^==[0-9]+==' "$tmp/out" | head -40 | sed 's/^/# /'
fi
if [ "$(ls "$tmp/windows" | grep -c '^w-00[0-6]\.safetensors$')" -eq 7 ]; then
  echo "ok 6 the pipeline under valgrind wrote all 7 windows"
else
  echo "not ok 6 the pipeline under valgrind wrote: $(ls "$tmp/windows")"
  failed=1
fi
exit $failed
