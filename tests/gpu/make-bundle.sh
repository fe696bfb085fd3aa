#!/usr/bin/env bash
# Packs a runnable GStreamer runtime with the built cps plugin, cps-extract
# and the GPU tests into one folder, for a GPU host that has CUDA but no
# GStreamer and no package access (the `device` machines).  Everything but
# the GPU driver travels: Debian's GStreamer libraries and plugins, their
# dependencies, glibc and its loader (so the host's own glibc does not
# matter), and the bundled clip.  libcuda comes from the host's driver.
#
#   bash tests/gpu/make-bundle.sh [OUT]       (default: build/gpu-bundle)
#   OUT/run.sh check      # local check: plugin loads, CPU pipeline runs
#   OUT/run.sh gpu        # on a GPU host: GPU tests, then the benchmark
set -eu
cd "$(dirname "$0")/../.."
build=$(cd "${BUILDDIR:-build}" && pwd)
out=${1:-$build/gpu-bundle}
arch=$(gcc -dumpmachine)
syslib=/usr/lib/$arch
gstlib=$syslib/gstreamer-1.0

# The GStreamer plugins the pipelines, tests and benchmark use.  No libav:
# its libavfilter pulls in 150 MB of dependencies; the bundle decodes on the
# CPU with openh264dec.
plugins="coreelements typefindfunctions playback app videoparsersbad isomp4
  matroska openh264 nvcodec videoconvertscale videorate videotestsrc
  rtsp rtp rtpmanager udp tcp pbtypes"

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/gstreamer-1.0" "$out/tests" "$out/media"

binaries=(
  "$(command -v gst-launch-1.0)" "$(command -v gst-inspect-1.0)"
  "$build/tools/cps-extract" "$build/tests/test_algo"
)
for t in test_gpu_parity test_compute_parity; do
  [ -x "$build/tests/gpu/$t" ] && binaries+=("$build/tests/gpu/$t")
done
cp "${binaries[@]}" "$out/bin/"
cp "$build/gst/libgstcps.so" "$out/lib/gstreamer-1.0/"
for p in $plugins; do
  if [ -f "$gstlib/libgst$p.so" ]; then
    cp "$gstlib/libgst$p.so" "$out/lib/gstreamer-1.0/"
  else
    echo "make-bundle: plugin $p not installed here, left out" >&2
  fi
done

# every shared library those need, glibc and the loader included; never
# the GPU driver's own libraries, which must be the host's
copy_deps() {
  ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
    while read -r lib; do
      case "$(basename "$lib")" in
        libcuda.so* | libnvidia* | libnvcuvid* | libGLX_nvidia* | libEGL_nvidia*) continue ;;
      esac
      [ -e "$out/lib/$(basename "$lib")" ] || cp -L "$lib" "$out/lib/"
    done
}
for f in "$out"/bin/* "$out"/lib/gstreamer-1.0/*.so; do
  copy_deps "$f"
done
# the libraries of the libraries (dlopened plugins pull in more)
for f in "$out"/lib/*.so*; do copy_deps "$f"; done
# the build tree's cps-1.0 library (RPATHs point into the build tree)
cp -L "$build"/gst/libcps-1.0.so* "$out/lib/" 2>/dev/null || true
cp assets/cps-demo.mp4 "$out/media/"
[ -d ../shared/media ] && cp ../shared/media/demo.mp4 "$out/media/" 2>/dev/null || true
cp tests/bench/bench-gpu.sh tests/gpu/gpu-pipelines.sh "$out/tests/"

cat >"$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs a command of the bundle with its own loader, libraries and plugins.
#   run.sh check | gpu | <binary> [args]
set -u
here=$(cd "$(dirname "$0")" && pwd)
host_libs=/usr/lib/x86_64-linux-gnu:/usr/lib64:/usr/local/nvidia/lib64:/usr/local/cuda/lib64:/usr/local/cuda/compat
export GST_PLUGIN_SYSTEM_PATH="$here/lib/gstreamer-1.0" GST_PLUGIN_PATH=""
export GST_REGISTRY="${TMPDIR:-/tmp}/cps-bundle-registry.bin" GST_REGISTRY_FORK=no
export CPS_MEDIA_DIR="$here/media"
bin() {
  local name=$1
  shift
  "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib:$host_libs" "$here/bin/$name" "$@"
}
export -f bin 2>/dev/null || true
case "${1:-check}" in
  check)
    bin gst-inspect-1.0 cpsmotion >/dev/null && echo "cps plugin loads"
    bin gst-launch-1.0 -q filesrc location="$here/media/cps-demo.mp4" ! qtdemux ! \
      h264parse ! openh264dec ! cpsmotion ! cpsenergy ! cpstopk ! fakesink && echo "CPU pipeline ran"
    bin test_algo --tap | tail -1
    ;;
  gpu)
    # the experimental CUDA path on, with a registry of its own (the
    # registry caches the templates GST_CPS_CUDA changes)
    export GST_CPS_CUDA=1 GST_REGISTRY="${TMPDIR:-/tmp}/cps-bundle-registry-cuda.bin"
    bin gst-inspect-1.0 nvh264dec >/dev/null 2>&1 && echo "nvh264dec: available" ||
      echo "nvh264dec: NOT available (no NVIDIA driver visible to GStreamer)"
    for t in test_gpu_parity test_compute_parity; do
      [ -x "$here/bin/$t" ] && bin "$t" --tap
    done
    BUNDLE="$here" bash "$here/tests/gpu-pipelines.sh"
    BUNDLE="$here" bash "$here/tests/bench-gpu.sh"
    ;;
  *)
    name=$1
    shift
    bin "$name" "$@"
    ;;
esac
RUN
chmod +x "$out/run.sh"
# one compressed file to carry to the GPU host (the device tool carries 64 MiB)
tar -C "$(dirname "$out")" -cJf "$out.tar.xz" "$(basename "$out")"
echo "bundle: $out ($(du -sh "$out" | cut -f1)), $out.tar.xz ($(du -sh "$out.tar.xz" | cut -f1))"
echo "check it here: $out/run.sh check; on a GPU host: tar xJf gpu-bundle.tar.xz && gpu-bundle/run.sh gpu"
