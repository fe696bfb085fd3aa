#!/usr/bin/python3
# cps — the Python package (python/cps): cps.open() on the demo clip equals
# cps.load() of cps-extract's files; errors, early exits, numpy and torch
# outputs.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from tap import check, finish

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))  # this tree's package
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")

try:
    import cps
    from gi.repository import Gst
except (ImportError, ValueError) as e:
    print(f"1..0 # SKIP python3-gi, GStreamer's typelibs or numpy are absent: {e}")
    sys.exit(0)

TORCH = cps.torch_available()
NO_TORCH = "skip torch does not import here (Debian: apt-get install python3-torch)"
tmp = tempfile.TemporaryDirectory(prefix="cps-pkg-")


def extract(name, *options):
    out = os.path.join(tmp.name, name)
    subprocess.run([EXTRACT, "-q", "-o", out, *options, CLIP], check=True,
                   capture_output=True, text=True, timeout=300)
    return out


def t_stream_equals_files():
    windows = list(cps.open(CLIP, tensor_type="numpy", k=256, dtype="bf16"))
    files = cps.load(extract("k256", "--k", "256", "--dtype", "bf16"),
                     tensor_type="numpy")
    assert len(windows) == len(files) == 7, (len(windows), len(files))
    next_frame = 0
    for w, f in zip(windows, files):
        assert w.index == f.index and w.dtype == f.dtype == "bf16"
        md = w.metadata
        n, t, p = md["n_patches"], md["n_frames"], md["patch_size"]
        assert w.patches.shape == (n, 3, p, p) and w.patches.dtype == np.uint16
        assert w.fields.shape == (n, 6) and w.scores.shape == (n,)
        assert w.frame_ids.shape == w.is_i.shape == w.frame_pts_ns.shape == (t,)
        hb, wb = md["grid_height"], md["grid_width"]
        fl = w.fields
        assert np.array_equal(fl[:, 3], fl[:, 0] * hb * wb + fl[:, 4] * wb + fl[:, 5])
        assert np.array_equal(fl[:, 1], w.frame_ids[fl[:, 0]])
        assert np.array_equal(fl[:, 2], w.is_i[fl[:, 0]])
        assert np.array_equal(w.frame_ids, np.arange(next_frame, next_frame + t))
        next_frame += t
        assert w.patches.tobytes() == f.patches.tobytes(), f"window {w.index}: patches"
        for name in ("fields", "scores", "frame_ids", "frame_pts_ns", "is_i"):
            assert np.array_equal(getattr(w, name), getattr(f, name)), name
        assert w.fps == f.fps == 25 and w.duration == f.duration > 0, (w.fps, f.fps)
        assert int(f.metadata["n_patches"]) == n == 256
    assert next_frame == 100, next_frame


def t_load_window():
    d = cps.load(os.path.join(tmp.name, "k256"), tensor_type="numpy")
    one = cps.load_window(d.paths[0], tensor_type="numpy")
    assert one["__metadata__"]["format"] == "cps-patches"
    assert one["__metadata__"]["window_index"] == "0"
    assert np.array_equal(one["fields"], d[0].fields)
    assert one["patches"].dtype == np.uint16


def t_properties():
    try:
        cps.open(CLIP, no_such_property=1)
    except TypeError as e:
        assert "no_such_property" in str(e) and "cpstopk:" in str(e) and " k," in str(e), e
    else:
        raise AssertionError("no TypeError")
    # _ or -, routed to their elements
    with cps.open(CLIP, tensor_type="numpy", **{"search_radius": 2, "motion-model": "camera",
                                                 "k": 128, "dtype": "u8"}) as s:
        w = next(iter(s))
        assert w.patches.dtype == np.uint8 and w.n_patches == 128
        assert w.metadata["motion_model"] == "camera" and w.camera_motion.shape == (16, 4)
        assert " search-radius=2 " in w.metadata["elements"], w.metadata["elements"]
    try:
        cps.open(CLIP, tensor_type="tensorflow")
    except ValueError:
        pass
    else:
        raise AssertionError("no ValueError for tensor_type")


def raises_error(path):
    start = time.monotonic()
    try:
        for _ in cps.open(path, tensor_type="numpy"):
            pass
    except cps.Error as e:
        took = time.monotonic() - start
        assert took < 5, took
        return str(e)
    raise AssertionError(f"{path}: no cps.Error")


def t_errors():
    msg = raises_error(os.path.join(tmp.name, "missing.mp4"))
    assert "missing.mp4" in msg, msg
    text = os.path.join(tmp.name, "text.mp4")
    with open(text, "w") as f:
        f.write("not a video\n" * 1000)
    msg = raises_error(text)
    assert msg, msg
    # a file without video: one second of silence in a WAV
    import wave
    audio = os.path.join(tmp.name, "audio.wav")
    with wave.open(audio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    msg = raises_error(audio)
    assert msg, msg


def t_ten_bit():
    """The case that hung a naive pull loop: 10-bit input, which cpsmotion
    refuses, raises instead, naming the format."""
    ten = os.path.join(tmp.name, "ten.mp4")
    made = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=25", "-t", "1", "-c:v", "libx264",
         "-pix_fmt", "yuv420p10le", ten], capture_output=True)
    if made.returncode != 0:
        return "skip ffmpeg cannot make 10-bit H.264 here: " + made.stderr.decode()[-200:]
    msg = raises_error(ten)
    assert "10LE" in msg and "videoconvert" in msg, msg


def t_break_early():
    threads = threading.active_count()
    s = cps.open(CLIP, tensor_type="numpy")
    pipeline = s.pipeline
    for w in s:
        break
    assert w.index == 0
    s.close()
    assert s.pipeline is None
    assert pipeline.get_state(0)[1] == Gst.State.NULL
    del pipeline
    with cps.open(CLIP, tensor_type="numpy") as s2:
        pipeline = s2.pipeline
        next(s2)
    assert pipeline.get_state(0)[1] == Gst.State.NULL
    del pipeline, s, s2
    gc.collect()
    assert threading.active_count() == threads
    # a process that leaves the loop after one window exits at once, and its
    # leaks tracer (GST_TRACERS=leaks, fatal warnings: the suite's
    # environment) finds nothing
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import cps, gc\nfrom gi.repository import Gst\n"
            "with cps.open(%r, tensor_type='numpy') as s:\n"
            "    for w in s:\n        break\n"
            "del s, w\ngc.collect()\nGst.deinit()\nprint('done')\n"
            % (os.path.join(ROOT, "python"), CLIP))
    env = dict(os.environ, GST_TRACERS="leaks", GST_DEBUG="GST_TRACER:7",
               G_DEBUG="fatal-warnings")
    r = subprocess.run(["/usr/bin/python3", "-c", code], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "done", (r.returncode, r.stderr[-2000:])
    assert "Leaks detected" not in r.stderr, r.stderr[-2000:]


def t_bf16_helper():
    files = cps.load(os.path.join(tmp.name, "k256"), tensor_type="numpy")
    fp32 = cps.load(extract("fp32", "--k", "256", "--dtype", "fp32"), tensor_type="numpy")
    bf, ref = files[0].patches, fp32[0].patches
    back = cps.bf16_to_float32(bf)
    assert back.dtype == np.float32 and back.shape == ref.shape
    assert np.all(np.abs(back - ref) <= np.abs(ref) * 2.0 ** -8 + 1e-6)
    assert np.array_equal(cps.bf16_to_float32(np.array([0x3F80, 0xC000], np.uint16)),
                          np.array([1.0, -2.0], np.float32))


def t_torch():
    if not TORCH:
        return NO_TORCH
    import torch
    with cps.open(CLIP, tensor_type="torch", k=256, dtype="bf16") as s:
        w = next(s)
    f = cps.load(os.path.join(tmp.name, "k256"), tensor_type="torch")[0]
    assert w.patches.dtype == f.patches.dtype == torch.bfloat16
    assert torch.equal(w.patches.view(torch.int16), f.patches.view(torch.int16))
    assert torch.equal(w.fields, f.fields) and w.fields.dtype == torch.int64


def t_auto():
    if not TORCH:
        with cps.open(CLIP) as s:
            assert isinstance(next(s).patches, np.ndarray)
        try:
            cps.open(CLIP, tensor_type="torch")
        except ImportError:
            pass
        else:
            raise AssertionError("tensor_type='torch' without torch did not raise")
        return NO_TORCH + " (checked: auto gives numpy, torch raises ImportError)"
    import torch
    with cps.open(CLIP) as s:
        assert isinstance(next(s).patches, torch.Tensor)


check("cps.open() windows are consistent and equal cps.load() of cps-extract's files", t_stream_equals_files)
check("cps.load_window(): tensors and __metadata__", t_load_window)
check("properties: _ or -, routed to their element; unknown ones list the valid", t_properties)
check("a missing file, a text file and an audio file raise cps.Error within 5 s", t_errors)
check("10-bit input raises cps.Error within 5 s, naming the format", t_ten_bit)
check("leaving the loop early: pipeline NULL, no thread or leak left", t_break_early)
check("numpy bf16 as uint16, cps.bf16_to_float32 within bf16's half step", t_bf16_helper)
check("torch: bf16 patches as torch.bfloat16, equal to the file's", t_torch)
check("tensor_type='auto': torch where it imports, numpy otherwise", t_auto)

gc.collect()
Gst.deinit()
finish()
