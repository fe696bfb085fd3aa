#!/usr/bin/env bash
# The README's demo command and the example launch lines in pipelines/
# really run.  TAP output.
set -u
cd "$(dirname "$0")/.."
echo "1..3"

# README: scripts/run-demo.sh writes the dataset of the bundled 100-frame
# clip (6 full windows of 16 and one of 4) and its preview video.
out=$(bash scripts/run-demo.sh 2>&1)
rc=$?
windows=$(ls cps-output/cps-demo 2>/dev/null | grep -c '^window-0000[0-6]\.safetensors$')
if [ $rc -eq 0 ] && [ "$windows" -eq 7 ] && [ -s cps-output/cps-demo/preview.mp4 ] &&
  printf '%s\n' "$out" | grep -q '^cps-extract: 100 frames decoded .* 7 windows, 3584 patches'; then
  echo "ok 1 run-demo.sh: 7 window files and preview.mp4 in cps-output/cps-demo"
else
  echo "not ok 1 run-demo.sh: rc $rc, $windows window files"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

# pipelines/cpu-pipelines.sh: every launch line ends at EOS, no error
out=$(bash pipelines/cpu-pipelines.sh 2>&1)
rc=$?
ended=$(printf '%s\n' "$out" | grep -c '^Got EOS from element')
files=$(ls cps-output/pipelines 2>/dev/null | grep -c '^window-0000[0-6]\.safetensors$')
if [ $rc -eq 0 ] && [ "$ended" -eq 6 ] && [ "$files" -eq 7 ] &&
  [ -s cps-output/pipelines/selection.mp4 ] && ! printf '%s\n' "$out" | grep -q '^ERROR'; then
  echo "ok 2 cpu-pipelines.sh: 6 pipelines reached EOS, 7 window files, selection.mp4"
else
  echo "not ok 2 cpu-pipelines.sh: rc $rc, $ended of 6 reached EOS, $files files"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

# pipelines/decode-process.sh: cpu->cpu runs; the others run or say why not
err=$(mktemp)
out=$(bash pipelines/decode-process.sh 2>"$err")
rc=$?
done_or_skipped=$(printf '%s\n' "$out" | grep -Ec '^(EOS|== [a-z]+->[a-z]+: SKIP .+)$')
if [ $rc -eq 0 ] && printf '%s\n' "$out" | head -2 | grep -q '^EOS$' && [ "$done_or_skipped" -eq 4 ]; then
  echo "ok 3 decode-process.sh: cpu->cpu reached EOS, each other combination ran or gave its reason"
else
  echo "not ok 3 decode-process.sh: rc $rc"
  printf '%s\n' "$out" "$(grep -v GST_TRACER "$err")" | sed 's/^/# /'
fi
rm -f "$err"
