#!/usr/bin/env bash
# Regenerates assets/cps-demo-selection.png, the README's picture: what
# cpsviz draws over the bundled clip (default parameters: 16-frame windows,
# k=512, 14x14 patches) for one typical frame, with the camera motion model
# (named here so that the picture does not depend on the element's default).
#
# Typical, by rule: of the clip's P-frames, the one with the median number
# of selected patches (the lower median, the earliest frame on ties).
# I-frames take their whole grid and say nothing about where the budget
# goes; the busiest or emptiest P-frame would flatter or belittle it.
#   bash assets/make-preview-image.sh [FRAME]     (needs scripts/build.sh)
# prints the frame chosen and its caption.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$(cd "${BUILDDIR:-build}" && pwd)/gst"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# sampling is off (every frame processed), so the PNGs' index is frame_id
gst-launch-1.0 -q filesrc location=assets/cps-demo.mp4 ! decodebin ! \
  cpsmotion motion-model=camera ! tee name=frames ! queue ! cpsenergy ! cpstopk ! tee name=t ! \
  queue ! cpspatchsink location="$tmp/window-%05d.safetensors" \
  t. ! queue ! viz.sink  frames. ! queue ! viz.video \
  cpsviz name=viz ! videoconvert ! pngenc ! \
  multifilesink location="$tmp/%03d.png"
frame=${1:-$(/usr/bin/python3 - "$tmp" <<'PY'
import array, glob, json, struct, sys

counts = {}                       # P-frame id -> patches selected in it
for path in sorted(glob.glob(sys.argv[1] + "/window-*.safetensors")):
    with open(path, "rb") as f:
        size, = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()

    def tensor(name, code):
        a = array.array(code)
        begin, end = header[name]["data_offsets"]
        a.frombytes(data[begin:end])
        return a

    ids, is_i, fields = tensor("frame_ids", "q"), tensor("is_i", "B"), \
        tensor("fields", "q")
    for t, fid in enumerate(ids):
        if not is_i[t]:
            counts[fid] = 0
    for row in range(len(fields) // 6):
        fid = fields[row * 6 + 1]
        if fid in counts:
            counts[fid] += 1
ranked = sorted(counts, key=lambda fid: (counts[fid], fid))
print(ranked[(len(ranked) - 1) // 2])
PY
)}
cp "$tmp/$(printf %03d "$frame").png" assets/cps-demo-selection.png
echo "frame $frame"
