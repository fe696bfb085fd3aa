#!/usr/bin/python3
# cps — parity with the reference's recorded outputs (the anchor runs).
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compares cps with recorded runs of the reference implementation.

Usage: /usr/bin/python3 tests/bench/parity.py [BUILDDIR] [-j N] [--keep DIR]

The anchor set is a directory (CPS_ANCHOR_DIR, else "anchor" next to the
test media directory: CPS_MEDIA_DIR, or the default that tests/meson.build
also uses) holding clips/ and runs/<clip>__k<K>__<unit>__sf<0|1>.json; a run's
clip is looked up in clips/, then in the media directory.  Each run records
the reference's sampled frame ids, is_i, the score of every patch of the
window (scores_flat, by linear index t*hb*wb + h*wb + w) and the selected
patches (metadata_fields, column 3 the linear index).

For every run, cps-extract (BUILDDIR/tools/cps-extract, the plugin from
BUILDDIR/gst) runs on the clip with the run's settings: CPU decode and
processing, the reference motion model, --sampling uniform
--sampling-frames 16 --sequence-length 16,
the run's --k, --selection-unit and --static-fallback, --dtype fp32.  Per
clip, one more run with k above the number of patches gives cps's score of
every patch.  Then:

(a) ids, is_i: the window's frame_ids and is_i equal the run's.

(b) Selection agreement.  A = the reference's selected patches, B = cps's,
    both as sets of linear indices (|A| = |B| = k).
    - Plain Jaccard: |A & B| / |A | B|.
    - Tie-tolerant Jaccard.  The reference breaks ties among equal scores in
      an order that cannot be reproduced, so equal-score units are
      interchangeable.  A unit is a patch (selection-unit patch) or a 2x2
      block (block2x2); its reference score is scores_flat of the patch, or
      the float32 sum of the block's four patch scores.  Every patch gets
      the class (is_i of its frame, reference score of its unit): the
      I-frame priority makes I and P units compete separately, so only
      units of the same kind are interchangeable.  With a_c and b_c the
      number of patches of class c in A and in B, the tie-tolerant
      intersection is m = sum over c of min(a_c, b_c), i.e. the largest
      matching of A's patches to B's patches of the same class (an exact
      match is a special case), and
          tie-tolerant Jaccard = m / (|A| + |B| - m).
      It is 1 exactly when B selects the same number of patches as A from
      every class: the same multiset of reference scores per kind.
    - missed: the patches the reference must select whatever its tie order
      that cps does not select.  Per kind (I, P), with cut = the smallest
      reference unit score the reference selected of that kind: every unit
      of that kind whose score is strictly above the cut, or every unit of
      the kind when the reference selected all of them.  (Tied units at the
      cut are interchangeable, so they are not in this set.)

(c) Scores: cps's score of every patch (the k = all run) against
    scores_flat: Pearson and Spearman (average ranks for ties)
    correlation over all T*hb*wb patches, and the largest absolute
    difference (the scores are sums of energy in [0,1] over P*P = 196
    pixels, so in [0, 196]).

Prints one row per run, the means, and a summary per clip.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # tests/: the independent reader
from safetensors_reader import read_safetensors  # noqa: E402

RUN_RE = re.compile(r"^(?P<clip>.+)__k(?P<k>\d+)__(?P<unit>patch|block2x2)__sf(?P<sf>[01])\.json$")
ALL_K = 1 << 30  # above any window's patch count: every patch with its score


def media_dir():
    return os.environ.get("CPS_MEDIA_DIR") or os.path.join(ROOT, "..", "shared", "media")


def anchor_dir():
    return os.environ.get("CPS_ANCHOR_DIR") or os.path.join(
        os.path.dirname(os.path.normpath(media_dir())), "anchor")


def load_runs(anchor):
    """The anchor runs as a sorted list of (name, run dict, settings)."""
    d = os.path.join(anchor, "runs")
    out = []
    for f in sorted(os.listdir(d)):
        m = RUN_RE.match(f)
        if not m:
            continue
        run = json.load(open(os.path.join(d, f)))
        cfg = run["config"]
        s = (int(cfg["k_keep"]), cfg["selection_unit"], bool(cfg["static_fallback"]))
        # the file name and the recorded configuration must agree
        assert s == (int(m["k"]), m["unit"], m["sf"] == "1"), (f, cfg)
        assert cfg["sequence_length"] == 16 and cfg["input_size"] == 224, f
        assert cfg["patch_size"] == 14 and cfg["energy_pct"] == 95.0, f
        out.append((f[:-len(".json")], run, s))
    return out


def clip_path(anchor, run):
    """The run's clip, checked against the recorded sha256."""
    for d in (os.path.join(anchor, "clips"), media_dir()):
        p = os.path.join(d, run["clip"])
        if os.path.exists(p):
            h = hashlib.sha256(open(p, "rb").read()).hexdigest()
            assert h == run["clip_sha256"], f"{p}: sha256 {h} is not the run's"
            return p
    raise FileNotFoundError(f"clip {run['clip']} neither in {anchor}/clips nor in {media_dir()}")


def extractor(builddir):
    exe = os.path.join(builddir, "tools", "cps-extract")
    if not os.access(exe, os.X_OK):
        raise FileNotFoundError(f"{exe}: no cps-extract (build with scripts/build.sh)")
    return exe


def run_cps(exe, builddir, clip, k, unit, sf, out):
    """One cps-extract run; returns the single window (meta, tensors)."""
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(builddir, "gst")
    cmd = [exe, "-q", "-o", out, "--decode", "cpu", "--process", "cpu",
           "--motion-model", "reference",
           "--sampling", "uniform", "--sampling-frames", "16",
           "--sequence-length", "16", "--k", str(k),
           "--selection-unit", unit,
           "--static-fallback", "true" if sf else "false",
           "--dtype", "fp32", clip]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
    files = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    if len(files) != 1:
        raise RuntimeError(f"{' '.join(cmd)}: {len(files)} windows, expected 1")
    return read_safetensors(os.path.join(out, files[0]))


def run_all(builddir, runs, anchor, tmp, jobs=2, full=True):
    """Runs cps once per anchor run (and, with full, once per clip with
    k = all).  Returns ({run name: window}, {clip: full window})."""
    exe = extractor(builddir)
    tasks = []
    for name, run, (k, unit, sf) in runs:
        tasks.append(("run", name, clip_path(anchor, run), k, unit, sf))
    if full:
        for clip in sorted({run["clip"] for _, run, _ in runs}):
            run = next(r for _, r, _ in runs if r["clip"] == clip)
            tasks.append(("full", clip, clip_path(anchor, run), ALL_K, "patch", False))

    def one(t):
        kind, name, clip, k, unit, sf = t
        out = os.path.join(tmp, f"{kind}-{name}")
        return t, run_cps(exe, builddir, clip, k, unit, sf, out)

    windows, fulls = {}, {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (kind, name, *_), w in pool.map(one, tasks):
            (windows if kind == "run" else fulls)[name] = w
    return windows, fulls


def unit_scores(run, unit):
    """Per patch (linear index): the reference score of its selection unit."""
    hb, wb = run["hb"], run["wb"]
    s = np.asarray(run["scores_flat"], dtype=np.float32).reshape(-1, hb, wb)
    if unit == "patch":
        return s.reshape(-1)
    b = s.reshape(s.shape[0], hb // 2, 2, wb // 2, 2)
    # float32, summed in a fixed order: equal blocks give equal sums
    bs = ((b[:, :, 0, :, 0] + b[:, :, 0, :, 1]) + b[:, :, 1, :, 0]) + b[:, :, 1, :, 1]
    return np.repeat(np.repeat(bs, 2, axis=1), 2, axis=2).reshape(-1)


def selection_agreement(run, unit, cps_idx):
    """(tie-tolerant Jaccard, plain Jaccard, missed) for cps's selected
    linear indices against the run (see the module's docstring)."""
    hw = run["hb"] * run["wb"]
    ref_idx = np.array([f[3] for f in run["metadata_fields"]], dtype=np.int64)
    cps_idx = np.asarray(cps_idx, dtype=np.int64)
    a, b = set(ref_idx.tolist()), set(cps_idx.tolist())
    assert len(a) == len(ref_idx) and len(b) == len(cps_idx), "duplicate patches"
    plain = len(a & b) / len(a | b)

    us = unit_scores(run, unit)
    kind = np.repeat(np.asarray(run["is_i"], dtype=np.int64), hw)

    def classes(idx):
        c = {}
        for i in idx.tolist():
            key = (int(kind[i]), float(us[i]))
            c[key] = c.get(key, 0) + 1
        return c

    ca, cb = classes(ref_idx), classes(cps_idx)
    m = sum(min(n, cb.get(key, 0)) for key, n in ca.items())
    tt = m / (len(a) + len(b) - m)

    must = []
    for v in (0, 1):
        pool = np.nonzero(kind == v)[0]
        chosen = np.intersect1d(pool, ref_idx)
        if len(chosen) == 0:
            continue
        if len(chosen) == len(pool):
            must.append(pool)
        else:
            cut = us[chosen].min()
            must.append(pool[us[pool] > cut])
    must = np.concatenate(must) if must else np.zeros(0, np.int64)
    missed = int(len(np.setdiff1d(must, cps_idx)))
    return tt, plain, missed


def _ranks(x):
    """Average ranks (ties share the mean of their ranks), 0-based."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    r = np.empty(len(x), dtype=np.float64)
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2.0
        i = j + 1
    return r


def _pearson(x, y):
    x = x - x.mean()
    y = y - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else float("nan")


def score_agreement(run, full):
    """(Pearson, Spearman, max |difference|) of cps's score of every patch
    (a k = all window) against the run's scores_flat."""
    meta, t = full
    ref = np.asarray(run["scores_flat"], dtype=np.float64)
    cps = np.full(len(ref), np.nan)
    cps[t["fields"][1][:, 3]] = t["scores"][1]
    assert not np.isnan(cps).any(), "the k = all window lacks patches"
    return (_pearson(ref, cps), _pearson(_ranks(ref), _ranks(cps)),
            float(np.abs(ref - cps).max()))


def compare(run, unit, window, full=None):
    """All the measures of one run, as a dict."""
    meta, t = window
    ids = t["frame_ids"][1].tolist()
    is_i = t["is_i"][1].tolist()
    assert (int(meta["grid_height"]), int(meta["grid_width"])) == (run["hb"], run["wb"])
    tt, plain, missed = selection_agreement(run, unit, t["fields"][1][:, 3])
    r = {"ids": ids == run["sampled_frame_ids"], "is_i": is_i == run["is_i"],
         "cps_ids": ids, "cps_is_i": is_i,
         "tt": tt, "jaccard": plain, "missed": missed}
    if full is not None:
        r["pearson"], r["spearman"], r["maxdiff"] = score_agreement(run, full)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("builddir", nargs="?",
                    default=os.environ.get("BUILDDIR", os.path.join(ROOT, "build")))
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cps runs at a time (2)")
    ap.add_argument("--keep", metavar="DIR", help="keep the window files in DIR")
    args = ap.parse_args()
    builddir = os.path.abspath(args.builddir)
    anchor = anchor_dir()
    if not os.path.isdir(os.path.join(anchor, "runs")):
        sys.exit(f"no anchor runs in {anchor} (set CPS_ANCHOR_DIR or CPS_MEDIA_DIR)")
    runs = load_runs(anchor)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        tmp, tmpobj = args.keep, None
    else:
        tmpobj = tempfile.TemporaryDirectory(prefix="cps-parity-")
        tmp = tmpobj.name
    windows, fulls = run_all(builddir, runs, anchor, tmp, jobs=args.jobs)

    res = {}
    for name, run, (k, unit, sf) in runs:
        res[name] = compare(run, unit, windows[name], fulls[run["clip"]])

    w = max(len(n) for n in res)
    print(f"{'run':<{w}}  ids  is_i  tt-jacc  jaccard  missed  pearson  spearman  max|d|")
    for name, r in res.items():
        print(f"{name:<{w}}  {'ok' if r['ids'] else 'NO':>3}  {'ok' if r['is_i'] else 'NO':>4}"
              f"  {r['tt']:7.4f}  {r['jaccard']:7.4f}  {r['missed']:6d}"
              f"  {r['pearson']:7.4f}  {r['spearman']:8.4f}  {r['maxdiff']:6.3f}")
        if not r["ids"] or not r["is_i"]:
            print(f"  cps ids {r['cps_ids']} is_i {r['cps_is_i']}")
    v = list(res.values())
    print(f"{'mean':<{w}}  {sum(r['ids'] for r in v):3d}  {sum(r['is_i'] for r in v):4d}"
          f"  {np.mean([r['tt'] for r in v]):7.4f}  {np.mean([r['jaccard'] for r in v]):7.4f}"
          f"  {sum(r['missed'] for r in v):6d}")
    print()
    print("per clip          runs  tt mean  tt min  jacc mean  pearson  spearman  max|d|")
    for clip in sorted({run["clip"] for _, run, _ in runs}):
        rs = [res[n] for n, run, _ in runs if run["clip"] == clip]
        first = rs[0]
        print(f"{clip:<17} {len(rs):4d}  {np.mean([r['tt'] for r in rs]):7.4f}"
              f"  {min(r['tt'] for r in rs):6.4f}  {np.mean([r['jaccard'] for r in rs]):9.4f}"
              f"  {first['pearson']:7.4f}  {first['spearman']:8.4f}  {first['maxdiff']:6.3f}")
    ok = all(r["ids"] and r["is_i"] for r in v)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
