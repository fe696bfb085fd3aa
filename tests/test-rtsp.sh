#!/usr/bin/env bash
# cps-extract on a live RTSP stream from the project's test server on
# 127.0.0.1 (tests/rtsp-server.py).  Bounded: every step has a timeout and
# the server is killed on exit.  TAP output.
set -u
cd "$(dirname "$0")/.."
build=$(cd "${BUILDDIR:-build}" && pwd)
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
echo "1..1"

if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null; then
  echo "ok 1 # SKIP gir1.2-gst-rtsp-server-1.0 is not installed"
  exit 0
fi
/usr/bin/python3 tests/rtsp-server.py assets/cps-demo.mp4 >"$tmp/port" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
uri="rtsp://127.0.0.1:$(cat "$tmp/port")/clip"

# 3 windows of a looping live stream, then cps-extract ends by itself
out=$(timeout 60 "$build/tools/cps-extract" "$uri" --max-windows 3 -q -o "$tmp/out" 2>&1)
rc=$?
files=$(ls "$tmp/out" 2>/dev/null | grep -c '^window-0000[0-2]\.safetensors$')
if [ $rc -eq 0 ] && [ "$files" -eq 3 ] &&
  head -c 2048 "$tmp/out/window-00002.safetensors" | grep -aq "\"source\":\"$uri\"" &&
  printf '%s\n' "$out" | grep -q ' processed, 3 windows, 1536 patches'; then
  echo "ok 1 cps-extract $uri --max-windows 3: 3 windows of 16 frames"
else
  echo "not ok 1 cps-extract on RTSP: rc $rc, $files files"
  printf '%s\n' "$out" "server:" "$(cat "$tmp/server.log")" | sed 's/^/# /'
fi
