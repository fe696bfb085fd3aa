#!/usr/bin/python3
# cps — cps-extract's model presets (--preset, --list-presets) and the
# model token counts of the window files and the summary.  What a preset
# sets is read back from the windows' `elements` header (the settings each
# window was computed with).  TAP.
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import re
import subprocess
import tempfile

from tap import check, finish
from safetensors_reader import read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")  # 640x360, 100 frames
TMP = tempfile.TemporaryDirectory(prefix="cps-presets-")
PRESETS = ["reference", "qwen2.5-vl", "vit-b16"]
TOKENS = re.compile(r"^cps-extract: (\d+) model tokens? in (\d+) windows? "
                    r"\((one per patch|(\d+) patches, one token per 2x2 block)\)$",
                    re.M)


def run(*args):
    p = subprocess.run([EXTRACT, *args], capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def extract(name, *options):
    """Runs cps-extract on the bundled clip; (stderr, [(meta, tensors)])."""
    out = os.path.join(TMP.name, name)
    rc, _, err = run(CLIP, "-q", "-v", "-o", out, *options)
    assert rc == 0, f"exit {rc}: {err}"
    names = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    return err, [read_safetensors(os.path.join(out, f)) for f in names]


def settings(meta):
    """The window's settings: {property: value} over all its elements."""
    return dict(w.split("=", 1) for w in meta["elements"].split() if "=" in w)


def expect(meta, **want):
    got = settings(meta)
    for key, value in want.items():
        key = key.replace("_", "-")
        assert got.get(key) == value, f"{key}: {got.get(key)} != {value} in {meta['elements']}"


def check_tokens(err, windows):
    """n_tokens per window: n_patches, or n_patches / 4 with a 2x2 merge;
    the summary's total is their sum."""
    total = 0
    for meta, tensors in windows:
        n = int(meta["n_patches"])
        assert tensors["fields"][1].shape[0] == n
        merge = meta["token_merge"]
        blocks2x2 = settings(meta)["selection-unit"] == "block2x2"
        assert merge == ("2x2" if blocks2x2 else "1x1"), merge
        assert int(meta["n_tokens"]) == (n // 4 if blocks2x2 else n), meta
        if blocks2x2:
            assert n % 4 == 0
        total += int(meta["n_tokens"])
    m = TOKENS.search(err)
    assert m, err
    assert int(m.group(1)) == total and int(m.group(2)) == len(windows), (m.group(0), total)
    if m.group(4):
        assert int(m.group(4)) == sum(int(w[0]["n_patches"]) for w in windows)
    return total


def t_list():
    rc, out, err = run("--list-presets")
    assert rc == 0, err
    listed = re.findall(r"^(\S+)$", out, re.M)
    assert listed == PRESETS, listed
    assert out.count("  source:") == 3 and out.count("  elements: cpsmotion") == 3, out
    rc, out, _ = run("--help")
    assert rc == 0 and "--preset=NAME" in out and ", ".join(PRESETS) in out, out


def t_unknown():
    out = os.path.join(TMP.name, "unknown")
    rc, _, err = run(CLIP, "-o", out, "--preset", "qwen")
    errors = [l for l in err.splitlines() if l.startswith("cps-extract: error:")]
    assert rc == 2 and errors == ["cps-extract: error: --preset qwen: unknown preset "
                                  "(valid: reference, qwen2.5-vl, vit-b16)"], err
    assert not os.path.exists(out)


def t_reference():
    err, windows = extract("reference", "--preset", "reference")
    assert "cps-extract: --preset reference: --sampling uniform" in err, err
    assert len(windows) == 1, len(windows)  # 16 frames, one window
    meta, tensors = windows[0]
    expect(meta, sampling="uniform", sampling_frames="16", sequence_length="16",
           k="2048", patch_size="14", input_size="224", min_pixels="50176",
           max_pixels="50176", selection_unit="patch", static_fallback="false")
    assert meta["motion_model"] == "reference" and meta["n_frames"] == "16"
    assert meta["patch_size"] == "14" and meta["n_patches"] == "2048"
    assert check_tokens(err, windows) == 2048


def t_qwen():
    err, windows = extract("qwen", "--preset", "qwen2.5-vl")
    meta = windows[0][0]
    expect(meta, patch_size="14", selection_unit="block2x2",
           min_pixels=str(128 * 28 * 28), max_pixels=str(768 * 28 * 28))
    expect(meta, sampling="fps", fps="2", min_frames="4", max_frames="768",
           frame_factor="2")
    # 640x360 lies within the pixel bounds: sides rounded to multiples of 28
    assert (meta["target_width"], meta["target_height"]) == ("644", "364"), meta
    assert meta["token_merge"] == "2x2"
    check_tokens(err, windows)


def t_vit():
    err, windows = extract("vit", "--preset", "vit-b16")
    meta = windows[0][0]
    expect(meta, patch_size="16", input_size="224", min_pixels="50176",
           max_pixels="50176", selection_unit="patch", sampling="all")
    # about 224² pixels at 16:9, sides multiples of 32
    assert (meta["target_width"], meta["target_height"]) == ("288", "160"), meta
    assert (meta["grid_width"], meta["grid_height"]) == ("18", "10")
    assert len(windows) == 7
    check_tokens(err, windows)


def t_explicit_wins():
    # before and after --preset alike
    for name, order in (("after", ("--preset", "qwen2.5-vl", "--k", "256")),
                        ("before", ("--k", "256", "--preset", "qwen2.5-vl"))):
        _, windows = extract("wins-" + name, *order, "--selection-unit", "patch",
                             "--patch-size", "16", "--max-windows", "1")
        meta = windows[0][0]
        expect(meta, k="256", selection_unit="patch", patch_size="16",
               min_pixels=str(128 * 28 * 28))
        assert meta["token_merge"] == "1x1" and meta["n_tokens"] == "256", meta
    # the preset's sampling-frames does not make --sampling all an error
    _, windows = extract("ref-all", "--preset", "reference", "--sampling", "all",
                         "--max-windows", "1")
    expect(windows[0][0], sampling="all", k="2048")
    assert windows[0][0]["n_frames"] == "16"


def t_rules_on_explicit_options():
    cases = [
        (("--preset", "vit-b16", "--sampling-frames", "8"),
         r"--sampling-frames has no effect without --sampling uniform"),
        (("--preset", "qwen2.5-vl", "--input-size", "448"),
         r"--input-size has no effect when --min-pixels and --max-pixels"),
        (("--preset", "qwen2.5-vl", "--k", "510"),
         r"block2x2 needs k divisible by 4"),
    ]
    for i, (args, pattern) in enumerate(cases):
        out = os.path.join(TMP.name, f"rule-{i}")
        rc, _, err = run(CLIP, "-q", "-o", out, *args)
        errors = [l for l in err.splitlines() if l.startswith("cps-extract: error:")]
        assert rc == 2 and len(errors) == 1 and re.search(pattern, errors[0]), \
            f"{args}: exit {rc}: {err}"


def t_tokens_sum():
    # windows of different sizes: 16 of 6 frames, then one of 4
    err, windows = extract("sum", "--preset", "qwen2.5-vl", "--sampling", "all",
                           "--sequence-length", "6", "--k", "8192")
    per_frame = int(windows[0][0]["grid_width"]) * int(windows[0][0]["grid_height"])
    sizes = [int(m["n_tokens"]) for m, _ in windows]
    assert sizes == [6 * per_frame // 4] * 16 + [4 * per_frame // 4], sizes
    assert check_tokens(err, windows) == sum(sizes)
    # no preset, no merge: one token per patch
    err, windows = extract("plain", "--max-windows", "2")
    assert check_tokens(err, windows) == 1024


check("--list-presets names each preset with its settings and source; --help lists them", t_list)
check("an unknown preset is refused, listing the valid names", t_unknown)
check("reference: 16 uniform frames, k 2048, patch 14 at 224², reference model", t_reference)
check("qwen2.5-vl: patch 14, 2x2 blocks, 128..768 x 28² pixels, 2 frames/s", t_qwen)
check("vit-b16: patch 16 at about 224², single patches, every frame", t_vit)
check("options given on the command line override the preset", t_explicit_wins)
check("options without effect are still refused under a preset", t_rules_on_explicit_options)
check("n_tokens per window and the summary's total (2x2 merge and none)", t_tokens_sum)
finish()
