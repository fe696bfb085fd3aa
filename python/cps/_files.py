# cps — window files (safetensors) read back as windows.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading a dataset directory written by cps-extract or cpspatchsink."""
from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Dict, Iterator, List, Sequence, Union, overload

from ._safetensors import read_header, read_safetensors
from ._tensors import convert, resolve_tensor_type
from ._window import Window

ST_TO_DTYPE = {"BF16": "bf16", "F16": "fp16", "F32": "fp32", "U8": "u8"}
TENSORS = ("patches", "fields", "scores", "frame_ids", "frame_pts_ns", "is_i",
           "camera_motion", "camera_classes")


def load_window(path: str, tensor_type: str = "auto") -> Dict[str, Any]:
    """One window file as a dict: each tensor by name (``patches``,
    ``fields``, ``scores``, ``frame_ids``, ``frame_pts_ns``, ``is_i``, and
    the camera model's two) and ``"__metadata__"``, the header's metadata
    (a dict of strings)."""
    kind = resolve_tensor_type(tensor_type)
    meta, tensors = read_safetensors(path)
    out: Dict[str, Any] = {name: convert(a, dt, kind) for name, (dt, a) in tensors.items()}
    out["__metadata__"] = dict(meta)
    return out


def _fps(text: str) -> Union[Fraction, None]:
    try:
        n, d = (int(v) for v in text.split("/"))
    except (AttributeError, ValueError):
        return None
    return Fraction(n, d) if n > 0 and d > 0 else None


def window_from_file(path: str, tensor_type: str = "auto") -> Window:
    """One window file as a :class:`cps.Window`."""
    kind = resolve_tensor_type(tensor_type)
    meta, tensors = read_safetensors(path)
    missing = [t for t in TENSORS[:6] if t not in tensors]
    if missing:
        raise ValueError(f"{path}: not a cps window file (no {', '.join(missing)})")
    t = {name: convert(a, dt, kind) for name, (dt, a) in tensors.items()}
    duration = int(meta.get("source_duration_ns", "-1") or -1)
    return Window(
        index=int(meta.get("window_index", -1)),
        patches=t["patches"], fields=t["fields"], scores=t["scores"],
        frame_ids=t["frame_ids"], frame_pts_ns=t["frame_pts_ns"], is_i=t["is_i"],
        fps=_fps(meta.get("source_fps", "")),
        duration=duration if duration >= 0 else None,
        dtype=ST_TO_DTYPE[tensors["patches"][0]],
        metadata=dict(meta),
        camera_motion=t.get("camera_motion"), camera_classes=t.get("camera_classes"))


class Dataset(Sequence):
    """The windows of a directory, sorted by window index, read from disk
    when indexed or iterated (a list of windows without the memory)."""

    def __init__(self, directory: str, tensor_type: str = "auto") -> None:
        resolve_tensor_type(tensor_type)  # fail early
        self.directory = directory
        self.tensor_type = tensor_type
        names = [f for f in os.listdir(directory) if f.endswith(".safetensors")]
        keyed = []
        for name in names:
            path = os.path.join(directory, name)
            header, _ = read_header(path)
            index = int((header.get("__metadata__") or {}).get("window_index", -1))
            keyed.append((index, name, path))
        #: the window files, in window index order
        self.paths: List[str] = [p for _, _, p in sorted(keyed)]

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, i: int) -> Window: ...
    @overload
    def __getitem__(self, i: slice) -> List[Window]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [window_from_file(p, self.tensor_type) for p in self.paths[i]]
        return window_from_file(self.paths[i], self.tensor_type)

    def __iter__(self) -> Iterator[Window]:
        for p in self.paths:
            yield window_from_file(p, self.tensor_type)

    def __repr__(self) -> str:
        return f"cps.Dataset({self.directory!r}, {len(self)} windows)"


def load(directory: str, tensor_type: str = "auto") -> Dataset:
    """The windows cps-extract or ``cpspatchsink location=`` wrote in
    @directory, as a sequence of :class:`cps.Window` sorted by window index
    (each file read when its window is asked for)."""
    return Dataset(directory, tensor_type)
