#!/usr/bin/python3
# cps quality benchmark: scores cps's patch ranking against the known object
# masks of the clips that make-clips.py builds.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Score cps-extract on the quality-benchmark clips.

For each clip and motion model, cps-extract runs with --sequence-length 16
and k = every patch of a window, so each patch comes back with its score.
A patch (cell of the resized grid, mapped back to the source frame by
proportion) is an OBJECT patch when at least half of its source pixels lie
in the object mask (pixel centres; a pixel belongs to grid row
floor((y + 0.5) * hb / H) and column floor((x + 0.5) * wb / W)).

Per clip, pooled over its windows:
  R-prec   R-precision of the P-frame ranking: in each window rank the
           patches of the non-I frames by score (ties: lower linear index,
           cps's own rule), take the top R_w where R_w is the number of object
           patches among them; hits summed over windows / R summed.
  prec@k   precision of the k=512 budget: the window's I-frame patches are
           taken first (as cps does), the remaining k - |I| go to the best
           non-I patches (same ranking); the fraction of those that are
           object patches.  `max` is the best possible, min(R_w, k-|I|)/(k-|I|).
           The window's first frame is an I-frame in every clip (GOP 16), so
           |I| is one frame's grid.
  static   fraction of windows where the static fallback would fire
           (docs/algorithm.md step 9), computed here from the scores with the
           rule of cps_scores_are_static: mean patch energy = score / P^2 over
           all patches of the window; p95, p50 = values of 0-based rank
           round(q (n-1)); static when p95 < t, or p95 < 2t and
           (p95 - p50) / max(p95, 1e-6) < 0.15, with t = 2/255.
  bg@k     where the background picks of the budget go (pan diagnosis):
           share of the non-object budget in the first P frame of the window
           (`1stP`), in the two outer grid columns (`edge`), and on the most
           textured quarter of the background patches (`tex`: mean absolute
           luma gradient of the decoded frame inside the patch, ranked among
           the window's non-I background patches; 0.25 means texture-blind).
"""
import argparse
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)
from safetensors_reader import read_safetensors  # noqa: E402

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "make_clips", os.path.join(HERE, "make-clips.py"))
make_clips = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_clips)

K_BUDGET = 512
T = 16
STATIC_ABS = 2.0 / 255.0
STATIC_REL = 0.15


def find_extract(arg):
    if arg:
        path = arg
    else:
        builddir = os.environ.get("BUILDDIR", "build")
        if not os.path.isabs(builddir):
            builddir = os.path.join(ROOT, builddir)
        path = os.path.join(builddir, "tools", "cps-extract")
    if not os.access(path, os.X_OK):
        sys.exit("score: no cps-extract at %s (build with scripts/build.sh, or"
                 " give --extract / BUILDDIR)" % path)
    return os.path.abspath(path)


def extract_env(extract):
    env = dict(os.environ)
    gst = os.path.join(os.path.dirname(os.path.dirname(extract)), "gst")
    if os.path.isdir(gst):
        env["GST_PLUGIN_PATH"] = gst
    return env


def motion_models(extract, env):
    """The values of cps-extract's --motion-model (from --help-elements,
    `--motion-model=a|b`), or None when it has no such option."""
    out = subprocess.run([extract, "--help-elements"], env=env,
                         capture_output=True, text=True).stdout
    m = re.search(r"--motion-model(?:=(\S+))?", out)
    if not m:
        return None
    return m.group(1).split("|") if m.group(1) else []


def run_cps(extract, env, clip, outdir, model, with_model_option, extra):
    cmd = [extract, "-q", "-f", "-o", outdir, "--decode=cpu", "--process=cpu",
           "--sequence-length", str(T), "--k", "2147483647", "--dtype", "u8"
           ] + extra + [clip]
    if with_model_option:
        cmd[1:1] = ["--motion-model", model]
    t0 = time.time()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("score: %s failed (%d):\n%s" % (" ".join(cmd), r.returncode,
                                                  r.stderr))
    return time.time() - t0


def percentile(v, q):
    s = np.sort(v)
    return float(s[int(np.rint(q * (len(s) - 1)))])


def is_static(scores, p):
    m = scores.astype(np.float64) / (p * p)
    m = m.astype(np.float32)
    p95, p50 = percentile(m, 0.95), percentile(m, 0.50)
    if p95 < STATIC_ABS:
        return True
    return p95 < 2 * STATIC_ABS and (p95 - p50) / max(p95, 1e-6) < STATIC_REL


def patch_labels(mask, hb, wb):
    """[hb, wb] bool: at least half of the patch's source pixels in mask."""
    h, w = mask.shape
    ry = ((np.arange(h) + 0.5) * hb / h).astype(np.int64)
    rx = ((np.arange(w) + 0.5) * wb / w).astype(np.int64)
    cell = ry[:, None] * wb + rx[None, :]
    inside = np.bincount(cell.ravel(), weights=mask.ravel(), minlength=hb * wb)
    total = np.bincount(cell.ravel(), minlength=hb * wb)
    return (inside >= 0.5 * total).reshape(hb, wb)


def ranked(scores, idx):
    """idx sorted by score descending, ties to the lower linear index."""
    order = np.lexsort((idx, -scores[idx].astype(np.float64)))
    return idx[order]


def decode_luma(clip, w, h):
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", clip, "-f", "rawvideo",
         "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w)


def patch_texture(luma, hb, wb):
    """[hb*wb] mean absolute gradient of a luma frame per grid cell."""
    g = luma.astype(np.float32)
    grad = np.zeros_like(g)
    grad[:, :-1] += np.abs(np.diff(g, axis=1))
    grad[:-1, :] += np.abs(np.diff(g, axis=0))
    h, w = g.shape
    ry = ((np.arange(h) + 0.5) * hb / h).astype(np.int64)
    rx = ((np.arange(w) + 0.5) * wb / w).astype(np.int64)
    cell = (ry[:, None] * wb + rx[None, :]).ravel()
    return (np.bincount(cell, weights=grad.ravel(), minlength=hb * wb) /
            np.bincount(cell, minlength=hb * wb))


def score_windows(outdir, masks, luma):
    files = sorted(f for f in os.listdir(outdir) if f.endswith(".safetensors"))
    acc = dict(hits=0, R=0, khits=0, kn=0, kmax=0, static=0, windows=0,
               bg=0, bg_first=0, bg_edge=0, bg_tex=0, objwin=0)
    for name in files:
        meta, t = read_safetensors(os.path.join(outdir, name))
        nt = int(meta["n_frames"])
        hb, wb = int(meta["grid_height"]), int(meta["grid_width"])
        p = int(meta["patch_size"])
        per = hb * wb
        fields = t["fields"][1]
        scores_sel = t["scores"][1].astype(np.float32)
        if len(fields) != nt * per:
            sys.exit("score: %s holds %d patches, not all %d" %
                     (name, len(fields), nt * per))
        scores = np.empty(nt * per, np.float32)
        scores[fields[:, 3]] = scores_sel
        ids = t["frame_ids"][1]
        is_i = t["is_i"][1].astype(bool)
        labels = np.concatenate(
            [patch_labels(masks[int(f)], hb, wb).ravel() for f in ids])
        acc["windows"] += 1
        acc["static"] += is_static(scores, p)
        frame_of = np.arange(nt * per) // per
        pidx = np.nonzero(~is_i[frame_of])[0]
        if len(pidx) == 0:
            continue
        rank = ranked(scores, pidx)
        r = int(labels[pidx].sum())
        acc["R"] += r
        acc["hits"] += int(labels[rank[:r]].sum())
        if r:
            acc["objwin"] += 1
        n_i = nt * per - len(pidx)
        kp = max(0, min(K_BUDGET, nt * per) - n_i)
        if kp:
            pick = rank[:kp]
            acc["kn"] += kp
            acc["khits"] += int(labels[pick].sum())
            acc["kmax"] += min(r, kp)
            bg = pick[~labels[pick]]
            first_p = np.nonzero(~is_i)[0][0]
            col = bg % wb
            acc["bg"] += len(bg)
            acc["bg_first"] += int((frame_of[bg] == first_p).sum())
            acc["bg_edge"] += int(((col <= 1) | (col >= wb - 2)).sum())
            tex = np.concatenate([patch_texture(luma[int(f)], hb, wb)
                                  for f in ids])
            bgp = pidx[~labels[pidx]]
            if len(bgp):
                cut = np.quantile(tex[bgp], 0.75)
                acc["bg_tex"] += int((tex[bg] >= cut).sum())
    return acc


def fmt(v, d=3):
    return "-" if v is None else ("%.*f" % (d, v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extract", help="cps-extract to run (default: "
                    "$BUILDDIR/tools/cps-extract, BUILDDIR defaulting to build)")
    ap.add_argument("--clips", default=os.path.join(ROOT, "cps-output", "quality"),
                    help="directory of make-clips.py's output")
    ap.add_argument("--motion-model", nargs="+",
                    help="motion models to score, passed as --motion-model"
                    " NAME when cps-extract has that option (default: every"
                    " value it lists; without the option: its one model,"
                    " scored as 'reference')")
    ap.add_argument("--only", nargs="*", help="clip names to score")
    ap.add_argument("--small", action="store_true",
                    help="the tiny cases of make-clips.py --small")
    ap.add_argument("--make", action="store_true",
                    help="run make-clips.py first (cached clips are reused)")
    ap.add_argument("--cps-args", default="",
                    help="more cps-extract options, e.g. '--motion-weight 1"
                    " --residual-weight 0' (one string, split on spaces)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--keep", help="keep the window files under this directory")
    args = ap.parse_args()

    if not os.path.isdir(make_clips.MEDIA):
        print("score: SKIP: the real clips are absent (%s, set CPS_MEDIA_DIR"
              " to use another directory); make-clips.py cannot build the"
              " benchmark clips" % make_clips.MEDIA, file=sys.stderr)
        return 77
    cases = make_clips.SMALL_CASES if args.small else make_clips.CASES
    if args.only:
        cases = [c for c in cases if c["name"] in args.only]
    if args.make:
        cmd = [sys.executable, os.path.join(HERE, "make-clips.py"),
               "--out", args.clips] + (["--small"] if args.small else [])
        if args.only:
            cmd += ["--only"] + args.only
        subprocess.run(cmd, check=True)

    extract = find_extract(args.extract)
    env = extract_env(extract)
    listed = motion_models(extract, env)
    with_opt = listed is not None
    models = args.motion_model or (listed if listed else ["reference"])
    if not with_opt and models != ["reference"]:
        print("score: %s has no --motion-model option; scoring its only model"
              " as 'reference'" % extract, file=sys.stderr)
        models = ["reference"]
    results = []
    tmp = tempfile.mkdtemp(prefix="cps-quality-")
    try:
        for model in models:
            rows = []
            for c in cases:
                clip = os.path.join(args.clips, c["name"] + ".mp4")
                npz = os.path.join(args.clips, c["name"] + ".npz")
                if not (os.path.exists(clip) and os.path.exists(npz)):
                    sys.exit("score: no %s: run make-clips.py%s first (or"
                             " --make)" % (clip, " --small" if args.small else ""))
                masks, case, _, _ = make_clips.load_masks(npz)
                out = os.path.join(args.keep or tmp, model, c["name"])
                os.makedirs(out, exist_ok=True)
                secs = run_cps(extract, env, clip, out, model, with_opt,
                               args.cps_args.split())
                luma = decode_luma(clip, masks.shape[2], masks.shape[1])
                a = score_windows(out, masks, luma)
                if not args.keep:
                    shutil.rmtree(out)
                row = dict(
                    model=model, clip=c["name"],
                    size="%dx%d" % tuple(case["size"]),
                    camera=case["camera"] + (
                        " %g" % case["speed"] if "speed" in case else "") + (
                        " +noise" if case.get("noise") else ""),
                    windows=a["windows"], R=a["R"],
                    r_precision=a["hits"] / a["R"] if a["R"] else None,
                    prec_k=a["khits"] / a["kn"] if a["kn"] and a["R"] else None,
                    prec_k_max=a["kmax"] / a["kn"] if a["kn"] and a["R"] else None,
                    static=a["static"] / a["windows"] if a["windows"] else None,
                    static_expected=1.0 if not case.get("obj") and
                    case["camera"] == "static" else 0.0,
                    bg_first=a["bg_first"] / a["bg"] if a["bg"] and a["R"] else None,
                    bg_edge=a["bg_edge"] / a["bg"] if a["bg"] and a["R"] else None,
                    bg_tex=a["bg_tex"] / a["bg"] if a["bg"] and a["R"] else None,
                    seconds=secs)
                rows.append(row)
                print("  %s %s: cps %.1f s" % (model, c["name"], secs),
                      file=sys.stderr, flush=True)
            results += rows
            print("\nmotion model: %s%s" % (model, "" if with_opt else
                  " (cps-extract without --motion-model: its only model)"))
            print("| clip | size | camera | windows | R | R-prec | prec@512 |"
                  " max | static (expected) | bg@k 1stP | edge | tex | cps s |")
            print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for r in rows:
                print("| %s | %s | %s | %d | %d | %s | %s | %s | %s (%g) | %s |"
                      " %s | %s | %.1f |" % (
                          r["clip"], r["size"], r["camera"], r["windows"],
                          r["R"], fmt(r["r_precision"]), fmt(r["prec_k"]),
                          fmt(r["prec_k_max"]), fmt(r["static"], 2),
                          r["static_expected"], fmt(r["bg_first"], 2),
                          fmt(r["bg_edge"], 2), fmt(r["bg_tex"], 2),
                          r["seconds"]))
        if len(models) > 1:
            print("\nside by side (R-prec / prec@512 / static)")
            print("| clip | camera | " + " | ".join(models) + " |")
            print("|---|---|" + "---:|" * len(models))
            for c in cases:
                cells = []
                for m in models:
                    r = next(x for x in results
                             if x["model"] == m and x["clip"] == c["name"])
                    cells.append("%s / %s / %s" % (
                        fmt(r["r_precision"]), fmt(r["prec_k"]),
                        fmt(r["static"], 2)))
                print("| %s | %s | %s |" % (c["name"], r["camera"],
                                            " | ".join(cells)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
