#!/usr/bin/env bash
# Live RTSP from the project's test server on 127.0.0.1
# (tests/rtsp-server.py, the bundled clip in a loop, 25 fps): cps-extract
# and a gst-launch client produce windows continuously, rate sampling
# follows stream time, lost packets leave truthful frame ids, and a server
# that goes away ends the client with a clear error.  Bounded: every step
# has a timeout, servers are killed on exit.  TAP output.
set -u
cd "$(dirname "$0")/.."
build=$(cd "${BUILDDIR:-build}" && pwd)
tmp=$(mktemp -d)
servers=()
cleanup() {
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export GST_PLUGIN_PATH="$build/gst"
n=0
failed=0
report() {
  n=$((n + 1))
  if [ "$2" -eq 0 ]; then echo "ok $n $1"; else
    echo "not ok $n $1"
    failed=1
    [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
  fi
}

echo "1..5"
if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null; then
  for i in 1 2 3 4 5; do echo "ok $i # SKIP gir1.2-gst-rtsp-server-1.0 is not installed"; done
  exit 0
fi

# start_server NAME: serves the bundled clip; sets $uri
start_server() {
  /usr/bin/python3 tests/rtsp-server.py assets/cps-demo.mp4 >"$tmp/$1.port" 2>"$tmp/$1.log" &
  servers+=($!)
  for _ in $(seq 50); do [ -s "$tmp/$1.port" ] && break; sleep 0.1; done
  uri="rtsp://127.0.0.1:$(cat "$tmp/$1.port")/clip"
}

# check_windows DIR ARGS...: python consistency checks on the window files
check_windows() {
  /usr/bin/python3 - "$@" <<'PY'
import glob, sys
import numpy as np
sys.path.insert(0, "tests")
from safetensors_reader import check_window, read_safetensors
d, mode = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(d + "/*.safetensors"))
ids, pts = [], []
for f in files:
    m, t = read_safetensors(f)
    ids.append(check_window(m, t))
    pts.append(t["frame_pts_ns"][1])
ids, pts = np.concatenate(ids), np.concatenate(pts)
assert len(files) >= int(sys.argv[3]), f"{len(files)} windows"
steps, id_steps = np.diff(pts), np.diff(ids)
if mode == "contiguous":
    assert np.all(id_steps == 1), ids
elif mode == "truthful":      # each id step is the PTS step in frames
    frame = np.median(steps)
    assert np.array_equal(id_steps, np.rint(steps / frame).astype(np.int64)), (ids, steps)
elif mode == "rate5":         # 5 frames per second of a 25 fps stream
    # a slot goes to the first frame at or after it: with live timestamp
    # jitter a step can be a frame longer or shorter, never drift
    assert np.all(np.abs(steps - 200e6) <= 45e6), steps
    assert np.all((id_steps >= 4) & (id_steps <= 6)), ids
    assert abs((ids[-1] - ids[0]) / (len(ids) - 1) - 5) <= 0.5, ids
print(f"{len(files)} windows, frames {ids[0]}..{ids[-1]}")
PY
}

start_server main

# 1: cps-extract: 3 windows of a looping live stream, then it ends by itself
out=$(timeout 60 "$build/tools/cps-extract" "$uri" --max-windows 3 -q -o "$tmp/extract" 2>&1)
rc=$?
files=$(ls "$tmp/extract" 2>/dev/null | grep -c '^window-0000[0-2]\.safetensors$')
[ $rc -eq 0 ] && [ "$files" -eq 3 ] &&
  head -c 2048 "$tmp/extract/window-00002.safetensors" | grep -aq "\"source\":\"$uri\"" &&
  printf '%s\n' "$out" | grep -q ' processed, 3 windows, 1536 patches' &&
  check=$(check_windows "$tmp/extract" contiguous 3 2>&1)
report "cps-extract rtsp:// --max-windows 3: 3 windows of 16 frames" $? "rc $rc, $files files: $out ${check:-}"

# 2: the gst-launch client, stopped after 5 s by ^C (-e: EOS first)
mkdir -p "$tmp/launch"
out=$(timeout --foreground -s INT 5 gst-launch-1.0 -e rtspsrc location="$uri" ! rtph264depay ! h264parse ! \
  avdec_h264 ! cpsmotion ! cpsenergy ! cpstopk ! \
  cpspatchsink location="$tmp/launch/window-%05d.safetensors" 2>&1)
check=$(check_windows "$tmp/launch" contiguous 4 2>&1)
report "gst-launch rtspsrc ! … ! cpspatchsink: windows keep coming ($check)" $? "$out $check"

# 3: packets dropped between rtspsrc and the depayloader (3 %): the
# decoder conceals or drops frames; ids follow the PTS across the gaps
mkdir -p "$tmp/lossy"
out=$(timeout --foreground -s INT 6 gst-launch-1.0 -e rtspsrc location="$uri" ! \
  identity drop-probability=0.03 ! rtph264depay ! h264parse ! avdec_h264 ! \
  cpsmotion ! cpsenergy ! cpstopk ! \
  cpspatchsink location="$tmp/lossy/window-%05d.safetensors" 2>&1)
check=$(check_windows "$tmp/lossy" truthful 4 2>&1)
report "3 % of RTP packets dropped: no crash, frame ids truthful across gaps ($check)" $? "$out $check"

# 4: rate sampling on the live stream: 5 of its 25 frames per second
out=$(timeout 60 "$build/tools/cps-extract" "$uri" --sampling rate --sampling-rate 5 \
  --sequence-length 8 --max-windows 2 -q -o "$tmp/rate" 2>&1)
rc=$?
check=$(check_windows "$tmp/rate" rate5 2 2>&1)
report "--sampling rate --sampling-rate 5 on a live stream: frames 200 ms apart ($check)" \
  $([ $rc -eq 0 ] && [ -n "$check" ] && ! printf '%s' "$check" | grep -q Error; echo $?) "rc $rc: $out $check"

# 5: the server goes away mid-stream: a clear error, no hang, the windows
# finished before it are complete files
start_server doomed
( sleep 3; kill "${servers[1]}" ) &
start=$(date +%s)
out=$(timeout 60 "$build/tools/cps-extract" "$uri" -q -o "$tmp/doomed" 2>&1)
rc=$?
took=$(( $(date +%s) - start ))
check=$(check_windows "$tmp/doomed" contiguous 1 2>&1)
[ $rc -eq 1 ] && [ $took -lt 30 ] &&
  printf '%s\n' "$out" | grep -q "^cps-extract: error: $uri: " && [ -n "$check" ] &&
  ! printf '%s' "$check" | grep -q Error
report "server stopped mid-stream: exit 1 with a clear error after ${took} s, complete windows kept" $? "rc $rc: $out $check"

exit $failed
