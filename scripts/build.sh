#!/usr/bin/env bash
# Configures (once) and builds into ${BUILDDIR:-build}.
set -eu
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
ninja -C "$builddir" >/dev/null
