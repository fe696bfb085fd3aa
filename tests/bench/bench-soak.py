#!/usr/bin/python3
# cps — soak benchmark (not a test): 10,000+ frames through the full CPU
# pipeline, resident memory sampled at every window.  Memory must be flat
# after the first window: pools and the window store are sized once.
#   GST_PLUGIN_PATH=build/gst /usr/bin/python3 tests/bench/bench-soak.py [clip.h264] [loops] [motion model]
# Default: ../shared/media/talkinghead_foreman_cif.h264 (299 frames, CIF),
# looped 34 times = 10,166 frames, decoded with avdec_h264.
import os
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import Gst, GstApp  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    clip = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "..", "shared", "media", "talkinghead_foreman_cif.h264")
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else 34
    model = sys.argv[3] if len(sys.argv) > 3 else "camera"
    if not os.path.exists(clip):
        print(f"skip: {clip} is absent (../shared/media)")
        return 0
    Gst.init(None)
    # an Annex-B elementary stream concatenates cleanly: multifilesrc
    # reads it `loops` times as one stream
    pipeline = Gst.parse_launch(
        f"multifilesrc location={clip} loop=true num-buffers={loops} "
        "caps=video/x-h264,stream-format=byte-stream ! h264parse ! avdec_h264 ! "
        f"cpsmotion motion-model={model} ! cpsenergy ! cpstopk ! cpspatchsink name=sink")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    samples, frames, start = [], 0, time.monotonic()
    while True:
        sample = sink.try_pull_sample(10 * Gst.SECOND)
        if sample is None:
            break
        info = sample.get_buffer().get_custom_meta("CpsPatchInfoMeta").get_structure()
        frames += info.get_value("n-frames")
        samples.append(rss_kib())
    wall = time.monotonic() - start
    msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg:
        print("error:", msg.parse_error()[0].message)
        return 1
    first, second, last = samples[0], samples[1], samples[-1]
    print(f"motion-model={model}: {frames} frames, {len(samples)} windows in {wall:.1f} s ({frames / wall:.0f} fps)")
    print(f"RSS after window 1: {first} KiB, after window 2: {second} KiB, "
          f"at the end: {last} KiB, max {max(samples)} KiB")
    marks = [samples[int(f * (len(samples) - 1))] for f in (0.1, 0.25, 0.5, 0.75, 1.0)]
    print("RSS at 10/25/50/75/100 % of the windows:", " ".join(f"{m}" for m in marks), "KiB")
    print(f"growth from window 2 to the end: {last - second} KiB "
          f"({(last - second) / max(1, len(samples) - 2):.2f} KiB per window)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
