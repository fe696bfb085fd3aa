# cps — codec patch selection from Python.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cps: the windows of selected video patches, as numpy arrays or torch tensors.

Streaming, from the cps GStreamer elements (the cps plugin installed, or
GST_PLUGIN_PATH set to a build tree's gst/)::

    import cps
    with cps.open("clip.mp4", k=256, dtype="bf16") as windows:
        for w in windows:
            print(w.index, w.patches.shape, w.frame_ids[0])

Files written by cps-extract or ``cpspatchsink location=``::

    for w in cps.load("cps-output"):
        ...
    d = cps.load_window("cps-output/window-00000.safetensors")

Many inputs into one dataset (cps-extract's dataset mode, one task per
input; on a Dask cluster with ``client=``), read back through its index::

    summary = cps.extract_many("manifest.txt", "dataset", max_windows=4)
    for w in cps.load("dataset"):
        print(w.input, w.index, w.patches.shape)

Tensors are torch tensors when torch imports (bf16 patches as
torch.bfloat16), numpy arrays otherwise (bf16 as uint16 bits, see
bf16_to_float32); ``tensor_type="numpy"|"torch"|"auto"`` chooses.
"""
from ._files import Dataset, IndexedDataset, load, load_window
from ._many import ExtractSummary, extract_many, input_id, read_manifest
from ._safetensors import read_safetensors
from ._stream import Error, Stream, open
from ._tensors import bf16_to_float32, torch_available
from ._window import FIELD_COLUMNS, Window

__version__ = "0.1.0"
__all__ = ["open", "load", "load_window", "Window", "Stream", "Dataset",
           "Error", "bf16_to_float32", "torch_available", "read_safetensors",
           "FIELD_COLUMNS", "IndexedDataset", "extract_many", "ExtractSummary",
           "input_id", "read_manifest"]
