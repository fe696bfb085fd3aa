#!/usr/bin/env bash
# The README's demo command and the example launch lines in pipelines/
# really run.  TAP output.
set -u
cd "$(dirname "$0")/.."
echo "1..2"

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
if [ $rc -eq 0 ] && [ "$ended" -eq 4 ] && ! printf '%s\n' "$out" | grep -q '^ERROR'; then
  echo "ok 2 cpu-pipelines.sh: 4 pipelines reached EOS"
else
  echo "not ok 2 cpu-pipelines.sh: rc $rc, $ended of 4 reached EOS"
  printf '%s\n' "$out" | sed 's/^/# /'
fi
