# cps — windows pulled from a running cps pipeline.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cps.open(): uridecodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink,
windows pulled in the iterating thread."""
from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from ._tensors import convert, resolve_tensor_type
from ._window import Window

ELEMENTS = ("cpsmotion", "cpsenergy", "cpstopk", "cpspatchsink")
# properties every GstObject/GstElement/GstBaseSink has that are no setting
_HIDDEN = {"name", "parent"}
_DTYPE_ST = {"bf16": "BF16", "fp16": "F16", "fp32": "F32", "u8": "U8"}
_NP = {"bf16": "<u2", "fp16": "<f2", "fp32": "<f4", "u8": "u1"}
_POLL_NS = 100 * 1000 * 1000  # 100 ms between looks at the bus
_BYTES = {"fields", "scores", "frame-ids", "frame-pts", "frame-is-i",
          "camera-motion", "camera-classes"}


class Error(RuntimeError):
    """An error of the pipeline (GStreamer's message, then its debug
    details), raised in the thread that iterates."""


def _gst():
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    from gi.repository import Gst, GstApp  # noqa: F401 (cpspatchsink is an AppSink)
    if not Gst.is_initialized():
        Gst.init(None)
    return Gst


def _uri(Gst, source: str) -> str:
    if Gst.uri_is_valid(source):
        return source
    return Gst.filename_to_uri(os.path.abspath(os.fspath(source)))


class Stream:
    """An iterator over the windows of a source, and a context manager that
    stops the pipeline on exit.  Made by :func:`cps.open`."""

    def __init__(self, source: str, tensor_type: str = "auto",
                 max_buffers: int = 2, **properties: Any) -> None:
        Gst = self._Gst = _gst()
        self._kind = resolve_tensor_type(tensor_type)
        self.uri = _uri(Gst, source)
        self.pipeline = None
        self._error: Optional[Error] = None
        pipeline = Gst.Pipeline.new("cps")
        src = Gst.ElementFactory.make("uridecodebin", "source")
        if src is None:
            raise Error("no uridecodebin element (gst-plugins-base missing?)")
        src.set_property("uri", self.uri)
        src.set_property("caps", Gst.Caps.from_string("video/x-raw"))
        self.elements: Dict[str, Any] = {}
        for name in ELEMENTS:
            e = Gst.ElementFactory.make(name, name)
            if e is None:
                raise Error(f"no {name} element: is the cps plugin installed "
                            "or GST_PLUGIN_PATH set to a build's gst/?")
            self.elements[name] = e
        sink = self.sink = self.elements["cpspatchsink"]
        sink.set_property("max-buffers", max_buffers)
        sink.set_property("drop", False)
        self._set_properties(properties)
        pipeline.add(src)
        for e in self.elements.values():
            pipeline.add(e)
        prev = None
        for e in self.elements.values():
            if prev is not None and not prev.link(e):
                raise Error(f"could not link {prev.get_name()} to {e.get_name()}")
            prev = e
        motion_sink = self.elements["cpsmotion"].get_static_pad("sink")

        def pad_added(_src, pad):
            if not motion_sink.is_linked():
                pad.link(motion_sink)
        src.connect("pad-added", pad_added)
        self.pipeline = pipeline
        self.bus = pipeline.get_bus()
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            err = self._bus_error() or Error(f"could not start the pipeline on {self.uri}")
            self.close()
            raise err

    # ---- properties ------------------------------------------------------

    def valid_properties(self) -> Dict[str, List[str]]:
        """The properties each cps element takes, by element."""
        return {n: sorted(p.name for p in e.list_properties()
                          if p.name not in _HIDDEN and p.flags & 2)  # G_PARAM_WRITABLE
                for n, e in self.elements.items()}

    def _set_properties(self, properties: Dict[str, Any]) -> None:
        valid = self.valid_properties()
        for key, value in properties.items():
            name = key.replace("_", "-")
            owner = next((n for n in ELEMENTS if name in valid[n]), None)
            if owner is None:
                listing = "; ".join(f"{n}: {', '.join(v)}" for n, v in valid.items())
                raise TypeError(f"unknown property {key!r}; valid ones: {listing}")
            e = self.elements[owner]
            if isinstance(value, str):
                self._Gst.util_set_object_arg(e, name, value)
            else:
                e.set_property(name, value)

    # ---- iteration -------------------------------------------------------

    def _bus_error(self) -> Optional[Error]:
        Gst = self._Gst
        msg = self.bus.pop_filtered(Gst.MessageType.ERROR)
        if msg is None:
            return None
        err, debug = msg.parse_error()
        src = msg.src.get_name() if msg.src else "?"
        return Error(f"{err.message} ({src})" + (f"\n{debug}" if debug else ""))

    def __iter__(self) -> Iterator[Window]:
        return self

    def __next__(self) -> Window:
        if self._error is not None:
            raise self._error
        if self.pipeline is None:
            raise StopIteration
        while True:
            sample = self.sink.try_pull_sample(_POLL_NS)
            if sample is not None:
                return self._window(sample)
            # an error does not wake a pull: look at the bus between pulls
            err = self._bus_error()
            if err is not None:
                self._error = err
                self.close()
                raise err
            if self.sink.is_eos():
                self.close()
                raise StopIteration

    def _window(self, sample) -> Window:
        Gst = self._Gst
        buf = sample.get_buffer()
        meta = buf.get_custom_meta("CpsPatchInfoMeta")
        if meta is None:
            raise Error("a buffer without CpsPatchInfoMeta")
        s = meta.get_structure()
        ok, mapped = buf.map(Gst.MapFlags.READ)
        if not ok:
            raise Error("could not map a patch buffer")
        try:
            data = bytearray(mapped.data)
        finally:
            buf.unmap(mapped)
        md: Dict[str, Any] = {}
        for i in range(s.n_fields()):
            name = s.nth_field_name(i)
            if name in _BYTES or name == "fps":
                continue
            md[name.replace("-", "_")] = s.get_value(name)
        n, p, t = md["n_patches"], md["patch_size"], md["n_frames"]
        dtype = md["dtype"]

        def arr(name, np_dtype, shape):
            v = s.get_value(name)
            raw = bytearray(v.get_data() or b"") if v is not None else bytearray()
            return np.frombuffer(raw, dtype=np_dtype).reshape(shape)

        def out(a, st="X"):
            return convert(a, st, self._kind)

        patches = np.frombuffer(data, dtype=_NP[dtype],
                                count=n * md.get("channels", 3) * p * p)
        patches = patches.reshape(n, md.get("channels", 3), p, p)
        ok, fps_n, fps_d = s.get_fraction("fps")
        duration = md.get("duration")
        camera = md.get("motion_model") == "camera"
        return Window(
            index=int(md["window_index"]),
            patches=out(patches, _DTYPE_ST[dtype]),
            fields=out(arr("fields", "<i8", (n, 6))),
            scores=out(arr("scores", "<f4", (n,))),
            frame_ids=out(arr("frame-ids", "<i8", (t,))),
            frame_pts_ns=out(arr("frame-pts", "<i8", (t,))),
            is_i=out(arr("frame-is-i", "u1", (t,))),
            fps=Fraction(fps_n, fps_d) if ok and fps_n > 0 and fps_d > 0 else None,
            duration=None if duration is None or duration >= 2 ** 63 else int(duration),
            dtype=dtype, metadata=md,
            camera_motion=out(arr("camera-motion", "<f4", (t, 4))) if camera else None,
            camera_classes=out(arr("camera-classes", "u1", (t,))) if camera else None)

    # ---- end -------------------------------------------------------------

    def close(self) -> None:
        """Stops the pipeline (state NULL) and drops it; idempotent."""
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.set_state(self._Gst.State.NULL)
        self.sink = None
        self.bus = None
        self.elements = {}

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def open(source: str, *, tensor_type: str = "auto", max_buffers: int = 2,
         **properties: Any) -> Stream:
    """Windows of @source (a path or a URI) as the cps elements produce them.

    Builds ``uridecodebin ! cpsmotion ! cpsenergy ! cpstopk ! cpspatchsink``
    and starts it.  Each keyword property goes to the element that has it
    (``k=256``, ``dtype="u8"``, ``motion_model="camera"``; ``_`` or ``-``);
    an unknown one raises TypeError listing the valid ones.  Iterate the
    result for :class:`cps.Window` objects; at most @max_buffers windows wait
    in cpspatchsink (the pipeline blocks beyond that, so memory stays bounded
    on live sources).  A pipeline error raises :class:`cps.Error` in the
    iterating thread.  Leaving a ``with`` block, ``close()`` or the end of the
    stream set the pipeline to NULL.

    @tensor_type: ``"torch"``, ``"numpy"`` or ``"auto"`` (torch when it imports).
    """
    return Stream(source, tensor_type=tensor_type, max_buffers=max_buffers,
                  **properties)
