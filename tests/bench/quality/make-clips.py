#!/usr/bin/python3
# cps quality benchmark: builds short H.264 clips with a KNOWN moving object
# over real footage, and the object's per-frame masks beside each clip.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the quality-benchmark clips.

Each clip is composed in numpy from real footage:
  * a background: one decoded frame of a real clip, seen through a virtual
    camera (fixed, panning, zooming or shaking), sampled bilinearly so that
    sub-pixel camera motion is exact;
  * an object: a textured patch cut from a frame of another real clip (the
    most textured box of that frame), inside an elliptical mask, moving
    along a known path in screen coordinates.
The frames are encoded with x264 (GOP 16, no B-frames, yuv420p, CRF 18).
Beside CLIP.mp4 the script writes CLIP.npz: `mask` [T, H, W] bool (packed
with np.packbits along W, shape in `mask_shape`), `bbox` [T, 4] (x0, y0,
x1, y1, exclusive), `camera` [T, 3] (centre x, centre y, zoom) and
`case` (the case's parameters as JSON).

Outputs are cached in cps-output/quality/ (or --out): a clip is rebuilt only
when its parameters or this script's version change.  Everything is
deterministic (fixed seeds, single-threaded x264).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MEDIA = os.environ.get("CPS_MEDIA_DIR") or os.path.abspath(
    os.path.join(ROOT, "..", "shared", "media"))
VERSION = 1  # bump when the composition changes

# Backgrounds and object sources: (file, frame index).
SOURCES = {
    "trees": ("pan_trees_1080p25_high_bframes.h264", 0),
    "airport": ("demo.mp4", 0),
    "foreman": ("talkinghead_foreman_cif.h264", 50),
    "baseball": ("sports_baseball_640x360.mp4", 20),
}

# Camera motion is given in pixels per frame at 1080p-equivalent (a frame
# 1920 pixels wide) and scaled to the clip's width.
CASES = [
    # name, width, height, background, object source, camera, extra
    dict(name="static", size=(1280, 720), bg="trees", obj="baseball",
         camera="static"),
    dict(name="static-airport", size=(1280, 720), bg="airport",
         obj="foreman", camera="static"),
    dict(name="pan2", size=(1280, 720), bg="trees", obj="baseball",
         camera="pan", speed=2.0),
    dict(name="pan8", size=(1280, 720), bg="trees", obj="baseball",
         camera="pan", speed=8.0),
    dict(name="pan20", size=(1280, 720), bg="trees", obj="baseball",
         camera="pan", speed=20.0),
    dict(name="pan8-airport", size=(1280, 720), bg="airport",
         obj="foreman", camera="pan", speed=8.0),
    dict(name="pan8-1080p", size=(1920, 1080), bg="trees", obj="baseball",
         camera="pan", speed=8.0),
    # 10 px/frame at 1080p is 2.5 px at the reference's 1/4-scale luma (a
    # half-pixel shift), where 8 px/frame is a whole 2 px
    dict(name="pan10-1080p", size=(1920, 1080), bg="trees", obj="baseball",
         camera="pan", speed=10.0),
    dict(name="zoom", size=(1280, 720), bg="trees", obj="baseball",
         camera="zoom", zoom=1.25),
    dict(name="shake", size=(1280, 720), bg="trees", obj="baseball",
         camera="shake", shake=6.0),
    dict(name="noise", size=(1280, 720), bg="trees", obj="baseball",
         camera="static", noise=4.0),
    dict(name="still", size=(1280, 720), bg="trees", obj=None,
         camera="static"),
    dict(name="still-noise", size=(1280, 720), bg="trees", obj=None,
         camera="static", noise=4.0),
]

SMALL_CASES = [
    dict(name="small-static", size=(320, 180), bg="trees", obj="baseball",
         camera="static"),
    dict(name="small-pan", size=(320, 180), bg="trees", obj="baseball",
         camera="pan", speed=8.0),
    dict(name="small-still", size=(320, 180), bg="trees", obj=None,
         camera="static"),
]


def probe_size(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", path],
        check=True, capture_output=True, text=True).stdout
    w, h = out.strip().split("\n")[0].split(",")[:2]
    return int(w), int(h)


_frames = {}


def decode_frame(key):
    """One frame of a real clip as float32 RGB [H, W, 3] (ffmpeg, BT.601)."""
    if key in _frames:
        return _frames[key]
    name, index = SOURCES[key]
    path = os.path.join(MEDIA, name)
    w, h = probe_size(path)
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-vf",
         "select=eq(n\\,%d)" % index, "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True).stdout
    img = np.frombuffer(raw, np.uint8)[:w * h * 3].reshape(h, w, 3)
    _frames[key] = img.astype(np.float32)
    return _frames[key]


def sample(img, xs, ys):
    """Bilinear sampling of img [H, W, C] at float coordinates (mirrored
    outside, so a canvas of any size is available)."""
    h, w = img.shape[:2]

    def mirror(v, n):
        p = 2 * n
        v = np.mod(v, p)
        return np.where(v >= n, p - 1 - v, v)

    x0 = np.floor(xs)
    y0 = np.floor(ys)
    fx = (xs - x0)[None, :, None]
    fy = (ys - y0)[:, None, None]
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    xa, xb = mirror(x0, w), mirror(x0 + 1, w)
    ya, yb = mirror(y0, h), mirror(y0 + 1, h)
    top = img[ya[:, None], xa[None, :]] * (1 - fx) + img[ya[:, None], xb[None, :]] * fx
    bot = img[yb[:, None], xa[None, :]] * (1 - fx) + img[yb[:, None], xb[None, :]] * fx
    return top * (1 - fy) + bot * fy


def most_textured_box(img, bw, bh):
    """The bw×bh box of img with the largest mean gradient magnitude (a grid
    search with steps of 1/8 box, deterministic)."""
    g = img.mean(axis=2)
    grad = np.abs(np.diff(g, axis=0))[:, :-1] + np.abs(np.diff(g, axis=1))[:-1, :]
    ii = np.pad(grad.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = grad.shape
    best, where = -1.0, (0, 0)
    for y in range(0, h - bh, max(1, bh // 8)):
        for x in range(0, w - bw, max(1, bw // 8)):
            s = ii[y + bh, x + bw] - ii[y, x + bw] - ii[y + bh, x] + ii[y, x]
            if s > best:
                best, where = s, (x, y)
    x, y = where
    return img[y:y + bh, x:x + bw]


def make_object(key, ow, oh):
    """A textured object of ow×oh pixels and its elliptical alpha mask."""
    src = decode_frame(key)
    sh, sw = src.shape[:2]
    # cut a box with the object's aspect, about 40% of the source's height
    bh = int(sh * 0.4)
    bw = int(bh * ow / oh)
    box = most_textured_box(src, bw, bh)
    xs = (np.arange(ow) + 0.5) * bw / ow - 0.5
    ys = (np.arange(oh) + 0.5) * bh / oh - 0.5
    tex = sample(box, xs, ys)
    yy, xx = np.mgrid[0:oh, 0:ow]
    nx = (xx + 0.5 - ow / 2) / (ow / 2)
    ny = (yy + 0.5 - oh / 2) / (oh / 2)
    alpha = (nx ** 4 + ny ** 4) <= 1.0  # a superellipse: rounded, not square
    return tex, alpha


def camera_path(case, n, w):
    """Per frame: canvas centre (x, y) offsets in output pixels and zoom."""
    scale = w / 1920.0
    cam = np.zeros((n, 3))
    cam[:, 2] = 1.0
    kind = case["camera"]
    t = np.arange(n, dtype=np.float64)
    if kind == "pan":
        cam[:, 0] = case["speed"] * scale * t
    elif kind == "zoom":
        cam[:, 2] = case["zoom"] ** (t / (n - 1))
    elif kind == "shake":
        rng = np.random.default_rng(1234)
        a = case["shake"] * scale
        cam[:, 0] = rng.uniform(-a, a, n)
        cam[:, 1] = rng.uniform(-a, a, n)
    elif kind != "static":
        raise ValueError(kind)
    return cam


def object_path(n, w, h, ow, oh):
    """Top-left corner per frame: left to right over 40% of the frame's
    width with one vertical swing of +-12% of its height (over 48 frames,
    about 16 px/frame at 1080p-equivalent)."""
    t = np.arange(n, dtype=np.float64)
    x = w * 0.15 + w * 0.4 * t / max(n - 1, 1)
    y = h / 2 - oh / 2 + h * 0.12 * np.sin(2 * np.pi * t / max(n, 1))
    return np.stack([x, y], axis=1)


def compose(case, n):
    w, h = case["size"]
    bg = decode_frame(case["bg"])
    # the background is seen at the scale where its height fills the frame;
    # a box filter first where that shrinks it by 2 or more (no aliasing)
    f = int(bg.shape[0] / h)
    if f >= 2:
        hh, ww = bg.shape[0] // f * f, bg.shape[1] // f * f
        bg = bg[:hh, :ww].reshape(hh // f, f, ww // f, f, 3).mean(axis=(1, 3))
    bh, bw = bg.shape[:2]
    base = bh / h
    cam = camera_path(case, n, w)
    frames = np.empty((n, h, w, 3), np.uint8)
    masks = np.zeros((n, h, w), bool)
    bbox = np.zeros((n, 4), np.int64)
    obj = None
    if case.get("obj"):
        ow, oh = int(round(w * 0.2 / 2)) * 2, int(round(h * 0.3 / 2)) * 2
        tex, alpha = make_object(case["obj"], ow, oh)
        path = object_path(n, w, h, ow, oh)
        obj = (tex, alpha, path)
    rng = np.random.default_rng(4321)
    for i in range(n):
        cx, cy, z = cam[i]
        # output pixel (x, y) shows canvas point centre + (x - w/2) / z
        xs = (bw / 2 + (cx + (np.arange(w) + 0.5 - w / 2) / z) * base) - 0.5
        ys = (bh / 2 + (cy + (np.arange(h) + 0.5 - h / 2) / z) * base) - 0.5
        f = sample(bg, xs, ys)
        if obj is not None:
            tex, alpha, path = obj
            oh, ow = alpha.shape
            x0, y0 = int(round(path[i, 0])), int(round(path[i, 1]))
            region = f[y0:y0 + oh, x0:x0 + ow]
            region[alpha] = tex[alpha]
            masks[i, y0:y0 + oh, x0:x0 + ow] = alpha
            bbox[i] = (x0, y0, x0 + ow, y0 + oh)
        if case.get("noise"):
            f = f + rng.normal(0.0, case["noise"], f.shape)
        frames[i] = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    return frames, masks, bbox, cam


def encode(frames, path, fps=25):
    n, h, w, _ = frames.shape
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "rawvideo",
           "-pix_fmt", "rgb24", "-s", "%dx%d" % (w, h), "-r", str(fps),
           "-i", "-", "-c:v", "libx264", "-preset", "medium", "-crf", "18",
           "-g", "16", "-bf", "0", "-threads", "1",
           "-x264-params", "keyint=16:min-keyint=16:scenecut=0:bframes=0",
           "-pix_fmt", "yuv420p", "-colorspace", "bt709",
           "-color_primaries", "bt709", "-color_trc", "bt709",
           "-color_range", "tv", "-movflags", "+faststart", path]
    subprocess.run(cmd, input=frames.tobytes(), check=True)


def case_key(case, n):
    blob = json.dumps(dict(case, frames=n, version=VERSION), sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build(case, n, out, force=False):
    clip = os.path.join(out, case["name"] + ".mp4")
    meta = os.path.join(out, case["name"] + ".npz")
    key = case_key(case, n)
    if not force and os.path.exists(clip) and os.path.exists(meta):
        with np.load(meta) as z:
            if str(z["key"]) == key:
                return clip, False
    frames, masks, bbox, cam = compose(case, n)
    encode(frames, clip + ".tmp.mp4")
    np.savez_compressed(
        meta + ".tmp.npz", mask=np.packbits(masks, axis=2),
        mask_shape=np.array(masks.shape), bbox=bbox, camera=cam,
        case=json.dumps(dict(case, frames=n)), key=key)
    os.replace(meta + ".tmp.npz", meta)
    os.replace(clip + ".tmp.mp4", clip)
    return clip, True


def load_masks(npz_path):
    """[T, H, W] bool masks and the case dict of a clip's .npz."""
    with np.load(npz_path) as z:
        shape = tuple(int(v) for v in z["mask_shape"])
        mask = np.unpackbits(z["mask"], axis=2, count=shape[2]).astype(bool)
        return mask, json.loads(str(z["case"])), z["bbox"], z["camera"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "cps-output", "quality"),
                    help="output directory (default: cps-output/quality)")
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--small", action="store_true",
                    help="only tiny cases (320x180, 16 frames) for a quick check")
    ap.add_argument("--only", nargs="*", help="case names to build")
    ap.add_argument("--force", action="store_true", help="rebuild cached clips")
    ap.add_argument("--list", action="store_true", help="list the cases")
    args = ap.parse_args()

    cases = SMALL_CASES if args.small else CASES
    n = 16 if args.small and args.frames == 48 else args.frames
    if args.only:
        cases = [c for c in cases if c["name"] in args.only]
    if args.list:
        for c in cases:
            print(c["name"], json.dumps(c))
        return 0
    if not os.path.isdir(MEDIA):
        print("make-clips: SKIP: the real clips are absent (%s, set"
              " CPS_MEDIA_DIR to use another directory); the benchmark cuts"
              " its backgrounds and objects from them" % MEDIA, file=sys.stderr)
        return 77
    os.makedirs(args.out, exist_ok=True)
    for c in cases:
        t0 = time.time()
        clip, made = build(c, n, args.out, args.force)
        print("%-16s %s (%s, %.1f s)" % (c["name"], clip,
              "built" if made else "cached", time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
