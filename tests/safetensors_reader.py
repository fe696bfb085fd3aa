# cps — the tests' access to window files: the safetensors reader is the
# package's (python/cps/_safetensors.py), taken from this source tree, not
# from an installed copy; check_window() asserts a window's consistency.
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "python"))
from cps._safetensors import NP_DTYPES, read_safetensors  # noqa: E402,F401


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
