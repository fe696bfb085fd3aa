#!/usr/bin/python3
# cps — codec patch selection
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Read patch windows in Python with the cps package.

    /usr/bin/python3 pipelines/read_patches.py [FILE|URI] [--windows N]

cps.open() runs uridecodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink
and yields cps.Window objects (numpy arrays here; torch tensors with
tensor_type="torch").  The package is this tree's python/ (or the installed
one); the plugin is the installed one, or a build tree's with
GST_PLUGIN_PATH=$PWD/build/gst before the command.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import cps  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?",
                        default=os.path.join(HERE, "..", "assets", "cps-demo.mp4"))
    parser.add_argument("--windows", type=int, default=2,
                        help="windows to print (default 2)")
    parser.add_argument("--k", type=int, default=512)
    args = parser.parse_args()
    try:
        with cps.open(args.input, tensor_type="numpy", k=args.k) as windows:
            for w, _ in zip(windows, range(args.windows)):
                pixels = (cps.bf16_to_float32(w.patches) if w.dtype == "bf16"
                          else w.patches.astype("float32"))
                print(f"window {w.index}: {w.n_patches} patches {pixels.shape} "
                      f"{w.dtype}->float32, {w.n_frames} frames {w.frame_ids[0]}.."
                      f"{w.frame_ids[-1]}, grid {w.metadata['grid_height']}x"
                      f"{w.metadata['grid_width']}, pixels {pixels.min():.0f}.."
                      f"{pixels.max():.0f}")
                print("  " + " ".join(cps.FIELD_COLUMNS) + " score")
                for row, score in zip(w.fields[:3], w.scores[:3]):
                    print("  " + " ".join(f"{v:>{len(c)}}" for v, c in
                                          zip(row, cps.FIELD_COLUMNS)) + f" {score:5.2f}")
    except cps.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
