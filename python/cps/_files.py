# cps — window files (safetensors) read back as windows.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading the window files written by cps-extract or cpspatchsink: one
directory of windows, or a many-input dataset through its index.jsonl."""
from __future__ import annotations

import json
import os
import tarfile
from collections import OrderedDict
from fractions import Fraction
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union, overload

from ._safetensors import parse_safetensors, read_header, read_safetensors
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
    return _window(path, meta, tensors, kind)


def _window(path: str, meta: Dict[str, str], tensors: Dict[str, Any], kind: str,
            input: Optional[str] = None, input_id: Optional[str] = None) -> Window:
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
        camera_motion=t.get("camera_motion"), camera_classes=t.get("camera_classes"),
        input=input, input_id=input_id)


class _Windows(Sequence):
    """A sequence of windows read from disk when indexed or iterated:
    subclasses list their items and read one with _read()."""
    _items: List[Any]

    def _read(self, item: Any) -> Window:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> Window: ...
    @overload
    def __getitem__(self, i: slice) -> List[Window]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._read(x) for x in self._items[i]]
        return self._read(self._items[i])

    def __iter__(self) -> Iterator[Window]:
        for x in self._items:
            yield self._read(x)


class Dataset(_Windows):
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
        self._items = self.paths

    def _read(self, path: str) -> Window:
        return window_from_file(path, self.tensor_type)

    def __repr__(self) -> str:
        return f"cps.Dataset({self.directory!r}, {len(self)} windows)"


INDEX = "index.jsonl"


class IndexedDataset(_Windows):
    """The windows of a many-input dataset (``cps-extract --manifest`` or
    :func:`cps.extract_many`), listed by the ``index.jsonl`` at its root:
    each :class:`cps.Window` knows its ``input`` and ``input_id``.

    Windows are ordered by input (the input string), then window index, so
    that two runs over the same manifest read back in the same order
    whatever order their inputs completed in.  Entries of the ``dir``
    format are read from ``<root>/<file>``; entries of the ``wds`` format
    (``"shard"`` and ``"key"``, ``"file"`` null) from the member
    ``<key>.safetensors`` of the tar ``<root>/<shard>`` (a few tars are
    kept open; :meth:`close` closes them).
    """

    def __init__(self, root: str, tensor_type: str = "auto") -> None:
        self.kind = resolve_tensor_type(tensor_type)  # fail early
        self.root = root
        self.tensor_type = tensor_type
        entries: List[Dict[str, Any]] = []
        seen = set()
        path = os.path.join(root, INDEX)
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line in seen:
                    continue   # an index concatenated twice reads once
                seen.add(line)
                try:
                    e = json.loads(line)
                    if not isinstance(e, dict):
                        raise ValueError("not an object")
                    e["input"], e["id"], int(e["window"])
                    if not e.get("file") and not (e.get("shard") and e.get("key")):
                        raise ValueError('neither "file" nor "shard" and "key"')
                except (ValueError, KeyError, TypeError) as err:
                    raise ValueError(f"{path}:{n}: not a window entry ({err})") from None
                entries.append(e)
        entries.sort(key=lambda e: (e["input"], int(e["window"])))
        #: the index entries (dicts, as in index.jsonl), in window order
        self.entries: List[Dict[str, Any]] = entries
        self._items = entries
        self._tars: "OrderedDict[str, tarfile.TarFile]" = OrderedDict()

    @property
    def inputs(self) -> List[str]:
        """The inputs with windows in the dataset, sorted."""
        return sorted({e["input"] for e in self.entries})

    def _read(self, e: Dict[str, Any]) -> Window:
        if e.get("file"):
            path = os.path.join(self.root, e["file"])
            meta, tensors = read_safetensors(path)
        else:
            shard = os.path.join(self.root, e["shard"])
            member = e["key"] + ".safetensors"
            path = f"{shard}:{member}"
            tar = self._tar(shard)
            try:
                f = tar.extractfile(tar.getmember(member))
            except KeyError:
                raise ValueError(f"{shard}: no member {member}") from None
            if f is None:
                raise ValueError(f"{path}: not a regular file")
            meta, tensors = parse_safetensors(f.read(), path)
        return _window(path, meta, tensors, self.kind, e["input"], e["id"])

    def _tar(self, shard: str) -> tarfile.TarFile:
        tar = self._tars.pop(shard, None)
        if tar is None:
            tar = tarfile.open(shard, "r:")
            while len(self._tars) >= 4:
                self._tars.popitem(last=False)[1].close()
        self._tars[shard] = tar  # most recently used last
        return tar

    def close(self) -> None:
        """Closes the tar shards kept open (reading again reopens them)."""
        while self._tars:
            self._tars.popitem()[1].close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return (f"cps.IndexedDataset({self.root!r}, {len(self)} windows, "
                f"{len(self.inputs)} inputs)")


def load(directory: str, tensor_type: str = "auto") -> Union[Dataset, IndexedDataset]:
    """The windows cps-extract or ``cpspatchsink location=`` wrote in
    @directory, as a sequence of :class:`cps.Window`, each file read when its
    window is asked for.

    A directory of window files (one input) gives a :class:`cps.Dataset`,
    sorted by window index.  The root of a many-input dataset, a directory
    holding ``index.jsonl``, gives a :class:`cps.IndexedDataset` of every
    input's windows (``dir`` and ``wds`` formats), each window knowing its
    ``input`` and ``input_id``.
    """
    if os.path.isfile(os.path.join(directory, INDEX)):
        return IndexedDataset(directory, tensor_type)
    return Dataset(directory, tensor_type)
