# cps — the one safetensors reader of the project (PyPI, and so the
# safetensors package, is not reachable): an 8-byte little-endian header
# length, a JSON header, then the tensors' bytes.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading cps window files (safetensors) into numpy arrays."""
from __future__ import annotations

import json
import struct
from typing import Dict, Tuple

import numpy as np

#: numpy dtype of each safetensors dtype a cps file uses (BF16 as its bits)
NP_DTYPES = {"BF16": "<u2", "F16": "<f2", "F32": "<f4", "U8": "u1",
             "I64": "<i8"}


def _header_size(head: bytes, name: str, limit: int) -> int:
    """The header length that the first 8 bytes @head give, at most @limit."""
    if len(head) != 8:
        raise ValueError(f"{name}: not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", head)
    if n > min(limit, 100 * 1024 * 1024):
        raise ValueError(f"{name}: not a safetensors file (header of {n} bytes)")
    return n


def read_header(path: str) -> Tuple[dict, int]:
    """The JSON header of @path (``__metadata__`` included) and the offset
    of its data."""
    with open(path, "rb") as f:
        n = _header_size(f.read(8), path, 100 * 1024 * 1024)
        header = json.loads(f.read(n).decode("utf-8"))
    return header, 8 + n


def read_safetensors(path: str) -> Tuple[Dict[str, str], Dict[str, Tuple[str, np.ndarray]]]:
    """``(metadata, {name: (dtype, array)})`` of a safetensors file.

    BF16 tensors come back as their raw uint16 bits (see
    :func:`cps.bf16_to_float32`).  Raises ValueError on a malformed file:
    the tensors must cover the data exactly, starting 8-byte aligned.
    """
    header, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        body = bytearray(f.read())  # writable, so the arrays are too
    return _tensors_of(path, header, start, body)


def parse_safetensors(data: bytes, name: str = "<bytes>"
                      ) -> Tuple[Dict[str, str], Dict[str, Tuple[str, np.ndarray]]]:
    """:func:`read_safetensors` of a whole file held in memory (a tar
    member, say); @name is for the error messages."""
    n = _header_size(bytes(data[:8]), name, len(data) - 8)
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    return _tensors_of(name, header, 8 + n, bytearray(data[8 + n:]))


def _tensors_of(path: str, header: dict, start: int, body: bytearray
                ) -> Tuple[Dict[str, str], Dict[str, Tuple[str, np.ndarray]]]:
    if start % 8:
        raise ValueError(f"{path}: data does not start 8-byte aligned")
    meta = header.pop("__metadata__", {}) or {}
    spans = sorted(t["data_offsets"] for t in header.values())
    if spans and (spans[0][0] != 0 or spans[-1][1] != len(body)):
        raise ValueError(f"{path}: tensors do not cover the data: {spans}")
    for (_, end), (begin, _) in zip(spans, spans[1:]):
        if end != begin:
            raise ValueError(f"{path}: gap or overlap in the data: {spans}")
    tensors = {}
    for name, t in header.items():
        if t["dtype"] not in NP_DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {t['dtype']}")
        begin, end = t["data_offsets"]
        a = np.frombuffer(body, dtype=NP_DTYPES[t["dtype"]],
                          count=(end - begin) // np.dtype(NP_DTYPES[t["dtype"]]).itemsize,
                          offset=begin)
        tensors[name] = (t["dtype"], a.reshape(t["shape"]))
    return meta, tensors
