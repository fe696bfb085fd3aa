#!/usr/bin/python3
# cps — sampling a file by its packet index (cps-extract): the GOP-skipping
# run's windows are byte-identical to a run that decodes every frame
# (--decode-all) on every clip of the shared media directory and on a long
# clip concatenated from them; frame ids are source indices (N = the frames
# GStreamer's decoder outputs); fps sampling, start/end, and a huge
# --sampling-frames bounded by the frames that exist.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import filecmp
import os
import subprocess
import tempfile
import time

import numpy as np

from tap import check, finish
from safetensors_reader import check_window, read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
MEDIA = os.path.join(ROOT, "..", "shared", "media")
DEMO = os.path.join(ROOT, "assets", "cps-demo.mp4")
TMP = tempfile.TemporaryDirectory(prefix="cps-sampling-")


def tmp(name):
    return os.path.join(TMP.name, name)


def media():
    if not os.path.isdir(MEDIA):
        return []
    return sorted(os.path.join(MEDIA, n) for n in os.listdir(MEDIA)
                  if n.endswith((".mp4", ".mkv", ".h264", ".h265")))


def extract(path, out, *options):
    """(stderr, names, frame ids) of a run writing into @out."""
    p = subprocess.run([EXTRACT, "--progress-interval", "0", "--overwrite",
                        path, "-o", out, "--k", "64", *options],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    names = sorted(n for n in os.listdir(out) if n.endswith(".safetensors"))
    ids = [check_window(*read_safetensors(os.path.join(out, n)))
           for n in names]
    return p.stderr, names, np.concatenate(ids) if ids else np.array([])


def same_as_full_decode(path, tag, *options):
    """Skipping GOPs changes nothing: the same files, byte for byte."""
    err, names, ids = extract(path, tmp(tag + "-skip"), *options)
    _, full_names, full_ids = extract(path, tmp(tag + "-full"), "--decode-all",
                                      *options)
    assert names == full_names and len(names) > 0, (names, full_names)
    for n in names:
        assert filecmp.cmp(os.path.join(tmp(tag + "-skip"), n),
                           os.path.join(tmp(tag + "-full"), n),
                           shallow=False), f"{tag}: {n} differs"
    return err, ids


def t_media_uniform():
    clips = media()
    if not clips:
        return "skip the shared media directory is absent"
    for clip in clips:
        same_as_full_decode(clip, os.path.basename(clip), "--sampling",
                            "uniform", "--sampling-frames", "16")


def t_media_fps_range():
    clips = media()
    if not clips:
        return "skip the shared media directory is absent"
    for clip in clips:
        same_as_full_decode(clip, "r" + os.path.basename(clip), "--sampling",
                            "fps", "--fps", "4", "--start", "0.5",
                            "--end", "3")


def long_clip():
    """The shared clips with several GOPs, each concatenated (stream copy)."""
    out = tmp("long.mp4")
    if os.path.exists(out):
        return out
    parts = [c for c in media() if os.path.basename(c) in
             ("static_parking_cars_768x432.mp4",)] or [DEMO]
    with open(tmp("list.txt"), "w") as f:
        for _ in range(3):
            for c in parts:
                f.write(f"file '{c}'\n")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe",
                    "0", "-i", tmp("list.txt"), "-c", "copy", out], check=True)
    return out


def t_long_clip_skips_gops():
    clip = long_clip()
    err, ids = same_as_full_decode(clip, "long", "--sampling", "uniform",
                                   "--sampling-frames", "8")
    assert "decoding the" in err and "GOPs that hold them" in err, err
    assert len(ids) == 8 and ids[0] == 0, ids


def t_long_clip_fps():
    err, ids = same_as_full_decode(long_clip(), "longfps", "--sampling",
                                   "fps", "--fps", "0.25", "--start", "10",
                                   "--end", "700f")
    assert len(ids) >= 4 and len(ids) % 2 == 0 and ids[-1] < 700, ids


def t_edit_list_ids():
    """sports_baseball: GStreamer's decoder outputs 153 frames (the edit
    list's pre-roll lies before the segment): N is 153, and a uniform
    sample as large as the clip is every frame, with the ids of a run
    that processes every frame."""
    clip = os.path.join(MEDIA, "sports_baseball_640x360.mp4")
    if not os.path.exists(clip):
        return "skip the shared media directory is absent"
    err, _, ids = extract(clip, tmp("sports-u"), "--sampling", "uniform",
                          "--sampling-frames", "1000")
    assert "153 frames" in err, err
    _, _, all_ids = extract(clip, tmp("sports-all"))
    assert np.array_equal(ids, np.arange(153)), ids
    assert np.array_equal(all_ids, ids)


def t_fps_like_qwen():
    """The demo clip (100 frames at 25/1): 4 s × 2 = 8 frames at
    round(linspace(0, 99, 8)); --fps 1: 4 s × 1 = 4 (= min-frames)."""
    _, _, ids = extract(DEMO, tmp("fps"), "--sampling", "fps")
    assert list(ids) == [0, 14, 28, 42, 57, 71, 85, 99], ids
    _, _, ids = extract(DEMO, tmp("fps1"), "--sampling", "fps", "--fps",
                        "0.5", "--min-frames", "3")
    # 2 frames wanted, at least 3 rounded up to 4
    assert list(ids) == [0, 33, 66, 99], ids


def t_annexb_counted():
    clip = os.path.join(MEDIA, "pan_trees_1080p25_high_bframes.h264")
    if not os.path.exists(clip):
        return "skip the shared media directory is absent"
    err, _, ids = extract(clip, tmp("annexb"), "--sampling", "uniform",
                          "--sampling-frames", "4")
    assert "54 frames" in err, err
    assert list(ids) == [0, 17, 35, 53], ids


def t_huge_count_is_bounded():
    start = time.monotonic()
    _, _, ids = extract(DEMO, tmp("huge"), "--sampling", "uniform",
                        "--sampling-frames", "2147483647")
    assert np.array_equal(ids, np.arange(100)), ids
    assert time.monotonic() - start < 20


def t_truncated_uniform():
    data = open(DEMO, "rb").read()
    open(tmp("half.mp4"), "wb").write(data[:len(data) // 2])
    _, ids = same_as_full_decode(tmp("half.mp4"), "half", "--sampling",
                                 "uniform")
    assert len(ids) == 16, ids


check("every shared clip: uniform 16, skipping = full decode", t_media_uniform)
check("every shared clip: fps with start/end, skipping = full decode",
      t_media_fps_range)
check("a long concatenated clip: GOPs skipped, same windows",
      t_long_clip_skips_gops)
check("a long concatenated clip: fps in a range", t_long_clip_fps)
check("an MP4 edit list: N is the frames GStreamer outputs", t_edit_list_ids)
check("fps sampling as Qwen2.5-VL", t_fps_like_qwen)
check("Annex-B stream: frames counted from its packets", t_annexb_counted)
check("--sampling-frames 2147483647 bounded by the frames", t_huge_count_is_bounded)
check("a truncated MP4: 16 frames of what is there", t_truncated_uniform)
finish()
