#!/usr/bin/python3
# cps — cps.compat, the codec-patch-stream API: the reference README's
# examples with the import changed, the session's API, config fields,
# errors, and parity of patch_stream() with the reference's recorded runs
# (tests/bench/parity.py's measures, as tests/test_parity.py).  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))  # this tree's package
sys.path.insert(0, os.path.join(HERE, "bench"))
from tap import check, finish  # noqa: E402

BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
os.environ.setdefault("CPS_EXTRACT", os.path.join(BUILD, "tools", "cps-extract"))
os.environ.setdefault("GST_PLUGIN_PATH", os.path.join(BUILD, "gst"))
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")

try:
    import cps
    import cps.compat
    import parity
except (ImportError, ValueError) as e:
    print(f"1..0 # SKIP python3-gi, GStreamer's typelibs or numpy are absent: {e}")
    sys.exit(0)

# The reference README's patch_stream example, one line changed (the import);
# the path is the demo clip.
EXAMPLE = '''
from cps.compat import PatchStreamConfig, patch_stream

session = patch_stream(
    PatchStreamConfig(
        video_path=CLIP,
        sequence_length=16,
        decode_backend="cpu",   # auto|cpu|gpu
        process_backend=PROCESS,  # auto|cpu|gpu
        decode_device_id=0,
        process_device_id=0,
        uniform_strategy="auto",
        input_size=224,
        patch_size=14,
        k_keep=2048,
        output_dtype="bf16",
    )
)
patches = session.patches
meta_fields, meta_scores = session.metadata_tensors
session.close()
'''

# Its decode_only example and the older CodecPatchStream quick usage.
EXAMPLE_DECODE = '''
from cps.compat import DecodeConfig, decode_only

decoded = decode_only(
    DecodeConfig(
        video_path=CLIP,
        sequence_length=16,
        decode_backend="auto",  # auto|cpu|gpu
        decode_device_id=0,
        uniform_strategy="auto",
    )
)
frames = decoded.frames
'''

EXAMPLE_STREAM = '''
from cps.compat import CodecPatchStream

stream = CodecPatchStream(
    video_path=CLIP,
    sequence_length=16,
    input_size=224,
    patch_size=14,
    k_keep=512,
    static_fallback=True,   # optional static-scene fallback
    static_abs_thresh=2.0,  # auto-compatible: <=1 means [0,1], >1 means [0,255]
    static_rel_thresh=0.15,
    static_uniform_frames=4,
    # global top-k with I-frame priority
    output_dtype="bf16",
    backend="auto",         # auto | gpu | cpu
)

for patch, meta in stream:
    pass

stream.reset()
patches, meta_fields, meta_scores = stream.next_n_tensors(256)
all_meta_fields, all_meta_scores = stream.metadata_tensors
'''


def shape(x):
    return tuple(x.shape)


def t_example():
    ns = {"CLIP": CLIP, "PROCESS": "cpu"}
    exec(EXAMPLE, ns)
    assert shape(ns["patches"]) == (2048, 3, 14, 14), shape(ns["patches"])
    assert shape(ns["meta_fields"]) == (2048, 6) and shape(ns["meta_scores"]) == (2048,)
    if cps.torch_available():
        import torch
        assert ns["patches"].dtype == torch.bfloat16
        assert ns["meta_fields"].dtype == torch.int64 and ns["meta_scores"].dtype == torch.float32


def t_example_gpu():
    ns = {"CLIP": CLIP, "PROCESS": "gpu"}
    try:
        exec(EXAMPLE, ns)
    except cps.Error as e:  # no CUDA here: cps-extract's own message
        assert "--process gpu" in str(e) and "cuda" in str(e).lower(), str(e)
        return "skip no GPU processing here: " + str(e).splitlines()[0]
    assert shape(ns["patches"]) == (2048, 3, 14, 14)


def t_example_decode():
    ns = {"CLIP": CLIP}
    exec(EXAMPLE_DECODE, ns)
    d = ns["decoded"]
    assert shape(d.frames) == (16, d.height, d.width, 3), shape(d.frames)
    assert (d.width, d.height) == (640, 360) and d.fps == 25.0 and d.duration_sec > 0
    assert str(d.frames.dtype).endswith("uint8")
    s = cps.compat.patch_stream(cps.compat.PatchStreamConfig(video_path=CLIP, k_keep=1))
    assert d.sampled_frame_ids == s.sampled_frame_ids, (d.sampled_frame_ids, s.sampled_frame_ids)
    f = np.asarray(d.frames)
    assert 20 < f.mean() < 235 and not np.array_equal(f[0], f[-1])


def t_example_stream():
    ns = {"CLIP": CLIP}
    exec(EXAMPLE_STREAM, ns)
    assert shape(ns["patches"]) == (256, 3, 14, 14)
    assert shape(ns["all_meta_fields"]) == (512, 6)


def t_session_api():
    cfg = cps.compat.PatchStreamConfig(video_path=CLIP, k_keep=64, output_dtype="float32")
    with cps.compat.patch_stream(cfg) as s:
        n = len(s)
        assert n == 64
        fields, scores = s.metadata_tensors
        f, sc = np.asarray(fields), np.asarray(scores)
        assert f.dtype == np.int64 and f.shape == (n, 6) and sc.dtype == np.float32
        md = s.metadata
        assert len(md) == n and md[5]["patch_linear_idx"] == f[5, 3]
        assert md[5]["score"] == sc[5] and md[5]["frame_id"] == s.sampled_frame_ids[f[5, 0]]
        it = list(s)
        assert len(it) == n and list(s) == []  # the cursor is at the end
        assert [m for _, m in it] == md
        s.reset()
        p10, m10 = s.next_n(10)  # the reference's shape: (patches, [meta, ...])
        assert shape(p10) == (10, 3, 14, 14) and m10 == md[:10]
        p, fl, scs = s.next_n_tensors(20)
        assert shape(p) == (20, 3, 14, 14)
        assert np.array_equal(np.asarray(fl), f[10:30]) and np.array_equal(np.asarray(scs), sc[10:30])
        prest, mrest = s.next_n(1000)
        assert len(mrest) == n - 30 and shape(prest)[0] == n - 30
        pe, me = s.next_n(5)
        assert me == [] and shape(pe)[0] == 0 and shape(s.next_n_tensors(5)[0])[0] == 0
        r = s.collect_all()  # everything, the cursor left where it is
        assert r.metadata == md and r.sampled_frame_ids == s.sampled_frame_ids
        assert np.array_equal(np.asarray(r.patches), np.asarray(s.patches))
        assert np.array_equal(np.asarray(r.metadata_tensors[0]), f)
        assert (r.fps, r.duration_sec) == (s.fps, s.duration_sec) and s.next_n(1)[1] == []
        assert np.array_equal(np.asarray(it[7][0]), np.asarray(s.patches[7]))
        assert s.fps == 25.0 and abs(s.duration_sec - 4.0) < 0.05
    try:
        s.reset()
    except RuntimeError:
        pass
    else:
        raise AssertionError("a closed session still works")


def t_fields():
    C = cps.compat.PatchStreamConfig
    c = C(video_path=CLIP)
    assert (c.k_keep, c.energy_pct, c.output_dtype, c.selection_unit) == (2048, 95.0, "bfloat16", "patch")
    assert (c.decode_backend, c.process_backend, c.static_fallback) == ("auto", "auto", False)
    c = C(video_path=CLIP, prefetch_depth=4, reader_cache_size=8, nvdec_surface_pool=6)
    assert set(c.ignored) == {"prefetch_depth", "reader_cache_size", "nvdec_surface_pool"}
    for bad in ({"backend": "cpu"}, {"k": 5}, {"device_id": 0}):
        try:
            C(video_path=CLIP, **bad)
        except TypeError as e:
            assert list(bad)[0] in str(e)
        else:
            raise AssertionError(f"{bad} accepted")
    try:
        cps.compat.DecodeConfig(video_path=CLIP, k_keep=4)
    except TypeError:
        pass
    else:
        raise AssertionError("DecodeConfig took k_keep")
    for bad in ({"output_dtype": "int8"}, {"output_dtype": "half"}, {"process_backend": "tpu"},
                {"selection_unit": "tile"}):
        try:
            cps.compat.patch_stream(C(video_path=CLIP, **bad))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{bad} accepted")
    # the reference's other spellings, case-insensitive as there
    s = cps.compat.patch_stream(C(video_path=CLIP, k_keep=8, output_dtype="FP32",
                                  selection_unit="Block_2x2", decode_threads=2))
    assert str(s.patches.dtype).endswith("float32") and len(s) == 8
    f = np.asarray(s.metadata_tensors[0])  # two whole 2x2 blocks
    assert len({(int(t), int(h) // 2, int(w) // 2) for t, h, w in f[:, [0, 4, 5]]}) == 2, f


check("the reference README's patch_stream example (cpu -> cpu)", t_example)
check("the same with process_backend gpu: runs, or cps-extract's clear error", t_example_gpu)
check("the reference README's decode_only example", t_example_decode)
check("the reference README's CodecPatchStream example", t_example_stream)
check("session: len, iteration, next_n, next_n_tensors, reset, collect_all, close", t_session_api)
check("config: defaults, ignored fields, unknown fields and bad values", t_fields)

# Parity with the reference's recorded runs (skipped where they are absent).
anchor = parity.anchor_dir()
runs = []
if os.path.isdir(os.path.join(anchor, "runs")):
    for name, run, settings in parity.load_runs(anchor):
        try:
            runs.append((name, run, settings, parity.clip_path(anchor, run)))
        except FileNotFoundError as e:
            print(f"# left out {name}: {e}")


def one(r):
    name, run, (k, unit, sf), clip = r
    cfg = cps.compat.PatchStreamConfig(
        video_path=clip, decode_backend="cpu", process_backend="cpu", k_keep=k,
        selection_unit=unit, static_fallback=sf, output_dtype="float32")
    with cps.compat.patch_stream(cfg) as s:
        fields = np.asarray(s.metadata_tensors[0])
        return name, run, unit, s.sampled_frame_ids, s.is_i, fields


def t_parity():
    if not runs:
        return f"skip no anchor runs or clips in {anchor} (CPS_ANCHOR_DIR or CPS_MEDIA_DIR/../anchor)"
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, runs))
    tts = []
    for name, run, unit, ids, is_i, fields in results:
        assert ids == run["sampled_frame_ids"], f"{name}: frame ids {ids}"
        assert is_i == run["is_i"], f"{name}: is_i {is_i}"
        tt, plain, missed = parity.selection_agreement(run, unit, fields[:, 3])
        tts.append(tt)
        print(f"# {name}: tie-tolerant Jaccard {tt:.4f}, plain {plain:.4f}, missed {missed}")
        assert tt >= 0.97, f"{name}: tie-tolerant Jaccard {tt:.4f} < 0.97"
    mean = sum(tts) / len(tts)
    print(f"# patch_stream: mean tie-tolerant Jaccard {mean:.4f} over {len(tts)} runs "
          f"({time.monotonic() - t0:.0f} s)")
    if len(tts) == 32:
        assert mean >= 0.99, f"mean {mean:.4f} < 0.99"


check("patch_stream against the reference's recorded runs (tie-tolerant Jaccard)", t_parity)


def t_decode_parity():
    d = os.path.join(anchor, "runs")
    names = sorted(f for f in os.listdir(d) if f.endswith("__decode.json")) if os.path.isdir(d) else []
    if not names:
        return f"skip no recorded decode_only runs in {d}"
    for name in names:
        run = json.load(open(os.path.join(d, name)))
        try:
            clip = parity.clip_path(anchor, run)
        except FileNotFoundError as e:
            print(f"# left out {name}: {e}")
            continue
        got = cps.compat.decode_only(cps.compat.DecodeConfig(
            video_path=clip, sequence_length=run["frames_shape"][0], decode_backend="cpu"))
        frames = got.asnumpy()
        assert list(frames.shape) == run["frames_shape"], (name, frames.shape)
        assert got.sampled_frame_ids == run["sampled_frame_ids"], (name, got.sampled_frame_ids)
        assert (got.width, got.height, got.fps) == (run["width"], run["height"], run["fps"])
        # GStreamer's duration is the container's, which may round to 1 ms
        assert abs(got.duration_sec - run["duration_sec"]) < 2e-3, (name, got.duration_sec)
        hashes = [hashlib.sha256(np.ascontiguousarray(f).tobytes()).hexdigest() for f in frames]
        same = sum(a == b for a, b in zip(hashes, run["per_frame_sha256"]))
        print(f"# {name}: {same}/{len(hashes)} frames bit-identical")
        assert same == len(hashes), f"{name}: {same}/{len(hashes)} frames identical"


check("decode_only against the reference's recorded frames (sha256 of every RGB frame)",
      t_decode_parity)


def t_decode_seeks():
    demo = os.path.join(parity.media_dir(), "demo.mp4")
    if not os.path.exists(demo):
        return f"skip {demo} absent"
    import subprocess
    import tempfile
    from gi.repository import Gst
    with tempfile.TemporaryDirectory() as tmp:
        # 12 x demo: 46 s, sampled frames 3 s apart, GOPs of 91 frames
        lst, clip = os.path.join(tmp, "list.txt"), os.path.join(tmp, "long.mp4")
        open(lst, "w").write(f"file '{os.path.abspath(demo)}'\n" * 12)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0",
                        "-i", lst, "-c", "copy", clip], check=True)
        seeks = []
        real = Gst.Element.seek_simple
        Gst.Element.seek_simple = lambda el, *a: seeks.append(a) or real(el, *a)
        try:
            cfg = cps.compat.DecodeConfig(video_path=clip, decode_backend="cpu")
            sought = cps.compat.decode_only(cfg).asnumpy()
        finally:
            Gst.Element.seek_simple = real
        ahead = cps.compat._SEEK_AHEAD_NS
        cps.compat._SEEK_AHEAD_NS = 1 << 62  # decode through instead
        try:
            through = cps.compat.decode_only(cfg).asnumpy()
        finally:
            cps.compat._SEEK_AHEAD_NS = ahead
    print(f"# {len(seeks)} seeks; frames equal to decoding through: {np.array_equal(sought, through)}")
    assert len(seeks) == 15, len(seeks)
    assert np.array_equal(sought, through)


check("decode_only on a long file: seeks to the sampled frames' GOPs, the same frames",
      t_decode_seeks)
finish()
