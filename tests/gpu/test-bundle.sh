#!/usr/bin/env bash
# The GPU bundle builds here and runs with its own loader, libraries and
# plugins (tests/gpu/make-bundle.sh); on a host without a GPU its GPU
# subset reports skips.  TAP output.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
out=$(bash tests/gpu/make-bundle.sh "$tmp/gpu-bundle" 2>&1)
rc=$?
size=$(stat -c %s "$tmp/gpu-bundle.tar.xz" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$size" -gt 0 ] && [ "$size" -lt $((64 * 1024 * 1024)) ]; then
  echo "ok 1 make-bundle.sh: $((size / 1024 / 1024)) MiB compressed, under the 64 MiB a device run carries"
else
  echo "not ok 1 make-bundle.sh: rc $rc, $size bytes"
  printf '%s\n' "$out" | sed 's/^/# /'
fi
# the bundle must not lean on this host's GStreamer: hide it
out=$(env -u GST_PLUGIN_PATH -u GST_TRACERS -u GST_DEBUG -u G_DEBUG \
  "$tmp/gpu-bundle/run.sh" check 2>&1)
if printf '%s\n' "$out" | grep -q '^cps plugin loads$' &&
  printf '%s\n' "$out" | grep -q '^CPU pipeline ran$'; then
  echo "ok 2 the bundle loads the plugin and runs a CPU pipeline with its own runtime"
else
  echo "not ok 2 the bundle's check"
  printf '%s\n' "$out" | sed 's/^/# /'
fi
