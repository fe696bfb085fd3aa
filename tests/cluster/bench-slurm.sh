#!/usr/bin/env bash
# cps-extract's dataset mode as 1 and as 2 Slurm array tasks on the
# throwaway single-node cluster (slurm-lib.sh): frames per second of the
# whole run and peak memory per task.  As root, after a build:
#   bash tests/cluster/bench-slurm.sh [media-dir] [inputs] [extra cps-extract options]
# The manifest repeats the clips of media-dir (default ../shared/media)
# under distinct names (symlinks) up to `inputs` lines (default 64).  Each
# configuration runs into a fresh output directory; every task runs
# --jobs 1 on --cpus-per-task=1, so 2 tasks run at once on 2 CPUs; the
# cluster binds nothing (TaskPlugin=task/none), so one task's decoder
# threads may still use every core: 1 vs 2 tasks measures how much a second
# concurrent task adds, not one core against two.  Time is measured
# inside the tasks (first start to last end), not by sbatch --wait, whose
# polling adds up to several seconds.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILDDIR:-$ROOT/build}
EXTRACT=${CPS_EXTRACT:-$BUILD/tools/cps-extract}
MEDIA=${1:-$ROOT/../shared/media}
INPUTS=${2:-64}
shift $(($# > 2 ? 2 : $#))
EXTRA=("$@")
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$BUILD/gst}
[ -d "$MEDIA" ] || { echo "no media directory $MEDIA" >&2; exit 2; }
"$EXTRACT" --help 2>&1 | grep -q -- --manifest ||
  { echo "$EXTRACT has no dataset mode (--manifest)" >&2; exit 2; }

# shellcheck source=slurm-lib.sh
source "$HERE/slurm-lib.sh"
trap slurm_down EXIT
trap 'exit 143' TERM INT
slurm_up || { echo "no Slurm cluster: $SLURM_UP_ERROR" >&2; exit 77; }
W=$SLURM_TMP/bench
mkdir -p "$W/clips"
clips=()
for f in "$MEDIA"/*; do
  case "$f" in *.mp4|*.mkv|*.h264|*.mov|*.webm) clips+=("$f") ;; esac
done
[ ${#clips[@]} -gt 0 ] || { echo "no clips in $MEDIA" >&2; exit 2; }
: >"$W/manifest.txt"
for ((i = 0; i < INPUTS; i++)); do
  c=${clips[$((i % ${#clips[@]}))]}
  link=$W/clips/$(printf '%03d' "$i")-$(basename "$c")
  ln -s "$(cd "$(dirname "$c")" && pwd)/$(basename "$c")" "$link"
  echo "$link" >>"$W/manifest.txt"
done

cat >"$W/task.sbatch" <<EOF
#!/bin/bash
#SBATCH --cpus-per-task=1
#SBATCH --output=$W/task-%A_%a.log
date +%s.%N >"\$CPS_OUT.start-\$SLURM_ARRAY_TASK_ID"
/usr/bin/time -f "maxrss_kb %M" -o "\$CPS_OUT.rss-\$SLURM_ARRAY_TASK_ID" \\
  "$EXTRACT" -q --manifest "$W/manifest.txt" \\
  --shard "\$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT" --jobs 1 \\
  -o "\$CPS_OUT" ${EXTRA[*]}
rc=\$?
date +%s.%N >"\$CPS_OUT.end-\$SLURM_ARRAY_TASK_ID"
exit \$rc
EOF

echo "# $INPUTS inputs ($(nproc) CPUs, ${#clips[@]} clips repeated), options: ${EXTRA[*]:-(defaults)}"
printf '%-8s %8s %8s %10s %s\n' tasks frames seconds frames/s "peak RSS per task (MiB)"
for tasks in 1 2; do
  out=$W/out-$tasks
  CPS_OUT=$out sbatch --wait --array=0-$((tasks - 1)) "$W/task.sbatch" >/dev/null ||
    { echo "the $tasks-task array failed:"; cat "$W"/task-*.log; exit 1; }
  /usr/bin/python3 - "$out" "$tasks" <<'PY'
import glob, json, sys
out, tasks = sys.argv[1], int(sys.argv[2])
start = min(float(open(f).read()) for f in glob.glob(out + ".start-*"))
end = max(float(open(f).read()) for f in glob.glob(out + ".end-*"))
frames = sum(json.load(open(m)).get("frames", 0)
             for m in glob.glob(out + "/*/.cps-extract-done"))
rss = []
for f in sorted(glob.glob(out + ".rss-*")):
    for line in open(f):
        if line.startswith("maxrss_kb"):
            rss.append(int(line.split()[1]) / 1024)
print(f"{tasks:<8d} {frames:8d} {end - start:8.1f} {frames / (end - start):10.1f} "
      + " ".join(f"{r:.0f}" for r in rss))
PY
done
