#!/usr/bin/python3
# cps — sampling a file by its packet index (cps-extract): the GOP-skipping
# run's windows are byte-identical to a run that decodes every frame
# (--decode-all) on every clip of the shared media directory and on a long
# clip concatenated from them; frame ids are source indices (N = the frames
# GStreamer's decoder outputs); fps sampling, start/end, and a huge
# --sampling-frames bounded by the frames that exist; a variable frame rate
# MP4 whose caps say framerate 0/1; open GOPs whose leading B-frames need
# the GOP before.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import filecmp
import os
import re
import shutil
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


def packets(path):
    """The video packets in decode order: (pts, key) from ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-show_entries", "packet=pts,flags", "-of", "csv",
                          path], capture_output=True, text=True,
                         check=True).stdout
    rows = [line.split(",") for line in out.split()]
    return [(int(r[1]), r[2].startswith("K")) for r in rows]


def vfr_clip():
    """The demo clip with frame durations of 40, 50, 43, 47 and 46 ms,
    encoded by openh264enc (no VUI timing) into a fragmented MP4 (no sample
    table in the moov; no fragment's mean duration is a common rate), so
    GStreamer's caps say framerate 0/1."""
    out = tmp("vfr.mp4")
    if os.path.exists(out):
        return out
    src = tmp("vfr-src.mkv")
    ms = ("226*floor(N/5)+40*gte(mod(N,5),1)+50*gte(mod(N,5),2)"
          "+43*gte(mod(N,5),3)+47*gte(mod(N,5),4)")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", DEMO, "-an", "-vf",
                    f"setpts='({ms})/1000/TB'", "-fps_mode", "vfr",
                    "-enc_time_base", "1/1000", "-c:v", "ffv1", src],
                   check=True)
    subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!",
                    "matroskademux", "!", "decodebin", "!", "videoconvert",
                    "!", "openh264enc", "gop-size=10", "!", "h264parse", "!",
                    "mp4mux", "fragment-duration=1000", "!", "filesink",
                    f"location={out}"], check=True, capture_output=True)
    return out


def gst_framerates(path):
    p = subprocess.run(["gst-launch-1.0", "-v", "filesrc", f"location={path}",
                        "!", "qtdemux", "!", "h264parse", "!", "fakesink"],
                       capture_output=True, text=True, timeout=60)
    return set(re.findall(r"framerate=\(fraction\)(\d+/\d+)", p.stdout))


def have_vfr_tools():
    if not shutil.which("gst-launch-1.0"):
        return False
    p = subprocess.run(["gst-inspect-1.0", "openh264enc"], capture_output=True)
    return p.returncode == 0


def t_vfr_uniform():
    if not have_vfr_tools():
        return "skip gst-launch-1.0 or openh264enc is missing"
    clip = vfr_clip()
    assert gst_framerates(clip) == {"0/1"}, gst_framerates(clip)
    pts = sorted(p for p, _ in packets(clip))
    steps = set(np.diff(pts))
    assert len(steps) >= 3, steps          # variable frame durations
    err, ids = same_as_full_decode(clip, "vfr", "--sampling", "uniform",
                                   "--sampling-frames", "16")
    assert f"{len(pts)} frames, 16 sampled: decoding the" in err, err
    assert list(ids) == [i * (len(pts) - 1) // 15 for i in range(16)], ids


def t_vfr_fps_range():
    """fps in [1 s, 4 s): the ids run from the first frame at 1 s to the
    last before 4 s, counted by presentation rank."""
    if not have_vfr_tools():
        return "skip gst-launch-1.0 or openh264enc is missing"
    clip = vfr_clip()
    pts = sorted(p for p, _ in packets(clip))
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-show_entries", "stream=time_base", "-of",
                          "csv=p=0", clip], capture_output=True, text=True,
                         check=True).stdout.strip()
    num, den = map(int, out.split("/"))
    seconds = [(p - pts[0]) * num / den for p in pts]
    first = sum(s < 1 - 1e-9 for s in seconds)
    stop = sum(s < 4 - 1e-9 for s in seconds)
    err, ids = same_as_full_decode(clip, "vfrfps", "--sampling", "fps",
                                   "--fps", "3", "--start", "1", "--end", "4")
    assert f"{len(pts)} frames" in err, err
    assert ids[0] == first and ids[-1] == stop - 1, (ids, first, stop)
    assert len(ids) >= 8 and np.all(np.diff(ids) > 0), ids


def open_gop_clip():
    """The demo clip three times, x264 with open GOPs (keyint 30, 3
    B-frames): each key frame after the first is followed, in decode
    order, by a B-frame shown before it."""
    out = tmp("open-gop.mp4")
    if not os.path.exists(out):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "2",
                        "-i", DEMO, "-an", "-c:v", "libx264", "-preset",
                        "ultrafast", "-x264-params",
                        "open-gop=1:keyint=30:min-keyint=30:scenecut=0:"
                        "bframes=3:b-adapt=0", out], check=True)
    return out


def leading_frames(path):
    """Presentation ranks of the frames that follow a key frame (not the
    first) in decode order but precede it in presentation order."""
    pkts = packets(path)
    rank = {p: r for r, p in enumerate(sorted(p for p, _ in pkts))}
    leading, key = [], None
    for i, (p, k) in enumerate(pkts):
        if k:
            key = p if i > 0 else None
        elif key is not None and p < key:
            leading.append(rank[p])
    return len(pkts), leading


def t_open_gop_leading_frames():
    clip = open_gop_clip()
    n, leading = leading_frames(clip)
    assert n == 300 and len(leading) >= 5, (n, leading)
    for f in leading[:3]:
        # the leading frame alone: its GOP and the one before it are fed
        err, ids = same_as_full_decode(clip, f"open{f}", "--sampling",
                                       "uniform", "--sampling-frames", "1",
                                       "--start", f"{f}f", "--end",
                                       f"{f + 1}f")
        assert list(ids) == [f], (f, ids)
        assert "decoding the 2 of 10 GOPs" in err, err
    # ⌊i·299/10⌋ takes 29, 59, 89, ...: the leading frames, across the clip
    err, ids = same_as_full_decode(clip, "openu", "--sampling", "uniform",
                                   "--sampling-frames", "11")
    assert set(leading) & set(ids), (leading, ids)
    err, ids = same_as_full_decode(clip, "openr", "--sampling", "uniform",
                                   "--sampling-frames", "3", "--start",
                                   f"{leading[1] - 1}f", "--end",
                                   f"{leading[2] + 2}f")


def t_plan_errors_fail_the_run():
    """The plan is made in a thread while the run starts: a bad range
    still fails the run, with the plan's message, and writes no window."""
    out = tmp("bad-range")
    p = subprocess.run([EXTRACT, "--progress-interval", "0", "--overwrite",
                        DEMO, "-o", out, "--sampling", "uniform",
                        "--start", "abc"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "a bound is seconds" in p.stderr, p.stderr
    assert not os.path.isdir(out) or not [
        n for n in os.listdir(out) if n.endswith(".safetensors")]


def t_empty_range_is_an_error():
    """A range past the end, or an empty one, is an error that says where
    the frames are, from cps-extract (one input, and a dataset's failure
    record; a raw stream, after decoding) and from cpsmotion itself
    (uniform sampling in gst-launch);
    before, the first ended with "no video stream" and the last without a
    window and without a word."""
    said = re.compile(r"start=1000s end=none: no frame in the range \(the "
                      r"video's \d+ frames are at 0-\d+\.\d\d s\)")
    for options in ([], ["--sampling", "uniform"]):
        p = subprocess.run([EXTRACT, "-q", "--overwrite", DEMO, "-o", tmp("empty-range"),
                            "--start", "1000s", *options],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and said.search(p.stderr), (options, p.stderr)
    out = tmp("empty-range-dataset")
    p = subprocess.run([EXTRACT, "-q", "--manifest", "-", "-o", out, "--start", "1000s"],
                       input=DEMO + "\n", capture_output=True, text=True, timeout=60)
    lines = open(os.path.join(out, "failures.jsonl")).read().splitlines()
    assert p.returncode == 1 and len(lines) == 1 and said.search(lines[0]), (p.stderr, lines)
    # a raw stream has no timestamps to plan with: the run finds it out
    raw = tmp("demo.h264")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", DEMO, "-an", "-c:v", "copy",
                    "-bsf:v", "h264_mp4toannexb", "-f", "h264", raw], check=True)
    p = subprocess.run([EXTRACT, "-q", "--overwrite", raw, "-o", tmp("empty-range-raw"),
                        "--start", "100000f"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and re.search(
        r"start=100000f end=none: no frame in the range \(\d+ frames decoded\)",
        p.stderr), p.stderr
    p = subprocess.run(["gst-launch-1.0", "filesrc", f"location={DEMO}", "!", "parsebin", "!",
                        "avdec_h264", "!", "cpsmotion", "sampling=uniform", "end=0f", "!",
                        "cpsenergy", "!", "cpstopk", "!", "cpspatchsink", "async=false"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and re.search(
        r"start=none end=0f: no frame in the range \(the stream's \d+ frames "
        r"last \d+\.\d\d s\)", p.stdout + p.stderr), (p.stdout, p.stderr)


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
check("a variable-rate MP4 (framerate 0/1): uniform, N = packets",
      t_vfr_uniform)
check("a variable-rate MP4 (framerate 0/1): fps in a range", t_vfr_fps_range)
check("open GOPs: leading B-frames decoded from the GOP before",
      t_open_gop_leading_frames)
check("a bad range fails the run (the plan's thread)",
      t_plan_errors_fail_the_run)
check("an empty range is an error saying where the frames are",
      t_empty_range_is_an_error)
finish()
