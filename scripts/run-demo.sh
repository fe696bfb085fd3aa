#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, installs
# cps into /usr, and runs the INSTALLED cps-extract on assets/cps-demo.mp4,
# writing one safetensors file per 16-frame window and a preview video of
# the selection to cps-output/cps-demo/.
#   bash scripts/run-demo.sh [FILE|URI [cps-extract options]]
#
# Why /usr: it is where GStreamer (gst-launch-1.0, gst-inspect-1.0, Python's
# Gst, any application) looks for plugins, where pkg-config finds cps-1.0.pc
# and the dynamic loader finds libcps-1.0, and /usr/bin is on PATH.  So
# after this, every README line runs as printed in any new shell, with no
# variable exported.  The test suite keeps testing the build tree: its
# GST_PLUGIN_PATH is scanned first, and GStreamer keeps the first plugin of
# a name.  Installing needs root (sudo is used otherwise).
set -eu
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

bash scripts/install-deps.sh
# configure for /usr (a build directory made earlier for another prefix is
# switched to /usr)
PREFIX=/usr BUILDDIR="$builddir" bash scripts/build.sh
# meson 1.0 does not run ldconfig; /usr needs none, but run it anyway so a
# cache listing an older copy of libcps-1.0 is refreshed
$sudo meson install -C "$builddir" --quiet
$sudo ldconfig

# an older install elsewhere on PATH would shadow this one
found=$(command -v cps-extract || true)
if [ "$found" != /usr/bin/cps-extract ]; then
  echo "run-demo.sh: warning: 'cps-extract' runs ${found:-nothing}, not the" \
    "/usr/bin/cps-extract just installed; remove the other copy" \
    "(an earlier 'meson install' into /usr/local?)" >&2
fi

input=${1:-assets/cps-demo.mp4}
[ $# -gt 0 ] && shift
name=$(basename "${input%.*}")
out=cps-output/$name
/usr/bin/cps-extract "$input" --output "$out" --preview "$out/preview.mp4" \
  --overwrite "$@"
ls -l "$out"
