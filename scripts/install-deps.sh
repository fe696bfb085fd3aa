#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the build and the demo need and
# the machine lacks; with the argument "tests", also what only the test
# suite needs (torch, for the Python package's torch tensors; Slurm and munge
# for the single-node cluster of tests/cluster; Dask distributed for
# cps.extract_many).  Idempotent:
# does nothing when all is there.
set -eu
packages=(
  meson ninja-build pkg-config gcc g++ libc6-dev
  libglib2.0-dev libjson-glib-dev libarchive-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  ffmpeg valgrind python3 python3-gi python3-gst-1.0 python3-numpy
  gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-gst-rtsp-server-1.0
)
if [ "${1:-}" = tests ]; then
  packages+=(python3-torch slurm-wlm munge python3-distributed)
fi
# The CUDA kernels build where the CUDA toolkit is installed (nvcc); they
# need gst-cuda's headers, which come with the bad plugins' -dev package.
if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
  packages+=(libgstreamer-plugins-bad1.0-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
