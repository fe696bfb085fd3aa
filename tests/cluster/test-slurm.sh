#!/usr/bin/env bash
# cps — cps-extract's dataset mode as a Slurm job array on a real
# single-node Slurm cluster (Debian's slurm-wlm and munge, configured in a
# temporary directory and stopped at the end: slurm-lib.sh), against one
# local run over the same manifest, also after a scancel and a requeue
# midway.  TAP output.  Skips, saying why, when
# not root or when the cluster cannot start.
#
# By hand, from the repository root, as root, after a build:
#   bash tests/cluster/test-slurm.sh            (BUILDDIR=build by default)
#   SLURM_KEEP=1 bash tests/cluster/test-slurm.sh   keeps the temp dir (logs)
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILDDIR:-$ROOT/build}
EXTRACT=$BUILD/tools/cps-extract
MEDIA=${CPS_MEDIA_DIR:-$ROOT/../shared/media}
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$BUILD/gst}
# short clips: 19, 109, 153 and 115 frames, four containers/streams
CLIPS=(talkinghead_office_1280x720_baseline.h264 people_asl_book_640x480.mkv
       sports_baseball_640x360.mp4 demo.mp4)
OPTIONS=(--decode cpu --max-windows 1)

# shellcheck source=slurm-lib.sh
source "$HERE/slurm-lib.sh"

n=0
failed=0
results=()
ok() { n=$((n + 1)); results+=("ok $n $1"); }
not_ok() {
  n=$((n + 1)); failed=1
  results+=("not ok $n $1" "$(printf '%s\n' "$2" | sed 's/^/# /')")
}
skip() { n=$((n + 1)); results+=("ok $n $1 # SKIP $2"); }
finish() {
  echo "1..$n"
  printf '%s\n' "${results[@]}"
}

if ! slurm_up; then
  reason=${SLURM_UP_ERROR%%$'\n'*}
  echo "1..0 # SKIP no Slurm cluster here: $reason"
  printf '%s\n' "$SLURM_UP_ERROR" | tail -n +2 | sed 's/^/# /'
  slurm_down
  exit 0
fi
WORK=$SLURM_TMP/work
mkdir -p "$WORK"
trap 'slurm_down' EXIT
trap 'exit 143' TERM INT   # so that the EXIT trap stops the cluster
echo "# cluster up in $SLURM_TMP: $(sinfo -h -o '%P %a %D %T %c CPUs %N')"

# 1. a trivial array job: both tasks run, each knows its index and count
t_trivial() {
  local out
  out=$(timeout 120 sbatch --array=0-1 --wait --chdir="$WORK" -o "$WORK/trivial-%a.out" \
    --wrap 'echo "task $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT as $(id -un)"' 2>&1) ||
    { not_ok "a trivial 2-task array job runs" "sbatch --wait failed: $out"; return; }
  local got
  got=$(cat "$WORK"/trivial-0.out "$WORK"/trivial-1.out 2>&1)
  if [ "$got" = $'task 0/2 as root\ntask 1/2 as root' ]; then
    ok "a trivial 2-task array job runs (sbatch --array=0-1 --wait)"
  else
    not_ok "a trivial 2-task array job runs" "outputs: $got"
  fi
}
t_trivial

# 2. the dataset, as a 2-task array, equals one local run
compare_datasets() {  # A B: prints the differences, returns 1 if any
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, os, sys
a, b = sys.argv[1:3]
def files(root):
    out = {}
    for d, _, names in os.walk(root):
        for name in names:
            rel = os.path.relpath(os.path.join(d, name), root)
            if name == ".cps-index.lock":
                continue                      # the lock file, empty
            out[rel] = os.path.join(d, name)
    return out
fa, fb = files(a), files(b)
bad = []
if set(fa) != set(fb):
    bad.append(f"files only in the Slurm run: {sorted(set(fa) - set(fb))}; "
               f"only in the local run: {sorted(set(fb) - set(fa))}")
for rel in sorted(set(fa) & set(fb)):
    if rel.endswith(".safetensors"):
        if open(fa[rel], "rb").read() != open(fb[rel], "rb").read():
            bad.append(f"{rel} differs")
    elif rel.endswith(".cps-extract-done"):
        ja, jb = json.load(open(fa[rel])), json.load(open(fb[rel]))
        if ja != jb:
            bad.append(f"{rel}: {ja} != {jb}")
ia = sorted(open(os.path.join(a, "index.jsonl")).read().splitlines())
ib = sorted(open(os.path.join(b, "index.jsonl")).read().splitlines())
if ia != ib:
    bad.append(f"index.jsonl: {len(ia)} vs {len(ib)} lines, "
               f"{len(set(ia) ^ set(ib))} not in both")
for x in bad:
    print(x)
sys.exit(1 if bad else 0)
PY
}

t_dataset() {
  local name="a 2-task array of cps-extract --manifest M --shard I/N equals one local run"
  [ -x "$EXTRACT" ] || { skip "$name" "no $EXTRACT (build first)"; return; }
  "$EXTRACT" --help 2>&1 | grep -q -- '--manifest' ||
    { skip "$name" "this cps-extract has no dataset mode (--manifest)"; return; }
  [ -d "$MEDIA" ] || { skip "$name" "no media directory $MEDIA"; return; }
  local m=$WORK/manifest.txt c
  : >"$m"
  for c in "${CLIPS[@]}"; do
    [ -f "$MEDIA/$c" ] && echo "$(cd "$MEDIA" && pwd)/$c" >>"$m"
  done
  [ -s "$m" ] || { skip "$name" "none of the clips in $MEDIA"; return; }
  local inputs
  inputs=$(wc -l <"$m")
  # the job script of docs/cluster.md, with the test's options
  cat >"$WORK/extract.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=cps-extract
#SBATCH --cpus-per-task=1
#SBATCH --output=$WORK/extract-%A_%a.log
exec "$EXTRACT" -q --manifest "$m" \\
  --shard "\$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT" \\
  -o "\$CPS_OUT" --jobs 1 ${OPTIONS[*]}
EOF
  local t0 out t1
  t0=$(date +%s.%N)
  out=$(CPS_OUT=$WORK/slurm-out timeout 240 sbatch --array=0-1 --wait --chdir="$WORK" \
    "$WORK/extract.sbatch" 2>&1) ||
    { not_ok "$name" "sbatch --wait failed: $out"$'\n'"$(cat "$WORK"/extract-*.log 2>&1 | tail -20)"; return; }
  t1=$(date +%s.%N)
  echo "# Slurm array (2 tasks, $inputs inputs): $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
  local task_logs
  task_logs=$(cat "$WORK"/extract-*.log 2>/dev/null)
  [ -n "$task_logs" ] && printf '%s\n' "$task_logs" | sed 's/^/# task: /'
  out=$("$EXTRACT" -q --manifest "$m" -o "$WORK/local-out" ${OPTIONS[*]} 2>&1) ||
    { not_ok "$name" "the local run failed: $out"; return; }
  local markers
  markers=$(find "$WORK/slurm-out" -name .cps-extract-done | wc -l)
  if [ "$markers" -ne "$inputs" ]; then
    not_ok "$name" "$markers completion markers for $inputs inputs"
    return
  fi
  if [ -e "$WORK/slurm-out/failures.jsonl" ]; then
    not_ok "$name" "failures: $(cat "$WORK/slurm-out/failures.jsonl")"
    return
  fi
  local diff
  if diff=$(compare_datasets "$WORK/slurm-out" "$WORK/local-out"); then
    ok "$name ($inputs inputs, $(wc -l <"$WORK/slurm-out/index.jsonl") windows)"
  else
    not_ok "$name" "$diff"
  fi
}
t_dataset

# Submits job script $1 as a 2-task array writing into $2, waits until its
# first input is complete (60 s at most) and prints the job id (sbatch's
# message and status 1 if it fails).
submit_until_first_input() {
  local job i
  job=$(CPS_OUT=$2 sbatch --parsable --array=0-1 --chdir="$WORK" "$1" 2>&1) ||
    { echo "$job"; return 1; }
  for i in $(seq 600); do
    [ -n "$(find "$2" -name .cps-extract-done 2>/dev/null)" ] && break
    sleep 0.1
  done
  echo "${job%%;*}"
}

# 3. preemption: the array cancelled midway, then submitted again, gives the
# same dataset (what was complete is skipped, the rest redone from scratch)
t_resume() {
  local name="the array cancelled midway (scancel) and submitted again gives the same dataset"
  [ -d "$WORK/local-out" ] || { skip "$name" "no dataset from test 2"; return; }
  local out=$WORK/cancelled-out job i
  job=$(submit_until_first_input "$WORK/extract.sbatch" "$out") ||
    { not_ok "$name" "sbatch: $job"; return; }
  scancel "$job"
  for i in $(seq 300); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    sleep 0.2
  done
  local markers total
  markers=$(find "$out" -name .cps-extract-done 2>/dev/null | wc -l)
  total=$(wc -l <"$WORK/manifest.txt")
  echo "# cancelled with $markers of $total inputs complete," \
    "$(find "$out" -name '*.safetensors' 2>/dev/null | wc -l) window files on disk"
  local log
  log=$(CPS_OUT=$out timeout 240 sbatch --array=0-1 --wait --chdir="$WORK" \
    "$WORK/extract.sbatch" 2>&1) ||
    { not_ok "$name" "the second sbatch --wait failed: $log"; return; }
  local diff
  if diff=$(compare_datasets "$out" "$WORK/local-out"); then
    ok "$name ($markers of $total inputs were complete at the cancel)"
  else
    not_ok "$name" "$diff"
  fi
}
t_resume

# 4. requeue: with #SBATCH --requeue, the array requeued midway (what a
# preemption with PreemptMode=REQUEUE does) runs again by itself and
# finishes the dataset
t_requeue() {
  local name="a --requeue array requeued midway (scontrol requeue) finishes the dataset by itself"
  [ -d "$WORK/local-out" ] || { skip "$name" "no dataset from test 2"; return; }
  local out=$WORK/requeued-out job i states
  # the job script of test 2, requeueable, saying which run it is
  sed -e '2i #SBATCH --requeue' \
    -e '/^exec/i echo "restart ${SLURM_RESTART_COUNT:-0}"' \
    -e 's/extract-%A_%a.log/requeue-%A_%a.log/' \
    "$WORK/extract.sbatch" >"$WORK/requeue.sbatch"
  job=$(submit_until_first_input "$WORK/requeue.sbatch" "$out") ||
    { not_ok "$name" "sbatch: $job"; return; }
  local markers
  markers=$(find "$out" -name .cps-extract-done 2>/dev/null | wc -l)
  scontrol requeue "$job" 2>&1 || { not_ok "$name" "scontrol requeue $job failed"; return; }
  # Slurm holds a requeued job back for about two minutes (its begin
  # time); once every task is pending again, let them start now
  for i in $(seq 100); do
    states=$(squeue -h -j "$job" -o %T 2>/dev/null | sort -u)
    [ "$states" = PENDING ] && break
    sleep 0.2
  done
  scontrol update JobId="$job" StartTime=now 2>&1 ||
    { not_ok "$name" "scontrol update StartTime=now failed (states: $states)"; return; }
  for i in $(seq 1200); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    sleep 0.2
  done
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] ||
    { not_ok "$name" "still queued after 240 s: $(squeue -h -j "$job" 2>&1)"; scancel "$job"; return; }
  local logs diff
  logs=$(cat "$WORK"/requeue-*.log 2>/dev/null)
  if ! grep -q '^restart [1-9]' <<<"$logs"; then
    not_ok "$name" "no task ran again: $logs"
  elif diff=$(compare_datasets "$out" "$WORK/local-out"); then
    ok "$name ($markers of $(wc -l <"$WORK/manifest.txt") inputs were complete at the requeue)"
  else
    not_ok "$name" "$diff"$'\n'"$logs"
  fi
}
t_requeue

finish
exit $failed
