# cps — numpy or torch tensors for the windows.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conversion of a window's arrays to numpy arrays or torch tensors."""
from __future__ import annotations

from typing import Any

import numpy as np

TENSOR_TYPES = ("auto", "numpy", "torch")


def torch_available() -> bool:
    """True when ``import torch`` works."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_tensor_type(tensor_type: str) -> str:
    """``"numpy"`` or ``"torch"`` for a ``tensor_type`` option ("auto":
    torch when it imports, numpy otherwise)."""
    if tensor_type not in TENSOR_TYPES:
        raise ValueError(f"tensor_type must be one of {', '.join(TENSOR_TYPES)}, "
                         f"not {tensor_type!r}")
    if tensor_type == "auto":
        return "torch" if torch_available() else "numpy"
    if tensor_type == "torch" and not torch_available():
        raise ImportError("tensor_type='torch' but torch does not import "
                          "(Debian: apt-get install python3-torch)")
    return tensor_type


def bf16_to_float32(array: np.ndarray) -> np.ndarray:
    """bfloat16 values held as uint16 bits (numpy has no bfloat16) to
    float32, exactly: a bfloat16 is the top half of a float32."""
    a = np.asarray(array)
    if a.dtype != np.uint16:
        raise TypeError(f"expected the uint16 bits of bfloat16, got {a.dtype}")
    return (a.astype("<u4") << 16).view("<f4")


def convert(array: np.ndarray, st_dtype: str, tensor_type: str) -> Any:
    """@array (numpy, BF16 as uint16 bits) as the resolved @tensor_type.
    torch gets bfloat16 from the raw bits, without a float round trip."""
    if tensor_type == "numpy":
        return array
    import torch
    if st_dtype == "BF16":
        a = np.ascontiguousarray(array)
        if a.size == 0:
            return torch.empty(a.shape, dtype=torch.bfloat16)
        return torch.frombuffer(bytearray(a.tobytes()), dtype=torch.bfloat16).reshape(a.shape)
    return torch.from_numpy(np.array(array, copy=True))
