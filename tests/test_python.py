#!/usr/bin/python3
# cps — the safetensors output read by an independent reader, and the
# Python access to patch metadata.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from tap import check, finish
from safetensors_reader import read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")
TENSORS = {"patches", "fields", "scores", "frame_ids", "frame_pts_ns", "is_i"}
CAMERA_TENSORS = {"camera_motion", "camera_classes"}  # motion-model=camera

try:
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    from gi.repository import Gst, GstApp  # noqa: F401 (GstApp: cpspatchsink is an AppSink)
except (ImportError, ValueError) as e:
    print(f"1..0 # SKIP python3-gi or GStreamer's typelibs are absent: {e}")
    sys.exit(0)



def extract(out_dir, *options):
    subprocess.run([EXTRACT, "-q", "-o", out_dir, *options, CLIP],
                   check=True, capture_output=True, text=True)
    names = sorted(f for f in os.listdir(out_dir) if f.endswith(".safetensors"))
    return [read_safetensors(os.path.join(out_dir, f)) for f in names]


tmp = tempfile.TemporaryDirectory(prefix="cps-py-")
runs = {}
for dtype in ("fp32", "bf16", "fp16", "u8"):
    d = os.path.join(tmp.name, dtype)
    runs[dtype] = extract(d, "--dtype", dtype)


def t_layout():
    assert len(runs["bf16"]) == 7, len(runs["bf16"])
    for meta, tensors in runs["bf16"]:
        camera = meta["motion_model"] == "camera"
        assert set(tensors) == TENSORS | (CAMERA_TENSORS if camera else set()), set(tensors)
        n, t, p = int(meta["n_patches"]), int(meta["n_frames"]), int(meta["patch_size"])
        assert tensors["patches"][0] == "BF16"
        assert tensors["patches"][1].shape == (n, 3, p, p)
        assert tensors["fields"][0] == "I64" and tensors["fields"][1].shape == (n, 6)
        assert tensors["scores"][0] == "F32" and tensors["scores"][1].shape == (n,)
        for name, dt in (("frame_ids", "I64"), ("frame_pts_ns", "I64"), ("is_i", "U8")):
            assert tensors[name][0] == dt and tensors[name][1].shape == (t,), name


def t_fields_consistent():
    next_frame = 0
    for meta, tensors in runs["bf16"]:
        f = tensors["fields"][1]
        hb, wb = int(meta["grid_height"]), int(meta["grid_width"])
        ids, is_i = tensors["frame_ids"][1], tensors["is_i"][1]
        pts = tensors["frame_pts_ns"][1]
        assert np.array_equal(f[:, 3], f[:, 0] * hb * wb + f[:, 4] * wb + f[:, 5])
        assert np.all(np.diff(f[:, 3]) > 0), "not in ascending linear index"
        assert np.array_equal(f[:, 1], ids[f[:, 0]])
        assert np.array_equal(f[:, 2], is_i[f[:, 0]])
        assert np.array_equal(ids, np.arange(next_frame, next_frame + len(ids)))
        assert np.all(np.diff(pts) > 0) and pts[0] >= 0
        assert is_i.any(), "first-frame rule: a window has an I-frame"
        assert np.all(tensors["scores"][1] >= 0)
        next_frame += len(ids)
    assert next_frame == 100, next_frame


def t_metadata():
    meta, tensors = runs["bf16"][0]
    assert meta["format"] == "cps-patches"
    assert meta["source"] == "file://" + os.path.realpath(CLIP), meta["source"]
    assert meta["dtype"] == "bf16"
    assert meta["k"] == "512" and meta["sequence_length"] == "16"
    assert (meta["grid_height"], meta["grid_width"]) == ("12", "22")
    assert (meta["target_height"], meta["target_width"]) == ("168", "308")
    assert (meta["source_height"], meta["source_width"]) == ("360", "640")
    assert re.match(r"\d+\.\d+\.\d+$", meta["cps_version"])
    assert meta["gstreamer_version"].startswith("GStreamer 1.")
    assert meta["elements"].startswith("cpsmotion ")
    assert " ! cpstopk " in meta["elements"] and " k=512 " in meta["elements"]
    # the window's effective values: the radius the rule chose for 0, the
    # pixel bounds input-size^2 stood for; the source's rate and duration
    assert re.search(r" search-radius=[1-9] ", meta["elements"]), meta["elements"]
    assert " min-pixels=50176 max-pixels=50176 " in meta["elements"], meta["elements"]
    assert re.match(r"[1-9]\d*/[1-9]\d*$", meta["source_fps"]), meta["source_fps"]
    assert int(meta["source_duration_ns"]) > 0, meta["source_duration_ns"]
    assert meta["fields_columns"] == \
        "seq_pos,frame_id,is_i,patch_linear_idx,patch_h_idx,patch_w_idx"


def bf16_round(x):
    """float32 -> bfloat16 bits, round to nearest even (NaN-free input)."""
    bits = x.astype("<f4").view("<u4").astype(np.uint64)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype("<u2")


def t_dtype_round_trips():
    for (m32, t32), (m16, tb), (mh, th), (m8, tu) in zip(
            runs["fp32"], runs["bf16"], runs["fp16"], runs["u8"]):
        ref = t32["patches"][1]
        for t in (tb, th, tu):  # the selection does not depend on dtype
            assert np.array_equal(t["fields"][1], t32["fields"][1])
            assert np.array_equal(t["scores"][1], t32["scores"][1])
        assert np.array_equal(tb["patches"][1], bf16_round(ref)), "bf16"
        # and back: bf16 -> float32 is exact, within bf16's half step
        back = (tb["patches"][1].astype(np.uint32) << 16).view("<f4")
        assert np.all(np.abs(back - ref) <= np.abs(ref) * 2.0 ** -8 + 1e-6)
        assert np.array_equal(th["patches"][1], ref.astype(np.float16)), "fp16"
        u8 = np.clip(np.rint(ref), 0, 255).astype(np.uint8)
        assert np.array_equal(tu["patches"][1], u8), "u8"
        assert 0 <= ref.min() and ref.max() <= 255


def pull_first_window(dtype, motion="", topk=""):
    """Window 0 through PyGObject: the custom meta and the mapped buffer."""
    Gst.init(None)
    pipeline = Gst.parse_launch(
        f"filesrc location={CLIP} ! decodebin ! cpsmotion {motion} ! cpsenergy ! "
        f"cpstopk dtype={dtype} {topk} ! cpspatchsink name=sink")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    sample = sink.try_pull_sample(20 * Gst.SECOND)
    assert sample is not None, "no sample within 20 s"
    buf = sample.get_buffer()
    info = buf.get_custom_meta("CpsPatchInfoMeta").get_structure()
    ok, mapped = buf.map(Gst.MapFlags.READ)
    assert ok
    data = bytes(mapped.data)
    buf.unmap(mapped)
    pipeline.set_state(Gst.State.NULL)
    return info, data


def t_python_meta_matches_file():
    info, data = pull_first_window("bf16")
    meta, tensors = runs["bf16"][0]

    def arr(name, dt):
        return np.frombuffer(info.get_value(name).get_data(), dtype=dt)

    assert info.get_value("n-patches") == int(meta["n_patches"])
    assert info.get_value("window-index") == 0
    assert info.get_value("dtype") == "bf16"
    assert np.array_equal(arr("fields", np.int64).reshape(-1, 6),
                          tensors["fields"][1])
    assert np.array_equal(arr("scores", np.float32), tensors["scores"][1])
    assert np.array_equal(arr("frame-ids", np.int64), tensors["frame_ids"][1])
    assert np.array_equal(arr("frame-pts", np.uint64).astype(np.int64),
                          tensors["frame_pts_ns"][1])
    assert np.array_equal(arr("frame-is-i", np.uint8), tensors["is_i"][1])
    assert data == tensors["patches"][1].tobytes()
    assert info.get_value("motion-model") == meta["motion_model"]
    assert info.get_value("n-tokens") == int(meta["n_tokens"]) == int(meta["n_patches"])
    assert info.get_value("token-merge") == meta["token_merge"] == "1x1"


def t_python_tokens_2x2():
    info, _ = pull_first_window("u8", topk="selection-unit=block2x2")
    assert info.get_value("token-merge") == "2x2"
    assert info.get_value("n-tokens") * 4 == info.get_value("n-patches") == 512


def t_python_camera_motion():
    """The camera model's per-frame motion and classes, and the window's
    class: the class of more than half of its frames, else complex."""
    info, _ = pull_first_window("bf16", "motion-model=camera")
    t = info.get_value("n-frames")
    motion = np.frombuffer(info.get_value("camera-motion").get_data(),
                           np.float32).reshape(-1, 4)
    classes = np.frombuffer(info.get_value("camera-classes").get_data(), np.uint8)
    names = ["static", "pan", "zoom", "complex"]
    assert info.get_value("motion-model") == "camera"
    assert motion.shape == (t, 4) and classes.shape == (t,), (motion.shape, classes)
    assert np.all(np.isfinite(motion)) and np.all(motion[:, 2] > 0), motion
    assert np.all(classes < 4) and classes[0] == 0, classes  # first frame: static
    counts = np.bincount(classes, minlength=4)
    majority = [c for c in range(4) if 2 * counts[c] > t]
    expected = names[majority[0]] if majority else "complex"
    assert info.get_value("camera-class") == expected, (info.get_value("camera-class"), classes)


def t_python_example():
    out = subprocess.run(
        ["/usr/bin/python3", os.path.join(ROOT, "pipelines", "read_patches.py"),
         CLIP, "--windows", "1"], check=True, capture_output=True,
        text=True, timeout=120).stdout
    lines = out.splitlines()
    assert lines[0].startswith("window 0: 512 patches (512, 3, 14, 14) "
                               "bf16->float32, 16 frames 0..15, grid 12x22"), out
    fields = runs["bf16"][0][1]["fields"][1]
    for row, line in zip(fields[:3], lines[2:5]):
        assert [int(v) for v in line.split()[:6]] == list(row), line


def t_seek_mid_window():
    """A flushing seek mid-window: the partial window is dropped, the next
    starts at the new position with frame ids from it."""
    Gst.init(None)
    pipeline = Gst.parse_launch(
        f"filesrc location={CLIP} ! decodebin ! cpsmotion ! cpsenergy ! "
        "cpstopk ! cpspatchsink name=sink max-buffers=1")
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PAUSED)
    pipeline.get_state(10 * Gst.SECOND)
    pipeline.set_state(Gst.State.PLAYING)

    def window():
        sample = sink.try_pull_sample(20 * Gst.SECOND)
        assert sample is not None, "no window"
        s = sample.get_buffer().get_custom_meta("CpsPatchInfoMeta").get_structure()
        ids = np.frombuffer(s.get_value("frame-ids").get_data(), np.int64)
        pts = np.frombuffer(s.get_value("frame-pts").get_data(), np.uint64)
        return s.get_value("window-index"), ids, pts.astype(np.int64)

    w0, ids0, pts0 = window()
    assert pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH |
                                Gst.SeekFlags.ACCURATE, 2 * Gst.SECOND)
    w1, ids1, pts1 = window()
    pipeline.set_state(Gst.State.NULL)
    assert (w0, list(ids0)) == (0, list(range(16))), (w0, ids0)
    # the window after the seek: PTS from 2 s on, ids from its position
    assert pts1[0] >= 2 * Gst.SECOND - 40000000, pts1
    assert ids1[0] == (pts1[0] - pts0[0]) // 40000000, (ids1, pts1, pts0[0])
    assert np.array_equal(np.diff(ids1), np.ones(15)), ids1
    assert w1 >= 1 and 45 <= ids1[0] <= 50, (w1, ids1)


check("safetensors files: 7 windows, six tensors with the documented dtypes and shapes", t_layout)
check("fields, frame ids, is_i and PTS are consistent within and across windows", t_fields_consistent)
check("__metadata__ names the source, geometry, parameters and versions", t_metadata)
check("bf16, fp16 and u8 patches are the fp32 values rounded; selection identical", t_dtype_round_trips)
check("PyGObject reads CpsPatchInfoMeta equal to the file's tensors", t_python_meta_matches_file)
check("CpsPatchInfoMeta: n-tokens is n-patches / 4 with selection-unit=block2x2", t_python_tokens_2x2)
check("PyGObject reads the camera model's motion and classes from CpsPatchInfoMeta", t_python_camera_motion)
check("pipelines/read_patches.py prints window 0's first fields", t_python_example)
check("a flushing seek mid-window: the next window starts at the new position", t_seek_mid_window)

# let the leaks tracer report on this process's pipelines too
gc.collect()
Gst.deinit()
finish()
