#!/usr/bin/python3
# cps — codec patch selection
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pull patch windows from cpspatchsink in Python and turn them into numpy.

    /usr/bin/python3 pipelines/read_patches.py [FILE|URI] [--windows N]

Each window's metadata comes from the "CpsPatchInfoMeta" custom meta, a
GstStructure that PyGObject reads without any typelib of ours; its arrays
are GBytes.  Patch pixels are read from the mapped buffer through a
memoryview (no copy) and copied once, into float32, while converting from
the stream's dtype.

Needs Debian's python3-gi, python3-gst-1.0 and python3-numpy, and the cps
plugin: installed (bash scripts/run-demo.sh installs it into /usr), or a
build tree's (GST_PLUGIN_PATH=$PWD/build/gst before the command).
"""
import argparse
import os
import sys

import gi
import numpy as np

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import Gst, GstApp  # noqa: E402,F401  (GstApp: cpspatchsink is a GstApp.AppSink)

PATCH_INFO_META = "CpsPatchInfoMeta"
FIELD_COLUMNS = ("seq_pos", "frame_id", "is_i", "patch_linear_idx",
                 "patch_h_idx", "patch_w_idx")


def array(info, name, dtype):
    """A metadata array (GBytes in the structure) as a numpy array."""
    return np.frombuffer(info.get_value(name).get_data(), dtype=dtype)


def patches_as_float32(data, info):
    """The window's N x 3 x P x P patches, converted (one copy) to float32."""
    n, p = info.get_value("n-patches"), info.get_value("patch-size")
    shape = (n, 3, p, p)
    dtype = info.get_value("dtype")
    if dtype == "bf16":
        # bfloat16 is the top half of a float32
        raw = np.frombuffer(data, dtype="<u2", count=n * 3 * p * p)
        out = np.empty(shape, dtype=np.float32)
        out.view(np.uint32).reshape(-1)[:] = raw.astype(np.uint32) << 16
        return out
    np_dtype = {"fp16": "<f2", "fp32": "<f4", "u8": "u1"}[dtype]
    raw = np.frombuffer(data, dtype=np_dtype, count=n * 3 * p * p)
    return raw.astype(np.float32).reshape(shape)


def read_window(sample):
    """(patches float32 [N,3,P,P], fields int64 [N,6], info dict)."""
    buf = sample.get_buffer()
    meta = buf.get_custom_meta(PATCH_INFO_META)
    if meta is None:
        raise RuntimeError("buffer without CpsPatchInfoMeta: is cpstopk upstream?")
    info = meta.get_structure()
    ok, mapped = buf.map(Gst.MapFlags.READ)
    if not ok:
        raise RuntimeError("could not map the patch buffer")
    try:
        patches = patches_as_float32(mapped.data, info)
    finally:
        buf.unmap(mapped)
    fields = array(info, "fields", np.int64).reshape(-1, len(FIELD_COLUMNS))
    scalars = {k: info.get_value(k) for k in (
        "window-index", "n-frames", "n-patches", "patch-size", "dtype",
        "grid-height", "grid-width", "target-height", "target-width")}
    scalars["frame-ids"] = array(info, "frame-ids", np.int64)
    scalars["frame-pts"] = array(info, "frame-pts", np.uint64)
    scalars["scores"] = array(info, "scores", np.float32)
    return patches, fields, scalars


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?",
                        default=os.path.join(here, "..", "assets", "cps-demo.mp4"))
    parser.add_argument("--windows", type=int, default=2,
                        help="windows to print (default 2)")
    parser.add_argument("--k", type=int, default=512)
    args = parser.parse_args()

    Gst.init(None)
    uri = args.input if Gst.uri_is_valid(args.input) else \
        Gst.filename_to_uri(os.path.abspath(args.input))
    pipeline = Gst.parse_launch(
        f"uridecodebin uri={uri} caps=video/x-raw ! cpsmotion ! cpsenergy ! "
        f"cpstopk k={args.k} ! cpspatchsink name=sink max-buffers=4")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    status = windows = 0
    while windows < args.windows and not sink.is_eos():
        # an error does not wake a pull: pull briefly, then look at the bus
        sample = sink.try_pull_sample(100 * Gst.MSECOND)
        if sample is None:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg:
                err, _ = msg.parse_error()
                print(f"error: {err.message}", file=sys.stderr)
                status = 1
                break
            continue
        windows += 1
        patches, fields, info = read_window(sample)
        print(f"window {info['window-index']}: {info['n-patches']} patches "
              f"{patches.shape} {info['dtype']}->float32, "
              f"{info['n-frames']} frames {info['frame-ids'][0]}.."
              f"{info['frame-ids'][-1]}, grid {info['grid-height']}x"
              f"{info['grid-width']}, pixels {patches.min():.0f}..{patches.max():.0f}")
        print("  " + " ".join(FIELD_COLUMNS) + " score")
        for row, score in zip(fields[:3], info["scores"][:3]):
            print("  " + " ".join(f"{v:>{len(c)}}" for v, c in
                                  zip(row, FIELD_COLUMNS)) + f" {score:5.2f}")
    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main())
