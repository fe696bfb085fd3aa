#!/usr/bin/env bash
# cps-extract from the outside: outputs, options, exit status and messages;
# and the C embedding example.  TAP output.
set -u
cd "$(dirname "$0")/.."
build=$(cd "${BUILDDIR:-build}" && pwd)
extract="$build/tools/cps-extract"
clip=assets/cps-demo.mp4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# report NAME CONDITION-RESULT [DETAILS]
report() {
  n=$((n + 1))
  if [ "$2" -eq 0 ]; then
    echo "ok $n $1"
  else
    echo "not ok $n $1"
    failed=1
    [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
  fi
}

# expect_failure NAME EXPECTED-STATUS MESSAGE-REGEX ARGS...: the run fails
# with that status and one "cps-extract: error:" line matching the regex.
expect_failure() {
  local name=$1 status=$2 regex=$3 out rc
  shift 3
  out=$("$extract" "$@" 2>&1)
  rc=$?
  [ $rc -eq "$status" ] && [ "$(printf '%s\n' "$out" | grep -c '^cps-extract: error:')" -eq 1 ] &&
    printf '%s\n' "$out" | grep -Eq "^cps-extract: error: .*$regex"
  report "$name" $? "rc $rc: $out"
}

echo "1..16"

# 1-3: the main job on the bundled clip, with a preview
out=$("$extract" "$clip" -o "$tmp/demo" --preview "$tmp/demo/preview.mp4" 2>&1)
rc=$?
files=$(ls "$tmp/demo" | grep -c '^window-0000[0-6]\.safetensors$')
report "bundled clip: exit 0 and 7 window files" \
  $([ $rc -eq 0 ] && [ "$files" -eq 7 ]; echo $?) "rc $rc, $files files: $out"
printf '%s\n' "$out" | grep -Eq '^cps-extract: 100 frames decoded \(avdec_h264\), 100 processed, 7 windows, 3584 patches in [0-9.]+ s \([0-9.]+ fps\)$'
report "summary line: frames decoded and processed, windows, patches, time" $? "$out"
frames=$(ffprobe -v error -count_frames -select_streams v:0 \
  -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$tmp/demo/preview.mp4" 2>&1)
leftovers=$(find "$tmp/demo" -name '*.partial' | wc -l)
# cpsviz draws over the source frames (640x360, under its max-width)
report "preview.mp4: 100 frames of 640x360, no .partial file left" \
  $([ "$frames" = "640,360,100" ] && [ "$leftovers" -eq 0 ]; echo $?) "ffprobe: $frames, leftovers: $leftovers"

# 4: a second run into the same directory is refused, --overwrite replaces
expect_failure "existing window files are not mixed with a new run" 1 \
  "already holds window files.*--overwrite" "$clip" -o "$tmp/demo" -q
"$extract" -q --overwrite --max-windows 2 "$clip" -o "$tmp/demo" 2>/dev/null
left=$(ls "$tmp/demo" | grep -c 'safetensors$')
report "--overwrite replaces the old windows; --max-windows 2 writes exactly 2" \
  $([ "$left" -eq 2 ]; echo $?) "$left files"

# 6: element options reach the elements (same names as the properties); with
# uniform sampling only the GOPs holding sampled frames are decoded (98 of 100)
summary=$("$extract" -q --decode cpu --sequence-length 25 --k 64 --dtype u8 --sampling uniform \
  --sampling-frames 50 --search-radius 2 --percentile 90 "$clip" -o "$tmp/opts" 2>&1)
header=$(head -c 4096 "$tmp/opts/window-00001.safetensors" | tail -c +9)
count=$(ls "$tmp/opts" | wc -l)
printf '%s' "$header" | grep -q '"n_frames":"25","k":"64","n_patches":"64"' &&
  printf '%s' "$header" | grep -q 'sampling=uniform sampling-frames=50' &&
  printf '%s' "$header" | grep -q 'search-radius=2 ' &&
  printf '%s' "$header" | grep -q 'percentile=90 ' &&
  printf '%s' "$header" | grep -q '"patches":{"dtype":"U8","shape":\[64,3,14,14\]' &&
  [ "$count" -eq 2 ] &&
  printf '%s\n' "$summary" | grep -q '^cps-extract: [0-9]* frames decoded (avdec_h264), 50 processed, 2 windows, 128 patches'
report "options set the element properties (--decode cpu, 2 windows of 25 sampled frames, k=64, u8)" $? "$count files; $summary; $header"

# 7-13: errors: one clear message and a non-zero status
expect_failure "missing file" 1 "/nonexistent/clip.mp4: no such file" /nonexistent/clip.mp4 -o "$tmp/x"
head -c 65536 /dev/urandom >"$tmp/random.mp4"
expect_failure "random bytes named .mp4" 1 "random.mp4: Could not determine type of stream" "$tmp/random.mp4" -o "$tmp/r"
: >"$tmp/empty.mp4"
expect_failure "zero-byte file" 1 "empty.mp4: " "$tmp/empty.mp4" -o "$tmp/e"
expect_failure "out-of-range option" 2 "--k: 0 is out of range \(1-" --k 0 "$clip"
expect_failure "invalid enum option" 2 '--dtype: "int4" is not valid \(expected bf16\|fp16\|fp32\|u8\)' --dtype int4 "$clip"
expect_failure "unknown option" 2 "Unknown option --frobnicate" --frobnicate "$clip"
expect_failure "unsupported preview format" 2 "--preview x.gif: unsupported extension" --preview x.gif "$clip"

# 14: a requested GPU that is not there
if gst-inspect-1.0 nvh264dec >/dev/null 2>&1; then
  echo "ok $((n += 1)) --decode gpu without a GPU # SKIP nvh264dec is available here"
else
  expect_failure "--decode gpu without a GPU" 2 "--decode gpu: no NVIDIA decoder is available" --decode gpu "$clip"
fi

# 15: plain progress lines when stderr is not a terminal
out=$("$extract" --progress-interval 0.01 --input-size 448 "$clip" -o "$tmp/p" 2>&1 >/dev/null)
printf '%s\n' "$out" | grep -Eq '^cps-extract: [0-9]+/100 frames \([0-9]+%\), [0-9.]+ fps, [0-9]+ windows$'
report "progress lines: frames/total, fps, windows" $? "$out"

# 16: the C example reads the meta through the cps-1.0 library
out=$("$build/pipelines/cps-read" "$clip" 2>&1)
rc=$?
lines=$(printf '%s\n' "$out" | grep -Ec '^window [0-6]: frames [0-9]+-[0-9]+ \((16|4)\), pts [0-9:.]+, 512 patches of 14x14 bf16 \(602112 bytes\) from [0-9]+ frames, [0-9]+ from I-frames, mean score [0-9.]+, grid 12x22$')
report "pipelines/cps-read prints 7 windows" $([ $rc -eq 0 ] && [ "$lines" -eq 7 ]; echo $?) "$out"

exit $failed
