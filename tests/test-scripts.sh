#!/usr/bin/env bash
# The README's demo command and the example launch lines in pipelines/
# really run.  TAP output.
set -u
cd "$(dirname "$0")/.."
echo "1..2"

# README: scripts/run-demo.sh prints one line per window of the bundled
# 100-frame clip: 6 full windows of 16 and one of 4.
out=$(bash scripts/run-demo.sh 2>&1)
windows=$(printf '%s\n' "$out" | grep -c '^window [0-9]*: pts .* bytes of bf16 patches$')
if [ "$windows" -eq 7 ]; then
  echo "ok 1 run-demo.sh: 7 windows"
else
  echo "not ok 1 run-demo.sh: $windows windows, expected 7"
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
