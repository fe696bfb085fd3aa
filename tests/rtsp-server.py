#!/usr/bin/python3
# cps — a test RTSP server on 127.0.0.1: serves an H.264 clip at
# rtsp://127.0.0.1:PORT/clip as a live source, looping it.  Prints the
# port on stdout once it listens, then serves until SIGTERM or SIGINT.
#   /usr/bin/python3 tests/rtsp-server.py CLIP.mp4 [PORT]   (PORT 0: any)
# SPDX-License-Identifier: LGPL-2.1-or-later
import atexit
import os
import signal
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def annex_b(clip):
    """The clip's H.264 as an Annex-B elementary stream, in a temporary
    file removed at exit."""
    out = tempfile.NamedTemporaryFile(suffix=".h264", delete=False)
    out.close()
    pipeline = Gst.parse_launch(
        f"filesrc location={clip} ! parsebin ! h264parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au ! "
        f"filesink location={out.name}")
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if not msg or msg.type != Gst.MessageType.EOS:
        sys.exit(f"cannot read {clip} as H.264")
    atexit.register(os.unlink, out.name)
    return out.name


def main():
    Gst.init(None)
    clip = annex_b(os.path.abspath(sys.argv[1]))
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[2] if len(sys.argv) > 2 else "0")
    factory = GstRtspServer.RTSPMediaFactory()
    # An Annex-B stream read in a loop is one continuous stream: h264parse
    # keeps timestamping it at its frame rate, identity paces it in real
    # time, and re-encoding makes it a camera-like stream (no B-frames, a
    # key frame every 32 frames).
    factory.set_launch(
        f"( multifilesrc location={clip} loop=true "
        "caps=video/x-h264,stream-format=byte-stream ! h264parse ! "
        "avdec_h264 ! identity sync=true ! openh264enc gop-size=32 ! "
        "h264parse ! rtph264pay name=pay0 pt=96 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/clip", factory)
    if server.attach(None) == 0:
        print("could not listen", file=sys.stderr)
        return 1
    print(server.get_bound_port(), flush=True)
    loop = GLib.MainLoop()
    # SIGTERM ends the loop cleanly, so the temporary stream is removed
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
