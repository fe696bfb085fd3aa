#!/usr/bin/env bash
# Decode-only vs the full CPU pipeline on one clip, in one run.
#   bash tests/bench/bench-cpu.sh [clip] [runs]
# Runs alternate (decode, full, decode, full, ...) so both see the same
# machine state; prints each run's frames per second, the medians and
# their ratio (full / decode-only).
set -eu
cd "$(dirname "$0")/../.."
clip=${1:-../shared/media/demo.mp4}
runs=${2:-5}
[ -f "$clip" ] || { echo "clip $clip not found" >&2; exit 2; }
bash scripts/build.sh
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
frames=$(ffprobe -v error -select_streams v:0 -count_packets \
  -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
src="filesrc location=$clip ! parsebin ! avdec_h264"

# wall time of the PLAYING phase, from gst-launch's own report
seconds() {
  gst-launch-1.0 $1 2>&1 | sed -n 's/^Execution ended after \([0-9]*\):\([0-9]*\):\([0-9.]*\)$/\1 \2 \3/p' |
    awk '{ printf "%.4f", $1 * 3600 + $2 * 60 + $3 }'
}

tail="cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink max-buffers=1 drop=true"
decode=() full=() queued=()
for i in $(seq "$runs"); do
  decode+=("$(seconds "$src ! fakesink")")
  full+=("$(seconds "$src ! $tail")")
  queued+=("$(seconds "$src ! queue ! $tail")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
d=$(median "${decode[@]}")
f=$(median "${full[@]}")
q=$(median "${queued[@]}")
echo "clip: $clip ($frames frames), $runs runs each, $(nproc) cores"
echo "decode-only runs (s): ${decode[*]}"
echo "full pipeline runs (s): ${full[*]}"
echo "full pipeline with a queue after the decoder (s): ${queued[*]}"
awk -v n="$frames" -v d="$d" -v f="$f" -v q="$q" 'BEGIN {
  printf "decode-only: %.1f fps (median %.3f s)\n", n / d, d
  printf "full CPU pipeline: %.1f fps (median %.3f s)\n", n / f, f
  printf "full CPU pipeline, queue after decoder: %.1f fps (median %.3f s)\n", n / q, q
  printf "ratio full/decode-only: %.3f\n", d / f
  printf "ratio full+queue/decode-only: %.3f\n", d / q }'
