#!/usr/bin/env bash
# Uniform sampling's cost against decoding the whole file, in one run:
#   bash tests/bench/bench-sampling.sh [minutes...]      (default: 1 5 10)
# Makes 720p testsrc2 clips (H.264, GOP 60, B-frames) of the given lengths
# in a temporary directory, plus, when CPS_DEMO_CLIP names the reference's
# 1080p demo clip, that clip concatenated 40 times (ffmpeg's concat demuxer,
# stream copy).  For each: cps-extract --sampling uniform --sampling-frames
# 16 --k 512, by default (GOP skipping) and with --decode-all; prints the
# frames decoded, the seconds and their ratio.  Nothing is committed.
#
# Against another build (short clips must not get slower):
#   bash tests/bench/bench-sampling.sh --against OLD_BUILDDIR CLIP...
# runs the same command (-f -q) with each build, interleaved, RUNS times
# (default 5), each with its own GST_PLUGIN_PATH and registry file, and
# prints the median wall and CPU seconds of each.
set -eu
cd "$(dirname "$0")/../.."
bash scripts/build.sh >/dev/null
build="$(cd "${BUILDDIR:-build}" && pwd)"
export GST_PLUGIN_PATH="$build/gst"
extract="$build/tools/cps-extract"
tmp=$(mktemp -d /tmp/cps-bench-sampling.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = "--against" ]; then
  old="$(cd "$2" && pwd)"
  shift 2
  median() { sort -n | sed -n "$(( (${RUNS:-5} + 1) / 2 ))p"; }
  printf "%-36s %9s %9s %9s %9s\n" clip old-wall new-wall old-cpu new-cpu
  for clip in "$@"; do
    for i in $(seq "${RUNS:-5}"); do
      for v in old new; do
        b=$build
        [ $v = old ] && b=$old
        GST_REGISTRY="$tmp/registry-$v.bin" GST_PLUGIN_PATH="$b/gst" \
          /usr/bin/time -f "%e %U %S" -a -o "$tmp/times-$v" \
          "$b/tools/cps-extract" "$clip" -o "$tmp/out-$v" --sampling uniform \
          --sampling-frames 16 --k 512 -f -q 2>/dev/null
      done
    done
    printf "%-36s" "$(basename "$clip")"
    for field in 1 cpu; do
      for v in old new; do
        if [ $field = 1 ]; then
          awk '{print $1}' "$tmp/times-$v" | median | xargs printf " %9.2f"
        else
          awk '{print $2 + $3}' "$tmp/times-$v" | median | xargs printf " %9.2f"
        fi
      done
    done
    echo
    rm -f "$tmp/times-old" "$tmp/times-new"
  done
  exit 0
fi
minutes=("$@")
[ ${#minutes[@]} -gt 0 ] || minutes=(1 5 10)

clips=()
for m in "${minutes[@]}"; do
  clip="$tmp/testsrc2-720p-${m}min.mp4"
  ffmpeg -v error -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$((m * 60))" \
    -c:v libx264 -preset ultrafast -bf 2 -g 60 -keyint_min 60 -sc_threshold 0 \
    -pix_fmt yuv420p "$clip"
  clips+=("$clip")
done
if [ -n "${CPS_DEMO_CLIP:-}" ] && [ -f "$CPS_DEMO_CLIP" ]; then
  for i in $(seq 40); do echo "file '$CPS_DEMO_CLIP'"; done > "$tmp/list.txt"
  ffmpeg -v error -f concat -safe 0 -i "$tmp/list.txt" -c copy "$tmp/demo-x40.mp4"
  clips+=("$tmp/demo-x40.mp4")
else
  echo "# CPS_DEMO_CLIP not set: demo x40 left out" >&2
fi

# "<frames decoded> <seconds>" of one run
run() {
  local start end out
  start=$(date +%s.%N)
  out=$("$extract" --progress-interval 0 --overwrite -o "$tmp/out" \
    --sampling uniform --sampling-frames 16 --k 512 "$@" 2>&1)
  end=$(date +%s.%N)
  echo "$out" | sed -n 's/^cps-extract: \([0-9]*\) frames decoded.*/\1/p' | tr '\n' ' '
  echo "$end - $start" | bc
}

printf "%-26s %8s %10s %8s %10s %8s %7s\n" clip frames decoded seconds \
  "full-dec" "full-s" ratio
for clip in "${clips[@]}"; do
  frames=$(ffprobe -v error -select_streams v:0 -count_packets \
    -show_entries stream=nb_read_packets -of csv=p=0 "$clip")
  read -r dec s < <(run "$clip")
  read -r fdec fs < <(run --decode-all "$clip")
  printf "%-26s %8s %10s %8.2f %10s %8.2f %7.3f\n" "$(basename "$clip")" \
    "$frames" "$dec" "$s" "$fdec" "$fs" "$(echo "$s / $fs" | bc -l)"
done
