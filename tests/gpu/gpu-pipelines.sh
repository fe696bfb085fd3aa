#!/usr/bin/env bash
# On a GPU host (in the bundle: BUNDLE names it; else the build tree), the
# four decode -> process combinations on one clip, each writing its windows;
# then the tensors of every window compared byte for byte with cpu -> cpu.
# H.264 decoding is exact, so NVDEC and openh264 give the same frames, and
# the CUDA path must then give the same selection and patches.  TAP output.
set -u
if [ -n "${BUNDLE:-}" ]; then
  launch() { "$BUNDLE/run.sh" gst-launch-1.0 "$@"; }
  inspect() { "$BUNDLE/run.sh" gst-inspect-1.0 "$@"; }
  clip=${1:-$BUNDLE/media/cps-demo.mp4}
else
  cd "$(dirname "$0")/../.."
  export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
  launch() { gst-launch-1.0 "$@"; }
  inspect() { gst-inspect-1.0 "$@"; }
  clip=${1:-assets/cps-demo.mp4}
fi
export GST_CPS_CUDA=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cps="cpsmotion ! cpsenergy ! cpstopk"
declare -A pipe=(
  [cpu-cpu]="openh264dec ! video/x-raw ! $cps"
  [gpu-cpu]="nvh264dec ! video/x-raw ! $cps"
  [cpu-gpu]="openh264dec ! cudaupload ! $cps"
  [gpu-gpu]="nvh264dec ! $cps"
)
# the tensors of a safetensors file: everything after the header
data() {
  local n
  n=$(od -An -t u8 -N8 "$1" | tr -d ' ')
  tail -c +$((8 + n + 1)) "$1"
}
echo "1..4"
i=0
for combo in cpu-cpu gpu-cpu cpu-gpu gpu-gpu; do
  i=$((i + 1))
  mkdir -p "$tmp/$combo"
  out=$(launch -q filesrc location="$clip" ! qtdemux ! h264parse ! ${pipe[$combo]} ! \
    cpspatchsink location="$tmp/$combo/w-%05d.safetensors" 2>&1)
  files=$(ls "$tmp/$combo" | wc -l)
  if [ "$files" -eq 0 ]; then
    echo "not ok $i $combo: no windows"
    printf '%s\n' "$out" | head -20 | sed 's/^/# /'
    continue
  fi
  same=0
  for f in "$tmp/cpu-cpu"/*; do
    cmp -s <(data "$f") <(data "$tmp/$combo/$(basename "$f")") && same=$((same + 1))
  done
  ref=$(ls "$tmp/cpu-cpu" | wc -l)
  if [ "$files" -eq "$ref" ] && [ "$same" -eq "$ref" ]; then
    echo "ok $i $combo: $files windows, tensors identical to cpu-cpu"
  else
    echo "not ok $i $combo: $files windows, $same of $ref identical to cpu-cpu"
  fi
done
