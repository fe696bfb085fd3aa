# cps — the codec-patch-stream API on top of the cps elements.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""codec-patch-stream compatibility: change ``from codec_patch_stream import``
to ``from cps.compat import`` and keep the code::

    from cps.compat import PatchStreamConfig, patch_stream
    with patch_stream(PatchStreamConfig(video_path="clip.mp4", k_keep=512)) as s:
        fields, scores = s.metadata_tensors
        for patch, meta in s:
            ...

Selection runs ``cps-extract`` with the reference's settings (motion-model
reference, sampling uniform over the file, sequence-length = sampling-frames
= sequence_length so the whole sample is one window) into a temporary
directory, read back with :func:`cps.load`.  cps-extract is found through
the ``CPS_EXTRACT`` environment variable, else on ``PATH``.

Fields without meaning in cps (``prefetch_depth``, ``reader_cache_size``,
``uniform_strategy``, ``uniform_auto_ratio``, ``decode_threads``,
``decode_thread_type`` and every ``nvdec_*`` field) are accepted and
ignored; any other unknown field raises TypeError.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from ._files import load
from ._stream import Error, _gst, _uri
from ._tensors import resolve_tensor_type, torch_available

__all__ = ["PatchStreamConfig", "DecodeConfig", "PatchStreamSession",
           "PatchStreamResult", "DecodedFrames", "CodecPatchStream",
           "patch_stream", "decode_only", "IGNORED_FIELDS"]

#: accepted for compatibility, without effect in cps (plus every ``nvdec_*``)
IGNORED_FIELDS = ("prefetch_depth", "reader_cache_size", "uniform_strategy",
                  "uniform_auto_ratio", "decode_threads", "decode_thread_type")

# the reference's spellings, compared case-insensitively as it does
_DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "fp16": "fp16", "float16": "fp16",
           "fp32": "fp32", "float32": "fp32"}
_UNITS = {"patch": "patch", "patches": "patch", "block2x2": "block2x2",
          "block_2x2": "block2x2", "block": "block2x2"}
_BACKENDS = ("auto", "cpu", "gpu")


class _Config:
    """Keyword fields with defaults; unknown ones raise TypeError (as the
    reference's dataclasses do), ignored ones are kept in ``ignored``."""
    _FIELDS: Dict[str, Any] = {}

    def __init__(self, video_path: Optional[str] = None, **kw: Any) -> None:
        self.video_path = video_path
        self.ignored: Dict[str, Any] = {}
        for name, value in kw.items():
            if name in self._FIELDS:
                continue
            if name in IGNORED_FIELDS or name.startswith("nvdec_"):
                self.ignored[name] = value
                continue
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected "
                            f"keyword argument '{name}'")
        for name, default in self._FIELDS.items():
            setattr(self, name, kw.get(name, default))

    def __repr__(self) -> str:
        f = ", ".join(f"{n}={getattr(self, n)!r}" for n in ("video_path", *self._FIELDS))
        return f"{type(self).__name__}({f})"


class DecodeConfig(_Config):
    """decode_only()'s settings: video_path, sequence_length (frames sampled
    uniformly over the file), decode_backend (auto|cpu|gpu), decode_device_id."""
    _FIELDS = {"sequence_length": 16, "decode_backend": "auto",
               "decode_device_id": 0}


class PatchStreamConfig(_Config):
    """patch_stream()'s settings, the reference's names and defaults."""
    _FIELDS = {"sequence_length": 16, "decode_backend": "auto",
               "process_backend": "auto", "decode_device_id": 0,
               "process_device_id": 0, "input_size": 224, "min_pixels": None,
               "max_pixels": None, "patch_size": 14, "k_keep": 2048,
               "energy_pct": 95.0, "output_dtype": "bfloat16",
               "selection_unit": "patch", "static_fallback": False,
               "static_abs_thresh": 2.0, "static_rel_thresh": 0.15,
               "static_uniform_frames": 4}


def _cuda() -> bool:
    if not torch_available():
        return False
    import torch
    return bool(torch.cuda.is_available())


def _backends(decode: str, process: str) -> Tuple[str, str]:
    """The reference's auto rules: decode auto = gpu when CUDA is available,
    else cpu; process auto = the resolved decode backend."""
    for name, v in (("decode_backend", decode), ("process_backend", process)):
        if v not in _BACKENDS:
            raise ValueError(f"{name} must be one of {', '.join(_BACKENDS)}, not {v!r}")
    if decode == "auto":
        decode = "gpu" if _cuda() else "cpu"
    if process == "auto":
        process = decode
    return decode, process


def extract_binary() -> str:
    """cps-extract: $CPS_EXTRACT, else the one on PATH."""
    exe = os.environ.get("CPS_EXTRACT") or shutil.which("cps-extract")
    if not exe or not os.access(exe, os.X_OK):
        raise FileNotFoundError("cps-extract not found: install cps, or set CPS_EXTRACT "
                                "to the binary (a build tree's build/tools/cps-extract)")
    return exe


def extract_errors(stderr: str) -> str:
    """cps-extract's error messages in its @stderr, one a line (stderr may
    also hold GST_DEBUG output)."""
    tag = "cps-extract: error: "
    return "\n".join(ln.split(tag, 1)[1] for ln in stderr.splitlines() if tag in ln)


def _extract(video_path: str, options: List[str]):
    """One cps-extract run into a temporary directory; its single window."""
    if video_path is None:
        raise ValueError("video_path is required")
    if not os.path.exists(video_path):
        raise FileNotFoundError(video_path)
    with tempfile.TemporaryDirectory(prefix="cps-compat-") as tmp:
        out = os.path.join(tmp, "out")
        cmd = [extract_binary(), "-q", "-o", out, *options, os.fspath(video_path)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise Error(extract_errors(p.stderr) or p.stderr.strip()
                        or f"cps-extract failed (exit {p.returncode})")
        windows = list(load(out, tensor_type="numpy"))
    if len(windows) != 1:
        raise Error(f"{video_path}: {len(windows)} windows, expected one")
    return windows[0]


def _sampling_options(config: _Config, decode: str, process: str) -> List[str]:
    t = int(config.sequence_length)
    if t < 1:
        raise ValueError("sequence_length must be at least 1")
    return ["--decode", decode, "--process", process, "--motion-model", "reference",
            "--sampling", "uniform", "--sampling-frames", str(t),
            "--sequence-length", str(t)]


def _duration_sec(w) -> float:
    return (w.duration or 0) / 1e9


class PatchStreamSession:
    """The selected patches of one patch_stream() run, with a cursor for
    iteration, next_n() and next_n_tensors().

    Attributes: patches [N,3,P,P] (torch when it imports, else numpy;
    bfloat16 as uint16 bits in numpy), metadata_tensors (fields int64 [N,6],
    scores float32 [N]), metadata (a list of N dicts), sampled_frame_ids,
    is_i, fps, duration_sec, width, height.
    """

    def __init__(self, window, device: Optional[str] = None) -> None:
        kind = resolve_tensor_type("auto")
        self._fields_np = np.asarray(window.fields, dtype=np.int64)
        self._scores_np = np.asarray(window.scores, dtype=np.float32)
        if kind == "torch":
            import torch
            from ._tensors import convert
            st = {"bf16": "BF16", "fp16": "F16", "fp32": "F32", "u8": "U8"}[window.dtype]
            patches = convert(window.patches, st, "torch")
            fields = torch.from_numpy(self._fields_np.copy())
            scores = torch.from_numpy(self._scores_np.copy())
            if device is not None:
                patches, fields, scores = (x.to(device) for x in (patches, fields, scores))
        else:
            patches, fields, scores = window.patches, self._fields_np, self._scores_np
        self.patches = patches
        self.metadata_tensors = (fields, scores)
        self.sampled_frame_ids: List[int] = [int(i) for i in window.frame_ids]
        self.is_i: List[int] = [int(i) for i in window.is_i]
        self.fps: float = float(window.fps) if window.fps else 0.0
        self.duration_sec: float = _duration_sec(window)
        md = window.metadata
        self.width = int(md.get("source_width", 0) or 0)
        self.height = int(md.get("source_height", 0) or 0)
        self._cursor = 0
        self._closed = False

    @property
    def metadata(self) -> List[Dict[str, Any]]:
        """One dict per patch: seq_pos, frame_id, is_i, patch_linear_idx,
        patch_h_idx, patch_w_idx, score."""
        self._check()
        return [self._meta(i) for i in range(len(self))]

    def _meta(self, i: int) -> Dict[str, Any]:
        f = self._fields_np[i]
        return {"seq_pos": int(f[0]), "frame_id": int(f[1]), "is_i": bool(f[2]),
                "patch_linear_idx": int(f[3]), "patch_h_idx": int(f[4]),
                "patch_w_idx": int(f[5]), "score": float(self._scores_np[i])}

    def _check(self) -> None:
        if self._closed:
            raise RuntimeError("the session is closed")

    def __len__(self) -> int:
        return int(self._fields_np.shape[0])

    def __iter__(self) -> Iterator[Tuple[Any, Dict[str, Any]]]:
        return self

    def __next__(self) -> Tuple[Any, Dict[str, Any]]:
        self._check()
        if self._cursor >= len(self):
            raise StopIteration
        i = self._cursor
        self._cursor += 1
        return self.patches[i], self._meta(i)

    def next_n(self, n: int) -> Tuple[Any, List[Dict[str, Any]]]:
        """The next (at most) @n patches and their metadata dicts, as
        (patches [m,3,P,P], [meta, ...]); empty at the end."""
        self._check()
        a = self._cursor
        b = min(len(self), a + max(0, int(n)))
        self._cursor = b
        return self.patches[a:b], [self._meta(i) for i in range(a, b)]

    def next_n_tensors(self, n: int):
        """The next (at most) @n patches as (patches, fields, scores)."""
        self._check()
        a = self._cursor
        b = min(len(self), a + max(0, int(n)))
        self._cursor = b
        fields, scores = self.metadata_tensors
        return self.patches[a:b], fields[a:b], scores[a:b]

    def reset(self) -> None:
        """Moves the cursor back to the first patch."""
        self._check()
        self._cursor = 0

    def collect_all(self) -> "PatchStreamResult":
        """Everything at once, whatever the cursor (which it leaves alone)."""
        self._check()
        return PatchStreamResult(self.patches, self.metadata, self.metadata_tensors,
                                 list(self.sampled_frame_ids), self.fps,
                                 self.duration_sec)

    def close(self) -> None:
        """Drops the tensors; idempotent."""
        self._closed = True
        self.patches = None
        self.metadata_tensors = None

    def __enter__(self) -> "PatchStreamSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def patch_stream(config: PatchStreamConfig) -> PatchStreamSession:
    """Decode + selection as the reference does it (one sequence of
    sequence_length frames sampled uniformly over the file)."""
    if not isinstance(config, PatchStreamConfig):
        raise TypeError("patch_stream() takes a PatchStreamConfig")
    decode, process = _backends(config.decode_backend, config.process_backend)
    dtype = _DTYPES.get(str(config.output_dtype).replace("torch.", "").lower())
    if dtype is None:
        raise ValueError(f"output_dtype must be one of {', '.join(_DTYPES)}, "
                         f"not {config.output_dtype!r}")
    unit = _UNITS.get(str(config.selection_unit).lower())
    if unit is None:
        raise ValueError(f"selection_unit must be one of {', '.join(_UNITS)}, "
                         f"not {config.selection_unit!r}")
    opts = _sampling_options(config, decode, process) + [
        "--k", str(int(config.k_keep)), "--patch-size", str(int(config.patch_size)),
        "--input-size", str(int(config.input_size)),
        "--min-pixels", str(int(config.min_pixels or 0)),
        "--max-pixels", str(int(config.max_pixels or 0)),
        "--percentile", repr(float(config.energy_pct)), "--dtype", dtype,
        "--selection-unit", unit,
        "--static-fallback", "true" if config.static_fallback else "false"]
    if config.static_fallback:  # cps-extract refuses options without effect
        opts += ["--static-abs-thresh", repr(float(config.static_abs_thresh)),
                 "--static-rel-thresh", repr(float(config.static_rel_thresh)),
                 "--static-uniform-frames", str(int(config.static_uniform_frames))]
    window = _extract(config.video_path, opts)
    device = None
    if process == "gpu" and _cuda():
        device = f"cuda:{int(config.process_device_id)}"
    return PatchStreamSession(window, device)


class CodecPatchStream(PatchStreamSession):
    """The older single-class API: ``CodecPatchStream(video_path=..., k_keep=...,
    backend="auto")``; ``backend``/``device_id`` set both stages."""

    def __init__(self, video_path: Optional[str] = None, backend: Optional[str] = None,
                 device_id: Optional[int] = None, **kw: Any) -> None:
        if backend is not None:
            kw.setdefault("decode_backend", backend)
            kw.setdefault("process_backend", backend)
        if device_id is not None:
            kw.setdefault("decode_device_id", device_id)
            kw.setdefault("process_device_id", device_id)
        s = patch_stream(PatchStreamConfig(video_path, **kw))
        self.__dict__.update(s.__dict__)


@dataclass
class PatchStreamResult:
    """collect_all()'s result."""
    patches: Any
    metadata: List[Dict[str, Any]]
    metadata_tensors: Tuple[Any, Any]
    sampled_frame_ids: List[int]
    fps: float
    duration_sec: float


@dataclass
class DecodedFrames:
    """decode_only()'s result: frames uint8 [T,H,W,3] RGB (torch when it
    imports, else numpy)."""
    frames: Any
    sampled_frame_ids: List[int]
    fps: float
    duration_sec: float
    width: int
    height: int

    def asnumpy(self) -> np.ndarray:
        """The frames as a numpy array."""
        f = self.frames
        return f.detach().cpu().numpy() if hasattr(f, "detach") else np.asarray(f)


def decode_only(config: DecodeConfig) -> DecodedFrames:
    """sequence_length frames sampled uniformly over the file, as RGB.

    The frame ids, fps and duration come from cps-extract's uniform
    sampling over the packet index (only the GOPs holding sampled frames
    are decoded); the frames are then decoded again with seeks to the
    sampled frames' key frames, so the cost follows the sampled frames, not
    the file's length, and converted to RGB as libswscale's default
    YUV → RGB24 conversion does (BT.601, limited range, nearest chroma),
    which is what the reference's frames are."""
    if not isinstance(config, DecodeConfig):
        raise TypeError("decode_only() takes a DecodeConfig")
    decode, _ = _backends(config.decode_backend, "cpu")
    w = _extract(config.video_path, _sampling_options(config, decode, "cpu") +
                 ["--k", "1", "--dtype", "u8", "--static-fallback", "false"])
    ids = [int(i) for i in w.frame_ids]
    pts = dict(zip(ids, (int(p) for p in w.frame_pts_ns)))
    if min(pts.values()) >= 0:
        frames, width, height = _decode_rgb(config.video_path, sorted(set(pts.values())))
        arr = np.stack([frames[pts[i]] for i in ids])
    else:  # a stream without timestamps (raw H.264): frames by their rank
        frames, width, height = _decode_rgb(config.video_path, sorted(set(ids)), by_rank=True)
        arr = np.stack([frames[i] for i in ids])
    if resolve_tensor_type("auto") == "torch":
        import torch
        arr = torch.from_numpy(arr)
    return DecodedFrames(arr, ids, float(w.fps) if w.fps else 0.0,
                         _duration_sec(w), width, height)


def swscale_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """RGB24 [H,W,3] of an 8-bit 4:2:0 frame as libswscale's unscaled
    converter computes it on x86 (the integer form of cps's reference luma,
    common/cps_reference_luma.h): BT.601 limited range, each chroma sample
    used for its 2x2 luma pixels, 16-bit fixed-point products floored."""
    h, w = y.shape
    yy = ((y.astype(np.int32) * 8 - 128) * 9539) >> 16
    uu = np.repeat(np.repeat(u.astype(np.int32) * 8 - 1024, 2, 0), 2, 1)[:h, :w]
    vv = np.repeat(np.repeat(v.astype(np.int32) * 8 - 1024, 2, 0), 2, 1)[:h, :w]
    rgb = np.empty((h, w, 3), np.int32)
    rgb[..., 0] = yy + ((vv * 13075) >> 16)
    rgb[..., 1] = yy + ((uu * -3209) >> 16) + ((vv * -6660) >> 16)
    rgb[..., 2] = yy + ((uu * 16525) >> 16)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _i420_planes(data: np.ndarray, vinfo) -> List[np.ndarray]:
    """The Y, U, V planes of an I420 frame laid out as @vinfo (a
    GstVideo.VideoInfo) says: views, no copy."""
    planes = []
    for i in range(3):
        w = vinfo.width if i == 0 else (vinfo.width + 1) // 2
        h = vinfo.height if i == 0 else (vinfo.height + 1) // 2
        o, st = vinfo.offset[i], vinfo.stride[i]
        planes.append(data[o:o + st * h].reshape(h, st)[:, :w])
    return planes


#: a sampled frame further ahead than this (stream time) is reached by a
#: seek to its key frame; closer ones by decoding on, which costs less than
#: decoding a GOP from its start again
_SEEK_AHEAD_NS = 2_000_000_000


def _decode_rgb(video_path: str, targets: List[int], by_rank: bool = False):
    """The frames whose PTS are @targets (sorted), as {pts: RGB [H,W,3]};
    with @by_rank, @targets are ranks in decoding output order (frame ids)
    and the whole stream is decoded."""
    Gst = _gst()
    import gi
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GstVideo
    # I420 is what avdec_h264 gives for 8-bit 4:2:0 (NV12 from other
    # decoders is rearranged losslessly by videoconvert)
    desc = (f'uridecodebin uri="{_uri(Gst, video_path)}" ! videoconvert ! '
            "video/x-raw,format=I420 ! appsink name=sink sync=false max-buffers=2")
    pipeline = Gst.parse_launch(desc)
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    frames, width, height = {}, 0, 0

    def pull():
        while True:
            sample = sink.try_pull_sample(100 * Gst.MSECOND)
            if sample is not None:
                return sample
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                err, dbg = msg.parse_error()
                raise Error(f"{err.message}\n{dbg or ''}".strip())
            if sink.is_eos():
                return None

    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise Error(f"could not start decoding {video_path}")
        last = None  # the last frame pulled: (pts, stream time)
        rank = -1
        for t in targets:
            if not by_rank and last is not None and t - last[0] > _SEEK_AHEAD_NS:
                # the target's stream time, as the seek wants it
                pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH |
                                     Gst.SeekFlags.KEY_UNIT | Gst.SeekFlags.SNAP_BEFORE,
                                     last[1] + (t - last[0]))
            while True:
                sample = pull()
                if sample is None:
                    raise Error(f"{video_path}: the frame at {t / 1e9:.6f} s was not decoded")
                buf = sample.get_buffer()
                rank += 1
                pts = rank if by_rank else buf.pts
                last = (pts, sample.get_segment().to_stream_time(Gst.Format.TIME, buf.pts))
                if pts == t:
                    vinfo = GstVideo.VideoInfo.new_from_caps(sample.get_caps())
                    width, height = vinfo.width, vinfo.height
                    ok, info = buf.map(Gst.MapFlags.READ)
                    try:
                        data = np.frombuffer(info.data, np.uint8)
                        frames[t] = swscale_rgb(*_i420_planes(data, vinfo))
                    finally:
                        buf.unmap(info)
                # appsink reuses its sample object: one still referenced here
                # when new caps arrive (after a seek) cannot take them
                del sample, buf
                if pts > t:
                    raise Error(f"{video_path}: no frame at {t / 1e9:.6f} s")
                if pts == t:
                    break
    finally:
        pipeline.set_state(Gst.State.NULL)
    return frames, width, height
