#!/usr/bin/env bash
# Whole-run throughput of cps-extract's dataset mode, in one run:
#   bash tests/bench/bench-dataset.sh [JOBS...] [-- CPS-EXTRACT OPTIONS...]
# (default JOBS: 1 2 4).  The manifest is the clips of the media folder
# (CPS_MEDIA_DIR, default ../shared/media), each linked COPIES times under
# distinct names (default 8: 64 inputs from the 8 clips), so every input is
# its own output directory.  For each --jobs value, a fresh dataset directory:
# wall seconds, frames processed (the markers' sum) per second, the CPU
# used by the whole run in cores (user + system over wall: 2.0 is both
# cores of a 2-core machine saturated) and the largest resident set of one
# job (GNU time's %M: the biggest of the processes it waited for).
# Options after -- go to every run (for instance --sampling uniform
# --sampling-frames 16).  Nothing is committed.
set -eu
cd "$(dirname "$0")/../.."
bash scripts/build.sh >/dev/null
build="$(cd "${BUILDDIR:-build}" && pwd)"
export GST_PLUGIN_PATH="$build/gst"
extract="$build/tools/cps-extract"
media="${CPS_MEDIA_DIR:-../shared/media}"
[ -d "$media" ] || { echo "no media folder at $media (set CPS_MEDIA_DIR)" >&2; exit 1; }
media="$(cd "$media" && pwd)"

jobs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do jobs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#jobs[@]} -gt 0 ] || jobs=(1 2 4)

tmp=$(mktemp -d /tmp/cps-bench-dataset.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in"
for clip in "$media"/*.mp4 "$media"/*.mkv "$media"/*.h264; do
  [ -e "$clip" ] || continue
  name=$(basename "$clip")
  for c in $(seq "${COPIES:-8}"); do
    ln -s "$clip" "$tmp/in/$c-$name"
    echo "$tmp/in/$c-$name"
  done
done > "$tmp/manifest"
inputs=$(wc -l < "$tmp/manifest")

# the frames the run processed: the sum over the completion markers
frames_done() {
  /usr/bin/python3 - "$1" <<'EOF'
import glob, json, os, sys
print(sum(json.load(open(m))["frames"]
          for m in glob.glob(os.path.join(sys.argv[1], "*", ".cps-extract-done"))))
EOF
}

echo "# $inputs inputs, $(nproc) cores, options: ${*:-(defaults)}"
printf "%-6s %9s %8s %9s %10s %12s\n" jobs wall-s frames fps cpu-cores max-rss-MiB
for j in "${jobs[@]}"; do
  out="$tmp/out-$j"
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time-$j" \
    "$extract" --manifest "$tmp/manifest" -o "$out" --jobs "$j" -q "$@" \
    > /dev/null 2> "$tmp/log-$j" || {
      echo "--jobs $j failed:" >&2; tail -5 "$tmp/log-$j" >&2; exit 1; }
  read -r wall user sys rss < "$tmp/time-$j"
  frames=$(frames_done "$out")
  awk -v j="$j" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v f="$frames" \
    'BEGIN { printf "%-6s %9.2f %8d %9.1f %10.2f %12.1f\n", j, w, f, f / w, (u + s) / w, r / 1024 }'
done
