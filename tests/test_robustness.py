#!/usr/bin/python3
# cps — hostile input through cps-extract: truncated and padded files, a
# stream that is not video, a resolution change mid-stream, and corrupted
# H.264 (seeded bit flips).  Each run must end by itself with exit status 0
# (clean EOS) or 1 (one clear error), never a crash or a hang, and every
# window file written must be complete and self-consistent.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import random
import subprocess
import tempfile

import numpy as np

from tap import check, finish
from safetensors_reader import check_window, read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")
TMP = tempfile.TemporaryDirectory(prefix="cps-robust-")


def tmp(name):
    return os.path.join(TMP.name, name)


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def extract(path, out, *options):
    """(exit status, stderr, [(meta, tensors)] of the files written)."""
    p = subprocess.run([EXTRACT, "-q", "--overwrite", path, "-o", out, *options],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), f"exit status {p.returncode}: {p.stderr}"
    # cps-extract's own dot files (its manifest) aside
    names = sorted(n for n in os.listdir(out) if not n.startswith(".")) \
        if os.path.isdir(out) else []
    assert all(n.endswith(".safetensors") for n in names), names  # no .partial
    return p.returncode, p.stderr, [read_safetensors(os.path.join(out, n)) for n in names]


def consistent(windows, first_id=0, contiguous=True):
    ids = np.concatenate([check_window(m, t) for m, t in windows])
    if contiguous:
        assert np.array_equal(ids, np.arange(first_id, first_id + len(ids))), ids
    return ids


def t_truncated():
    data = open(CLIP, "rb").read()
    open(tmp("half.mp4"), "wb").write(data[:len(data) // 2])
    rc, err, windows = extract(tmp("half.mp4"), tmp("half"))
    assert rc == 0, err
    # what was decodable before the cut is delivered: about half the frames;
    # B-frames referring past the cut are lost and the ids say so
    ids = consistent(windows, contiguous=False)
    assert 40 <= len(ids) < 100 and len(windows) >= 3, (len(ids), len(windows))
    pts = np.concatenate([t["frame_pts_ns"][1] for _, t in windows])
    assert np.array_equal(pts - pts[0], (ids - ids[0]) * 40000000), (ids, pts)


def t_truncated_moov_at_end():
    ffmpeg("-i", CLIP, "-c", "copy", tmp("moov-end.mp4"))
    data = open(tmp("moov-end.mp4"), "rb").read()
    open(tmp("moov-end-cut.mp4"), "wb").write(data[:len(data) // 2])
    rc, err, windows = extract(tmp("moov-end-cut.mp4"), tmp("moov-end"))
    # without its index nothing is decodable: one clear error, no files
    assert rc == 1 and err.count("cps-extract: error:") == 1, err
    assert windows == []


def t_garbage_appended():
    data = open(CLIP, "rb").read()
    junk = random.Random(1).randbytes(200000)
    open(tmp("junk.mp4"), "wb").write(data + junk)
    rc, err, windows = extract(tmp("junk.mp4"), tmp("junk"))
    assert rc == 0, err
    assert len(consistent(windows)) == 100 and len(windows) == 7


def t_not_video():
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", tmp("audio.m4a"))
    rc, err, windows = extract(tmp("audio.m4a"), tmp("audio"))
    assert rc == 1 and "audio.m4a: no video stream" in err, err
    assert windows == []


def t_resolution_change():
    # 20 frames of 320x240 then 20 of 640x360, one Annex-B stream
    for name, size in (("a", "320x240"), ("b", "640x360")):
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d=0.8", "-c:v",
               "libx264", "-g", "10", "-f", "h264", tmp(f"{name}.h264"))
    with open(tmp("ab.h264"), "wb") as f:
        for name in ("a", "b"):
            f.write(open(tmp(f"{name}.h264"), "rb").read())
    rc, err, windows = extract(tmp("ab.h264"), tmp("ab"))
    assert rc == 0, err
    consistent(windows)
    # the window open at the change is finished there: no mixed grid
    got = [(m["source_width"], m["source_height"], m["n_frames"], m["grid_width"])
           for m, _ in windows]
    assert [g[:3] for g in got] == [("320", "240", "16"), ("320", "240", "4"),
                                   ("640", "360", "16"), ("640", "360", "4")], got
    assert got[0][3] != got[2][3]


def t_bit_flips():
    ffmpeg("-i", CLIP, "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264",
           tmp("clean.h264"))
    clean = open(tmp("clean.h264"), "rb").read()
    outcomes = []
    for seed in range(12):
        r = random.Random(seed)
        data = bytearray(clean)
        for _ in range(30):
            i = r.randrange(200, len(data))  # keep the first SPS/PPS readable
            data[i] ^= 1 << r.randrange(8)
        path = tmp(f"flip{seed}.h264")
        open(path, "wb").write(data)
        rc, err, windows = extract(path, tmp(f"flip{seed}"))
        # frames a decoder drops leave gaps in the ids, never disorder
        consistent(windows, contiguous=False)
        outcomes.append((rc, len(windows)))
    assert any(rc == 0 and n > 0 for rc, n in outcomes), outcomes


check("truncated mp4 (index at the front): clean EOS, the decodable half delivered", t_truncated)
check("truncated mp4 (index at the end): one clear error, no files", t_truncated_moov_at_end)
check("200 kB of garbage appended: all 7 windows", t_garbage_appended)
check("an audio-only file: one clear error", t_not_video)
check("resolution change mid-stream: the window ends at the change, new grid after", t_resolution_change)
check("12 streams with 30 flipped bits each: no crash or hang, consistent files", t_bit_flips)

finish()
