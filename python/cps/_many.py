# cps — many inputs, one dataset: cps-extract's dataset mode, one task per
# input, locally or on a Dask cluster.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""``cps.extract_many``: every input of a manifest into one dataset
directory, one task per input.

Each task runs ``cps-extract --manifest - -o OUT --jobs 1 [options]`` with
its one input on stdin, so the completion markers, ``index.jsonl`` and
``failures.jsonl`` are the C tool's, written under its lock: the dataset is
the one ``cps-extract --manifest M -o OUT [options]`` writes, and a rerun
skips what is done.  With a Dask ``distributed.Client`` the tasks run on
its workers (which must see OUT and the inputs at the same paths, and have
cps-extract); without one, on a thread pool here (Dask is not imported).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

__all__ = ["extract_many", "ExtractSummary", "input_id", "read_manifest"]

PathLike = Union[str, "os.PathLike[str]"]
MARKER = ".cps-extract-done"
#: options extract_many sets itself, per task
_RESERVED = {"manifest", "output", "o", "jobs", "shard", "help"}
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def input_id(input: str) -> str:
    """The directory name cps-extract gives @input under its output:
    ``<stem>-<h>``, the stem being the input's last path component without
    its extension, every byte outside ``[A-Za-z0-9._-]`` replaced by ``_``,
    cut to 48 bytes (``input`` if empty), and ``<h>`` the first 20 hex
    digits of the SHA-256 of the input exactly as written."""
    name = input.rsplit("/", 1)[-1]  # "" after a trailing slash
    dot = name.rfind(".")
    if dot > 0:
        name = name[:dot]
    stem = bytes(c if c in _SAFE else ord("_") for c in name.encode("utf-8"))[:48]
    h = hashlib.sha256(input.encode("utf-8")).hexdigest()[:20]
    return f"{(stem.decode('ascii') or 'input')}-{h}"


def read_manifest(manifest: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    """The inputs of @manifest, a manifest file's path or an iterable of
    inputs, as cps-extract reads them: each line trimmed, empty lines and
    lines starting with ``#`` dropped, an input listed twice kept once (at
    its first place)."""
    if isinstance(manifest, (str, bytes, os.PathLike)):
        with open(manifest, encoding="utf-8") as f:
            lines: Iterable[Any] = f.read().splitlines()
    else:
        lines = (os.fspath(x) for x in manifest)
    seen: Dict[str, None] = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            seen.setdefault(line, None)
    return list(seen)


def _option_args(options: Dict[str, Any]) -> List[str]:
    """``--name=value`` for each option (``_`` in names as ``-``): True is
    a bare ``--name``, False and None leave the option out, a list or tuple
    repeats it."""
    args: List[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if name.replace("-", "_") in _RESERVED:
            raise ValueError(f"extract_many sets {flag} itself")
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is True:
                args.append(flag)
            elif v is not None and v is not False:
                args.append(f"{flag}={v}")
    return args


def _failure(out: str, input: str) -> Optional[str]:
    """The error failures.jsonl records for @input, if any."""
    try:
        with open(os.path.join(out, "failures.jsonl"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict) and e.get("input") == input:
            return f"{e.get('exit_class', 'error')}: {e.get('error', '')}"
    return None


def _run_one(input: str, out: str, args: Sequence[str], exe: Optional[str] = None,
             cwd: Optional[str] = None) -> Dict[str, Any]:
    """One task: cps-extract over the one-line manifest @input into @out.
    Runs on a Dask worker or here; returns the input's result."""
    from .compat import extract_binary, extract_errors
    if exe is None:
        exe = extract_binary()
    ident = input_id(input)
    was_done = os.path.isfile(os.path.join(out, ident, MARKER))
    cmd = [exe, "--manifest", "-", "-o", out, "--jobs", "1", *args]
    p = subprocess.run(cmd, input=input + "\n", capture_output=True, text=True,
                       cwd=cwd if cwd and os.path.isdir(cwd) else None)
    result: Dict[str, Any] = {"input": input, "id": ident, "returncode": p.returncode,
                              "error": None}
    if p.returncode == 0:
        result["status"] = "skipped" if was_done else "done"
        return result
    result["status"] = "failed"
    error = _failure(out, input) if p.returncode == 1 else None
    if error is None:
        error = extract_errors(p.stderr) or p.stderr.strip()[-2000:]
        if p.returncode < 0:
            error = f"cps-extract killed by signal {-p.returncode}" + (
                f": {error}" if error else "")
        error = error or f"cps-extract failed (exit {p.returncode})"
    result["error"] = error
    return result


@dataclass
class ExtractSummary:
    """What :func:`cps.extract_many` did, input by input (manifest order).

    Attributes:
        out: the dataset directory.
        done: inputs extracted by this call.
        skipped: inputs already complete (their marker was there), left as
            they were.
        failed: inputs that failed (recorded in ``out/failures.jsonl`` when
            cps-extract got as far as running them), options refused, or
            tasks lost.
        errors: the error of each failed input.
        results: one dict per input: ``input``, ``id``, ``status``
            (``done``, ``skipped``, ``failed``), ``returncode``, ``error``.
    """
    out: str
    done: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)
    errors: Dict[str, str] = field(default_factory=dict)
    results: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no input failed."""
        return not self.failed

    def __str__(self) -> str:
        return (f"{self.out}: {len(self.done)} done, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed")


def extract_many(manifest: Union[PathLike, Iterable[PathLike]], out: PathLike,
                 client: Any = None, jobs: Optional[int] = None, *,
                 extract: Optional[str] = None, **options: Any) -> ExtractSummary:
    """Extracts every input of @manifest into the dataset directory @out,
    one task per input, and returns an :class:`ExtractSummary`.

    Args:
        manifest: a manifest file (one path or URI per line, ``#`` comments)
            or an iterable of inputs; read as cps-extract reads a manifest
            (:func:`read_manifest`).  Relative paths are relative to the
            current directory (the tasks run there when it exists).
        out: the dataset directory (``OUT/<id>/window-NNNNN.safetensors``,
            ``OUT/index.jsonl``, ...; :func:`cps.load` reads it).  With a
            Dask cluster, a directory every worker sees at this path.
        client: a ``distributed.Client``: one ``client.submit`` per input,
            run on its workers.  None: a thread pool here, without Dask.
        jobs: how many inputs run at once: the thread pool's size without a
            client (default: the number of CPUs), the most tasks submitted
            at a time with one (default: all at once; the workers' threads
            then limit them).
        extract: the cps-extract binary; default ``$CPS_EXTRACT``, else the
            one on PATH (looked up where each task runs).
        **options: cps-extract's options as ``name=value``, ``_`` for ``-``
            in names (``max_windows=1``, ``decode="cpu"``, ``k=256``,
            ``overwrite=True``, ``retry_failed=True``).  ``manifest``,
            ``output``, ``jobs`` and ``shard`` are extract_many's own.

    Every task runs ``cps-extract --manifest - -o OUT --jobs 1 [options]``
    with its input on stdin: markers, index and failures are cps-extract's,
    a rerun skips completed inputs and redoes the rest, a failed input is
    recorded and the others go on.  ``format="wds"`` is refused: each task
    would be a tar writer of the same name.
    """
    inputs = read_manifest(manifest)
    out = os.path.abspath(os.fspath(out))
    if str(options.get("format", "dir")) != "dir":
        raise ValueError("extract_many writes the dir format only: per-input tasks "
                         "would each write tar shards of the same name; run "
                         "cps-extract --manifest --format wds (with --shard) instead")
    args = _option_args(options)
    exe = extract or os.environ.get("CPS_EXTRACT") or None
    cwd = os.getcwd()
    os.makedirs(out, exist_ok=True)
    summary = ExtractSummary(out)
    by_input: Dict[str, Dict[str, Any]] = {}
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")

    def lost(input: str, e: BaseException) -> Dict[str, Any]:
        return {"input": input, "id": input_id(input), "status": "failed",
                "returncode": None, "error": f"task failed: {type(e).__name__}: {e}"}

    if client is None:
        workers = jobs or os.cpu_count() or 1
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_one, i, out, args, exe, cwd): i for i in inputs}
            for f in concurrent.futures.as_completed(futures):
                i = futures[f]
                try:
                    by_input[i] = f.result()
                except Exception as e:  # cps-extract not found, say
                    by_input[i] = lost(i, e)
    else:
        from distributed import as_completed  # only with a client

        pending = list(reversed(inputs))
        which = {}

        def submit() -> Any:
            i = pending.pop()
            f = client.submit(_run_one, i, out, args, exe, cwd, pure=False,
                              key=f"cps-extract-{input_id(i)}-{os.urandom(4).hex()}")
            which[f.key] = i
            return f

        first = [submit() for _ in range(min(jobs or len(inputs), len(inputs)))]
        running = as_completed(first)
        for f in running:
            i = which[f.key]
            try:
                by_input[i] = f.result()
            except Exception as e:  # the worker died, say
                by_input[i] = lost(i, e)
            if pending:
                running.add(submit())
    for i in inputs:
        r = by_input[i]
        summary.results.append(r)
        getattr(summary, r["status"]).append(i)
        if r["status"] == "failed":
            summary.errors[i] = r["error"]
    return summary
