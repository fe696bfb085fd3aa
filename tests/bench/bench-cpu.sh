#!/usr/bin/env bash
# Decode-only vs the full CPU pipeline on one clip, in one run.
#   bash tests/bench/bench-cpu.sh [clip] [runs]
# Runs alternate (decode, then the full pipeline with each motion model,
# with and without a queue after the decoder) so all see the same machine
# state; prints each run's time, the medians and their ratio to
# decode-only ("camera+queue" is the camera model with a queue).
#
# Also decode-only beside a busy loop at the lowest scheduling class
# (SCHED_IDLE: it only takes a core nobody else wants and yields it at
# once): on an ideal machine that costs the decoder nothing; its ratio is
# the ceiling, on this machine, for any pipeline that keeps the second core
# busy beside the decoder, however it is scheduled.
#
# And the floor under any motion model (decode-floor, built with the
# tests): the decoder with the least per-pixel work a model can do in the
# thread where cpsmotion runs: reading the luma once, reading the three
# planes once, copying the luma (the camera model keeps three frames).
# Its ratios are to its own run with no work.
set -eu
cd "$(dirname "$0")/../.."
clip=${1:-../shared/media/demo.mp4}
runs=${2:-5}
[ -f "$clip" ] || { echo "clip $clip not found" >&2; exit 2; }
bash scripts/build.sh
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
floor="${BUILDDIR:-build}/tests/decode-floor"
[ -x "$floor" ] || { echo "$floor was not built" >&2; exit 2; }
floor_modes="none luma frame copy"
frames=$(ffprobe -v error -select_streams v:0 -count_packets \
  -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
src="filesrc location=$clip ! parsebin ! avdec_h264"
command -v chrt >/dev/null || { echo "chrt (util-linux) is needed" >&2; exit 2; }

# wall time of the PLAYING phase, from gst-launch's own report.  Every sink
# has async=false: a sink prerolls on its first buffer, which for
# cpspatchsink is the first window (16 decoded frames, more with sampling)
# against one frame for fakesink, and gst-launch's clock starts after the
# preroll, so with async sinks the timed span left out a window's worth of
# work from the cps pipelines only.
seconds() {
  gst-launch-1.0 $1 2>&1 | sed -n 's/^Execution ended after \([0-9]*\):\([0-9]*\):\([0-9.]*\)$/\1 \2 \3/p' |
    awk '{ printf "%.4f", $1 * 3600 + $2 * 60 + $3 }'
}

# both motion models in the same run, each with and without a queue
models="camera reference"
tail() {
  echo "cpsmotion motion-model=$1 ! cpsenergy ! cpstopk ! cpspatchsink max-buffers=1 drop=true async=false"
}
spinner=
stop_spinner() { [ -z "$spinner" ] || kill "$spinner" 2>/dev/null; spinner=; }
trap stop_spinner EXIT
decode=() beside=()
declare -A times
for i in $(seq "$runs"); do
  decode+=("$(seconds "$src ! fakesink async=false")")
  chrt --idle 0 awk 'BEGIN { for (;;) x++ }' &
  spinner=$!
  beside+=("$(seconds "$src ! fakesink async=false")")
  stop_spinner
  for f in $floor_modes; do
    times[floor-$f]+=" $("$floor" "$clip" "$f")"
  done
  for m in $models; do
    times[$m]+=" $(seconds "$src ! $(tail "$m")")"
    times[$m+queue]+=" $(seconds "$src ! queue ! $(tail "$m")")"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
d=$(median "${decode[@]}")
echo "clip: $clip ($frames frames), $runs runs each, $(nproc) cores"
echo "decode-only runs (s): ${decode[*]}"
awk -v n="$frames" -v d="$d" 'BEGIN { printf "decode-only: %.1f fps (median %.3f s)\n", n / d, d }'
b=$(median "${beside[@]}")
echo "decode-only beside a SCHED_IDLE busy loop, runs (s): ${beside[*]}"
awk -v n="$frames" -v d="$d" -v t="$b" 'BEGIN {
  printf "decode-only beside a SCHED_IDLE busy loop: %.1f fps (median %.3f s), ratio %.3f: the ceiling here\n",
    n / t, t, d / t }'
n=$(median ${times[floor-none]})
for f in $floor_modes; do
  # shellcheck disable=SC2086
  t=$(median ${times[floor-$f]})
  echo "floor $f runs (s):${times[floor-$f]}"
  awk -v n="$n" -v t="$t" -v name="$f" 'BEGIN {
    printf "floor, decoder + %s: median %.3f s, ratio to the floor with no work %.3f\n", name, t, n / t }'
done
for m in $models; do
  for variant in "$m" "$m+queue"; do
    # shellcheck disable=SC2086
    t=$(median ${times[$variant]})
    echo "$variant runs (s):${times[$variant]}"
    awk -v n="$frames" -v d="$d" -v t="$t" -v name="$variant" 'BEGIN {
      printf "full CPU pipeline, %s: %.1f fps (median %.3f s), ratio to decode-only %.3f\n",
        name, n / t, t, d / t }'
  done
done
