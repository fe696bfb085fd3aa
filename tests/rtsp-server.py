#!/usr/bin/python3
# cps — a test RTSP server on 127.0.0.1: serves an H.264 clip at
# rtsp://127.0.0.1:PORT/clip as a live source, looping it.  Prints the
# port on stdout once it listens, then serves until killed.
#   /usr/bin/python3 tests/rtsp-server.py CLIP.mp4 [PORT]   (PORT 0: any)
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    Gst.init(None)
    clip = os.path.abspath(sys.argv[1])
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[2] if len(sys.argv) > 2 else "0")
    factory = GstRtspServer.RTSPMediaFactory()
    # decoded and re-encoded so the clip can loop as one live stream with
    # continuous timestamps; the encoder's key frames every 32 frames
    factory.set_launch(
        f"( multifilesrc location={clip} loop=true ! qtdemux ! h264parse ! "
        "avdec_h264 ! videorate ! identity sync=true ! "
        "openh264enc gop-size=32 ! h264parse ! rtph264pay name=pay0 pt=96 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/clip", factory)
    if server.attach(None) == 0:
        print("could not listen", file=sys.stderr)
        return 1
    print(server.get_bound_port(), flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
