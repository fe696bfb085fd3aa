#!/usr/bin/env bash
# Configures (once) and builds into ${BUILDDIR:-build}.  PREFIX=DIR sets the
# install prefix (also of a build directory configured before); without it
# a new build directory gets /usr, the prefix GStreamer scans.
set -eu
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" --prefix="${PREFIX:-/usr}" >/dev/null
elif [ -n "${PREFIX:-}" ]; then
  current=$(meson introspect "$builddir" --buildoptions |
    /usr/bin/python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
  [ "$current" = "$PREFIX" ] || meson configure "$builddir" -Dprefix="$PREFIX" >/dev/null
fi
ninja -C "$builddir" >/dev/null
