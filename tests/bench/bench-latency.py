#!/usr/bin/python3
# cps — latency benchmark on a live stream (not a test).  Serves the bundled
# clip over RTSP on 127.0.0.1 (tests/rtsp-server.py) and runs
#   rtspsrc ! rtph264depay ! h264parse ! avdec_h264 ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink
# It reports, per window, the wall time from the window's last frame
# entering cpstopk to its patch buffer leaving cpstopk (the processing
# latency cpstopk itself adds once a window is complete), and the latency
# the pipeline's latency query reports (which includes the time cpstopk
# holds a window's first frame, and rtspsrc's jitterbuffer).
#   GST_PLUGIN_PATH=build/gst /usr/bin/python3 tests/bench/bench-latency.py [windows] [cpstopk options]
# CPS_MOTION_MODEL=reference times the reference motion model (default: camera).
import os
import statistics
import subprocess
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import GLib, Gst, GstApp  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    windows = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    topk_options = " ".join(sys.argv[2:])
    Gst.init(None)
    server = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(ROOT, "tests", "rtsp-server.py"),
         os.path.join(ROOT, "assets", "cps-demo.mp4")],
        stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()
        pipeline = Gst.parse_launch(
            f"rtspsrc location=rtsp://127.0.0.1:{port}/clip ! rtph264depay ! "
            "h264parse ! avdec_h264 ! "
            f"cpsmotion motion-model={os.environ.get('CPS_MOTION_MODEL', 'camera')} ! cpsenergy ! "
            f"cpstopk name=topk {topk_options} ! cpspatchsink name=sink")
        topk, sink = pipeline.get_by_name("topk"), pipeline.get_by_name("sink")
        arrivals, delays = {}, []

        def on_frame(pad, info):
            # frames reach cpstopk in order: index them by arrival
            arrivals[len(arrivals)] = time.monotonic()
            return Gst.PadProbeReturn.OK

        def on_window(pad, info):
            buf = info.get_buffer()
            s = buf.get_custom_meta("CpsPatchInfoMeta").get_structure()
            n = s.get_value("n-frames")
            last = on_window.frames + n - 1
            on_window.frames += n
            delays.append(time.monotonic() - arrivals[last])
            return Gst.PadProbeReturn.OK
        on_window.frames = 0

        topk.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_frame)
        topk.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_window)
        # the probes run Python in streaming threads: the main thread waits
        # in a GLib loop (which lets them take the GIL), not in a pull
        loop = GLib.MainLoop()
        sink.set_property("emit-signals", True)
        sink.set_property("drop", True)
        sink.set_property("max-buffers", 1)

        def on_sample(appsink):
            appsink.emit("pull-sample")
            if len(delays) >= windows:
                GLib.idle_add(loop.quit)
            return Gst.FlowReturn.OK
        sink.connect("new-sample", on_sample)
        GLib.timeout_add_seconds(60, loop.quit)
        pipeline.set_state(Gst.State.PLAYING)
        loop.run()
        if len(delays) < windows:
            print(f"only {len(delays)} windows within 60 s")
            return 1
        # asked from the sink pad: what cpspatchsink would sync against
        query = Gst.Query.new_latency()
        live, reported = False, 0
        if sink.get_static_pad("sink").peer_query(query):
            live, reported, _ = query.parse_latency()
        pipeline.set_state(Gst.State.NULL)
    finally:
        server.terminate()
        server.wait()
    ms = sorted(d * 1000 for d in delays)
    print(f"{len(ms)} windows ({os.environ.get('CPS_MOTION_MODEL', 'camera')}, {topk_options or 'defaults'}): last frame in -> "
          f"patches out: median {statistics.median(ms):.2f} ms, "
          f"max {ms[-1]:.2f} ms")
    print(f"latency query upstream of cpspatchsink: live={live}, min "
          f"{reported / 1e6:.0f} ms (rtspsrc's jitterbuffer, 2000 ms, + "
          "cpstopk's window span + the decoder's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
