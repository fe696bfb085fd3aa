#!/usr/bin/python3
# cps — the Python package over many-input datasets: cps.load() on a
# dataset root (index.jsonl, dir and wds entries), cps.extract_many()
# locally and on a Dask LocalCluster against one local
# `cps-extract --manifest` run.  TAP output.
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

from tap import check, finish

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))  # this tree's package
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")
MEDIA = os.environ.get("CPS_MEDIA_DIR", os.path.join(ROOT, "..", "shared", "media"))
# short clips of the shared media (19 and 109 frames), when present
SHORT = ("talkinghead_office_1280x720_baseline.h264", "people_asl_book_640x480.mkv")
OPTIONS = {"decode": "cpu", "max_windows": 1}
OPTION_ARGS = ["--decode=cpu", "--max-windows=1"]

try:
    import cps
except (ImportError, ValueError) as e:
    print(f"1..0 # SKIP python3-gi, GStreamer's typelibs or numpy are absent: {e}")
    sys.exit(0)

tmp = tempfile.TemporaryDirectory(prefix="cps-dataset-")
os.environ.setdefault("CPS_EXTRACT", EXTRACT)


def dataset_mode():
    """None when this cps-extract has the dataset mode, else why not."""
    if not os.access(EXTRACT, os.X_OK):
        return f"skip no {EXTRACT} (build first)"
    p = subprocess.run([EXTRACT, "--help"], capture_output=True, text=True)
    if "--manifest" not in p.stdout + p.stderr:
        return "skip this cps-extract has no dataset mode (--manifest) yet"
    return None


def inputs():
    """The inputs of the end-to-end checks: the demo clip and the short
    shared clips that are there, as absolute paths."""
    found = [CLIP]
    for name in SHORT:
        path = os.path.abspath(os.path.join(MEDIA, name))
        if os.path.isfile(path):
            found.append(path)
    return found


def tree(root):
    """{relative path: bytes} of the files under @root, the lock excluded."""
    out = {}
    for d, _, names in os.walk(root):
        for name in names:
            if name != ".cps-index.lock":
                p = os.path.join(d, name)
                out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


def same_dataset(a, b):
    """@a and @b hold the same dataset: the same files, window files and
    markers equal, the same set of index lines."""
    ta, tb = tree(a), tree(b)
    assert set(ta) == set(tb), (sorted(set(ta) ^ set(tb)))
    for rel in ta:
        if rel.endswith(".safetensors"):
            assert ta[rel] == tb[rel], f"{rel} differs"
        elif rel.endswith(".cps-extract-done"):
            assert json.loads(ta[rel]) == json.loads(tb[rel]), rel
    ia = sorted(ta["index.jsonl"].decode().splitlines())
    ib = sorted(tb["index.jsonl"].decode().splitlines())
    assert ia == ib, f"index.jsonl: {len(ia)} vs {len(ib)} lines"
    return len(ia)


def windows_equal(a, b):
    assert a.index == b.index and a.dtype == b.dtype
    for name in ("patches", "fields", "scores", "frame_ids", "frame_pts_ns", "is_i"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.metadata == b.metadata


# ---- the rules the Python side shares with cps-extract -----------------

def t_input_id():
    h = hashlib.sha256(b"/data/clip 1.mp4").hexdigest()[:20]
    assert cps.input_id("/data/clip 1.mp4") == f"clip_1-{h}"
    assert cps.input_id("a/b.tar.gz").startswith("b.tar-")
    long = cps.input_id("x" * 100 + ".mp4")
    assert long.split("-")[0] == "x" * 48, long
    assert cps.input_id("d/\u00e9.mkv").startswith("__-")  # two UTF-8 bytes
    assert cps.input_id("http://h/live/").startswith("input-")  # empty stem
    assert cps.input_id(".hidden").startswith(".hidden-")  # a leading dot stays
    assert cps.input_id("a.mp4") != cps.input_id("./a.mp4")  # as written


def t_read_manifest():
    m = os.path.join(tmp.name, "m.txt")
    with open(m, "w") as f:
        f.write("# clips\n  a.mp4 \n\nb.mkv\na.mp4\n#c.mp4\nrtsp://h/s\n")
    assert cps.read_manifest(m) == ["a.mp4", "b.mkv", "rtsp://h/s"]
    assert cps.read_manifest(["x", " x ", "y", ""]) == ["x", "y"]


# ---- cps.load on a dataset root, built by hand -------------------------

def single(name, clip=CLIP):
    """Today's one-input cps-extract run of @clip into tmp/@name."""
    out = os.path.join(tmp.name, name)
    if not os.path.isdir(out):
        subprocess.run([EXTRACT, "-q", "-o", out, "--decode", "cpu", "--k", "64",
                        "--max-windows", "3", clip], check=True, capture_output=True,
                       text=True, timeout=300)
    return out


def index_line(inp, ident, w, **where):
    return {"input": inp, "id": ident, **where, "window": w.index,
            "frames": w.n_frames,
            "frame_ids": [int(w.frame_ids[0]), int(w.frame_ids[-1])],
            "pts_ns": [int(w.frame_pts_ns[0]), int(w.frame_pts_ns[-1])],
            "patches": w.n_patches, "tokens": w.n_patches}


def t_load_index():
    if not os.access(EXTRACT, os.X_OK):
        return f"skip no {EXTRACT} (build first)"
    src = single("one")
    ref = cps.load(src, tensor_type="numpy")
    assert type(ref) is cps.Dataset and len(ref) == 3  # one directory: as before
    root = os.path.join(tmp.name, "handmade")
    os.makedirs(os.path.join(root, "wds"))
    # input A in the dir format, input B in a wds tar (two windows) and
    # its third window in a second tar
    a, b = "clips/a.mp4", "clips/b.mp4"
    ia, ib = cps.input_id(a), cps.input_id(b)
    shutil.copytree(src, os.path.join(root, ia))
    lines = [index_line(a, ia, w, file=f"{ia}/{os.path.basename(p)}")
             for w, p in zip(ref, ref.paths)]
    for t, members in enumerate((ref.paths[:2], ref.paths[2:])):
        shard = f"wds/s0of1-{t:06d}.tar"
        with tarfile.open(os.path.join(root, shard), "w", format=tarfile.PAX_FORMAT) as tar:
            for p in members:
                w = cps.load_window(p, tensor_type="numpy")
                key = f"{ib}/window-{int(w['__metadata__']['window_index']):05d}"
                line = index_line(b, ib, cps._files.window_from_file(p, "numpy"),
                                  file=None, shard=shard, key=key)
                for suffix, data in ((".safetensors", open(p, "rb").read()),
                                     (".json", json.dumps(line).encode())):
                    info = tarfile.TarInfo(key + suffix)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
                lines.append(line)
    with open(os.path.join(root, "index.jsonl"), "w") as f:
        # B's lines first and one twice: order and duplicates do not matter
        for line in lines[3:] + lines[:3] + lines[:1]:
            f.write(json.dumps(line) + "\n")
    d = cps.load(root, tensor_type="numpy")
    assert isinstance(d, cps.IndexedDataset) and len(d) == 6, d
    assert d.inputs == [a, b]
    got = list(d)
    assert [(w.input, w.input_id, w.index) for w in got] == \
        [(a, ia, 0), (a, ia, 1), (a, ia, 2), (b, ib, 0), (b, ib, 1), (b, ib, 2)]
    for w, r in zip(got, list(ref) * 2):
        windows_equal(w, r)
    windows_equal(d[4], ref[1])
    assert [w.index for w in d[2:4]] == [2, 0]
    d.close()
    # a broken line names the file and line
    with open(os.path.join(root, "index.jsonl"), "a") as f:
        f.write('{"input": "x"}\n')
    try:
        cps.load(root)
    except ValueError as e:
        assert "index.jsonl:8" in str(e), e
    else:
        raise AssertionError("a broken index line did not raise")


# ---- extract_many: the command each task runs ---------------------------

STUB = """#!/bin/sh
# records its arguments and stdin; fails on inputs named *bad*, as
# cps-extract's dataset mode does (a failures.jsonl line, exit 1)
in=$(cat)
out=$4
printf '%s|%s\\n' "$*" "$in" >> "$STUB_LOG"
case "$in" in
  *bad*) printf '{"input": "%s", "id": "x", "error": "not a video", "exit_class": "open"}\\n' \
           "$in" >> "$out/failures.jsonl"; exit 1 ;;
  *refused*) echo "cps-extract: error: --k differs from the marker's" >&2; exit 2 ;;
esac
exit 0
"""


def stub():
    path = os.path.join(tmp.name, "stub-extract")
    with open(path, "w") as f:
        f.write(STUB)
    os.chmod(path, 0o755)
    return path


def stub_run(client):
    log = os.path.join(tmp.name, f"stub-{id(client)}.log")
    os.environ["STUB_LOG"] = log
    out = os.path.join(tmp.name, f"stub-out-{id(client)}")
    # a complete input: its marker is there already
    done = "v/done.mp4"
    os.makedirs(os.path.join(out, cps.input_id(done)))
    open(os.path.join(out, cps.input_id(done), ".cps-extract-done"), "w").close()
    s = cps.extract_many(["v/a.mp4", "v/bad.mp4", done, "v/a.mp4", "v/refused.mp4"], out,
                         client=client, jobs=2, extract=stub(), max_windows=1,
                         decode="cpu", decode_all=True, overwrite=False)
    assert s.done == ["v/a.mp4"] and s.skipped == [done], s
    assert s.failed == ["v/bad.mp4", "v/refused.mp4"], s
    assert s.errors["v/bad.mp4"] == "open: not a video", s.errors
    assert "differs" in s.errors["v/refused.mp4"], s.errors
    assert not s.ok and str(s).endswith("1 done, 1 skipped, 2 failed")
    calls = sorted(open(log).read().splitlines())
    assert len(calls) == 4, calls  # one task per distinct input
    for c in calls:
        argv, stdin = c.split("|")
        assert argv == (f"--manifest - -o {out} --jobs 1 --max-windows=1 "
                        "--decode=cpu --decode-all"), argv
    assert [c.split("|")[1] for c in calls] == sorted(
        ["v/a.mp4", "v/bad.mp4", done, "v/refused.mp4"])
    for bad in ({"shard": "0/2"}, {"output": "y"}, {"format": "wds"}):
        try:
            cps.extract_many(["x"], out, extract=stub(), **bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{bad} was accepted")


def t_many_command_local():
    stub_run(None)


def local_cluster():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    return cluster, Client(cluster)


def t_many_command_dask():
    try:
        import distributed  # noqa: F401
    except ImportError:
        return "skip dask.distributed does not import (Debian: python3-distributed)"
    cluster, client = local_cluster()
    try:
        stub_run(client)
        assert len(client.scheduler_info()["workers"]) == 2
    finally:
        client.close()
        cluster.close()


# ---- end to end, with cps-extract's dataset mode ------------------------

def local_run():
    """One `cps-extract --manifest M` run over inputs(): its directory."""
    out = os.path.join(tmp.name, "local")
    if not os.path.isdir(out):
        m = os.path.join(tmp.name, "manifest.txt")
        with open(m, "w") as f:
            f.write("".join(i + "\n" for i in inputs()))
        subprocess.run([EXTRACT, "-q", "--manifest", m, "-o", out, *OPTION_ARGS],
                       check=True, capture_output=True, text=True, timeout=600)
    return out


def t_many_local():
    why = dataset_mode()
    if why:
        return why
    out = os.path.join(tmp.name, "many-local")
    bad = os.path.join(tmp.name, "not-a-video.mp4")
    with open(bad, "w") as f:
        f.write("text\n")
    s = cps.extract_many(inputs() + [bad], out, jobs=2, **OPTIONS)
    assert s.done == inputs() and s.failed == [bad], s
    failures = [json.loads(x) for x in open(os.path.join(out, "failures.jsonl"))]
    assert [f["input"] for f in failures] == [bad], failures
    again = cps.extract_many(inputs() + [bad], out, jobs=2, **OPTIONS)
    assert again.skipped == inputs() and again.done == [], again
    os.unlink(os.path.join(out, "failures.jsonl"))
    same_dataset(out, local_run())


def t_many_dask():
    why = dataset_mode()
    if why:
        return why
    try:
        import distributed  # noqa: F401
    except ImportError:
        return "skip dask.distributed does not import (Debian: python3-distributed)"
    cluster, client = local_cluster()
    out = os.path.join(tmp.name, "many-dask")
    try:
        s = cps.extract_many(inputs(), out, client=client, **OPTIONS)
    finally:
        client.close()
        cluster.close()
    assert s.ok and s.done == inputs(), s
    n = same_dataset(out, local_run())
    # the ids are cps.input_id's
    ids = {json.loads(x)["id"] for x in open(os.path.join(out, "index.jsonl"))}
    assert ids == {cps.input_id(i) for i in inputs()}, ids
    return n


def t_load_dataset():
    why = dataset_mode()
    if why:
        return why
    root = local_run()
    d = cps.load(root, tensor_type="numpy")
    assert isinstance(d, cps.IndexedDataset)
    assert d.inputs == sorted(inputs()), d.inputs
    n = 0
    for inp in d.inputs:
        per_input = cps.load(os.path.join(root, cps.input_id(inp)), tensor_type="numpy")
        mine = [w for w in d if w.input == inp]
        assert len(mine) == len(per_input) >= 1, (inp, len(mine), len(per_input))
        for w, r in zip(mine, per_input):
            assert w.input_id == cps.input_id(inp)
            windows_equal(w, r)
        n += len(mine)
    assert n == len(d) == len(open(os.path.join(root, "index.jsonl")).readlines())


def t_load_wds():
    why = dataset_mode()
    if why:
        return why
    out = os.path.join(tmp.name, "wds")
    m = os.path.join(tmp.name, "manifest.txt")
    local_run()  # writes the manifest
    subprocess.run([EXTRACT, "-q", "--manifest", m, "-o", out, "--format", "wds",
                    "--tar-size", "1K", *OPTION_ARGS],
                   check=True, capture_output=True, text=True, timeout=600)
    names = sorted(os.listdir(os.path.join(out, "wds")))
    tars = [t for t in names if t.endswith(".tar")]
    assert len(tars) >= 2 and not any(t.endswith(".partial") for t in names), names
    # plain tarfile: each key's .safetensors and .json adjacent
    for t in tars:
        with tarfile.open(os.path.join(out, "wds", t)) as tar:
            names = tar.getnames()
        assert len(names) % 2 == 0, names
        for st, js in zip(names[::2], names[1::2]):
            assert st.endswith(".safetensors") and js == st[:-len(".safetensors")] + ".json", \
                (st, js)
    wds = cps.load(out, tensor_type="numpy")
    # each window's .json holds its index line's fields
    for e in wds.entries:
        with tarfile.open(os.path.join(out, e["shard"])) as tar:
            meta = json.load(tar.extractfile(e["key"] + ".json"))
        for k in ("input", "id", "window", "frames", "frame_ids", "pts_ns", "patches",
                  "tokens"):
            assert meta.get(k) == e[k], (e["key"], k, meta.get(k), e[k])
    ref = cps.load(local_run(), tensor_type="numpy")
    assert len(wds) == len(ref) >= len(inputs()), (len(wds), len(ref))
    assert all(e["file"] is None and e["shard"].startswith("wds/") for e in wds.entries)
    for w, r in zip(wds, ref):
        assert (w.input, w.input_id) == (r.input, r.input_id)
        windows_equal(w, r)
    wds.close()


check("cps.input_id: <stem>-<20 hex of SHA-256>, sanitised and cut stems", t_input_id)
check("cps.read_manifest: trimmed, comments and blanks dropped, duplicates once",
      t_read_manifest)
check("cps.load on a dataset root: dir and wds entries, input and input_id, order",
      t_load_index)
check("extract_many without Dask: one `cps-extract --manifest - -o OUT --jobs 1` "
      "per input, done/skipped/failed", t_many_command_local)
check("extract_many on a Dask LocalCluster (2 workers): the same tasks and summary",
      t_many_command_dask)
check("extract_many locally: a broken input fails alone, a rerun skips, the dataset "
      "of `cps-extract --manifest`", t_many_local)
check("extract_many on a Dask LocalCluster: the dataset of `cps-extract --manifest`",
      t_many_dask)
check("cps.load over the dataset root: every input's windows, equal to its directory's",
      t_load_dataset)
check("cps.load over a --format wds dataset (several tars): the windows of the dir format",
      t_load_wds)
finish()
