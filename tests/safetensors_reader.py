# cps — an independent safetensors reader for the tests (PyPI, and so the
# safetensors package, is not reachable): the format is an 8-byte
# little-endian header length, a JSON header, then the tensors' bytes.
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import struct

import numpy as np

NP_DTYPES = {"BF16": "<u2", "F16": "<f2", "F32": "<f4", "U8": "u1",
             "I64": "<i8"}


def read_safetensors(path):
    """An independent reader: header length, JSON header, raw tensors."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    assert (8 + n) % 8 == 0, "data does not start 8-byte aligned"
    body = data[8 + n:]
    meta = header.pop("__metadata__")
    spans = sorted(t["data_offsets"] for t in header.values())
    # the format requires the tensors to cover the data exactly
    assert spans[0][0] == 0 and spans[-1][1] == len(body), spans
    for (_, end), (begin, _) in zip(spans, spans[1:]):
        assert end == begin, spans
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        a = np.frombuffer(body[begin:end], dtype=NP_DTYPES[t["dtype"]])
        tensors[name] = (t["dtype"], a.reshape(t["shape"]))
    return meta, tensors


def check_window(meta, tensors):
    """Asserts the consistency of one window file; returns its frame ids."""
    n, t = int(meta["n_patches"]), int(meta["n_frames"])
    hb, wb = int(meta["grid_height"]), int(meta["grid_width"])
    p = int(meta["patch_size"])
    f = tensors["fields"][1]
    ids, is_i = tensors["frame_ids"][1], tensors["is_i"][1]
    assert tensors["patches"][1].shape == (n, 3, p, p)
    assert f.shape == (n, 6) and ids.shape == (t,) and is_i.shape == (t,)
    assert 1 <= t <= int(meta["sequence_length"])
    assert n == min(int(meta["k"]), t * hb * wb), (n, meta["k"], t * hb * wb)
    assert np.all((f[:, 0] >= 0) & (f[:, 0] < t))
    assert np.all((f[:, 4] >= 0) & (f[:, 4] < hb) & (f[:, 5] >= 0) & (f[:, 5] < wb))
    assert np.array_equal(f[:, 3], f[:, 0] * hb * wb + f[:, 4] * wb + f[:, 5])
    assert np.array_equal(f[:, 1], ids[f[:, 0]])
    assert np.array_equal(f[:, 2], is_i[f[:, 0]])
    assert np.all(np.diff(ids) > 0), ids
    assert is_i.any()
    assert np.all(np.isfinite(tensors["scores"][1])) and np.all(tensors["scores"][1] >= 0)
    return ids
