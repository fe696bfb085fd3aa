# cps — one window of selected patches.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Window dataclass shared by :func:`cps.open` and :func:`cps.load`."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Dict, Optional

FIELD_COLUMNS = ("seq_pos", "frame_id", "is_i", "patch_linear_idx",
                 "patch_h_idx", "patch_w_idx")


@dataclass
class Window:
    """One window: the N patches cpstopk selected from T frames.

    Tensors are numpy arrays or torch tensors (the ``tensor_type`` option);
    bf16 patches are ``torch.bfloat16``, or uint16 bits in numpy (see
    :func:`cps.bf16_to_float32`).

    Attributes:
        index: the 0-based window number in the stream.
        patches: [N, 3, P, P], RGB 0-255, in the stream's dtype.
        fields: int64 [N, 6]: ``seq_pos, frame_id, is_i, patch_linear_idx,
            patch_h_idx, patch_w_idx`` (:data:`cps.FIELD_COLUMNS`).
        scores: float32 [N], patch energy sums.
        frame_ids: int64 [T], source frame index of each window frame.
        frame_pts_ns: int64 [T], PTS in nanoseconds (-1 where none).
        is_i: uint8 [T], 1 for I-frames.
        fps: the source's frame rate, None when unknown or variable.
        duration: the source's duration in ns, None when live or unknown.
        dtype: the patches' dtype name: ``bf16``, ``fp16``, ``fp32`` or ``u8``.
        metadata: everything else: from a stream, CpsPatchInfoMeta's scalar
            fields with ``_`` for ``-`` (typed values); from a file, its
            ``__metadata__`` (strings, docs/formats.md).
        camera_motion: float32 [T, 4] with motion-model=camera, else None.
        camera_classes: uint8 [T] with motion-model=camera, else None.
        input: the input (path or URI, as written in the manifest) the
            window comes from, when read through a dataset's index.jsonl
            (:func:`cps.load` on the output of a many-input run), else None.
        input_id: that input's directory name under the output (the
            index's ``id``: ``<stem>-<20 hex digits>``), else None.
    """
    index: int
    patches: Any
    fields: Any
    scores: Any
    frame_ids: Any
    frame_pts_ns: Any
    is_i: Any
    fps: Optional[Fraction]
    duration: Optional[int]
    dtype: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    camera_motion: Any = None
    camera_classes: Any = None
    input: Optional[str] = None
    input_id: Optional[str] = None

    @property
    def n_patches(self) -> int:
        """N, the number of patches."""
        return int(self.fields.shape[0])

    @property
    def n_frames(self) -> int:
        """T, the number of frames the window covers."""
        return int(self.frame_ids.shape[0])
