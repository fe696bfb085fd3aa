#!/usr/bin/python3
# cps — cps-extract's dataset mode (issue 14): the manifest, input ids,
# windows equal to single-input runs, shards, resumption, options changes,
# broken inputs, SIGKILL and SIGTERM at random moments, and tar shards (--format wds).  The kill moments come from
# a seed printed in the output (CPS_TEST_SEED reproduces a run).  TAP.
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

from tap import check, finish

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
MEDIA = os.environ.get("CPS_MEDIA_DIR", os.path.join(ROOT, "..", "shared", "media"))
TMP = tempfile.TemporaryDirectory(prefix="cps-dataset-")
SEED = int(os.environ.get("CPS_TEST_SEED", time.time_ns() % 1000000))
# short clips, and at most three windows of each: a run takes seconds
CLIPS = ["talkinghead_office_1280x720_baseline.h264", "people_asl_book_640x480.mkv",
         "talkinghead_foreman_cif.h264", "sports_baseball_640x360.mp4"]
OPTIONS = ["--max-windows", "3", "-q"]
WINDOW = re.compile(r"^window-\d{5}\.safetensors$")


def tmp(*names):
    return os.path.join(TMP.name, *names)


def media(name):
    return os.path.join(MEDIA, name)


def clips():
    """The clips' paths, or None where the media directory is absent."""
    missing = [c for c in CLIPS if not os.path.exists(media(c))]
    return [media(c) for c in CLIPS] if not missing else None


def needs_clips(test):
    """@test(clips), skipped where the clips are absent."""
    def wrapped():
        c = clips()
        return test(c) if c else f"skip {MEDIA} is absent (the shared test clips)"
    return wrapped


def run(*args, stdin=None, timeout=300):
    p = subprocess.run([EXTRACT, *args], input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stderr


def write_manifest(name, lines):
    path = tmp(name)
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


def input_id(s):
    """The id rule of docs/formats.md, written independently."""
    base = s.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 else base
    stem = re.sub(rb"[^A-Za-z0-9._-]", b"_", stem.encode()[:48]).decode()
    return f"{stem or 'input'}-{hashlib.sha256(s.encode()).hexdigest()[:20]}"


def digests(directory):
    """{window file: sha256} of one input's directory."""
    return {n: hashlib.sha256(open(os.path.join(directory, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(directory)) if WINDOW.match(n)}


def dataset(out):
    """What a dataset is: every input's window files and the index lines."""
    windows = {d: digests(os.path.join(out, d)) for d in sorted(os.listdir(out))
               if os.path.isdir(os.path.join(out, d))}
    index = sorted(open(os.path.join(out, "index.jsonl")).read().splitlines())
    return windows, index


def complete_ids(out):
    return sorted(d for d in os.listdir(out)
                  if os.path.exists(os.path.join(out, d, ".cps-extract-done")))


def failures(out):
    path = os.path.join(out, "failures.jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path)]


_reference = {}


def reference():
    """The dataset of CLIPS, extracted once, uninterrupted."""
    if not _reference:
        out = tmp("reference")
        rc, err = run("--manifest", write_manifest("clips.txt", clips()), "-o", out, *OPTIONS)
        assert rc == 0, err
        _reference["out"] = out
    return _reference["out"]


# ---- the manifest and ids ---------------------------------------------------

@needs_clips
def t_manifest_comments_blanks_duplicates_and_stdin(c):
    lines = ["# the clips", "", "   " + c[0] + "\t", c[1], "  # indented comment", c[0]]
    out = tmp("parsing")
    rc, err = run("--manifest", write_manifest("parsing.txt", lines), "-o", out, *OPTIONS)
    assert rc == 0, err
    assert complete_ids(out) == sorted(input_id(x) for x in c[:2]), os.listdir(out)
    assert re.search(r"warning: .*listed more than once", err), err
    # the same manifest on stdin gives the same dataset
    rc, err = run("--manifest", "-", "-o", tmp("parsing-stdin"), *OPTIONS,
                  stdin="\n".join(lines))
    assert rc == 0, err
    assert dataset(out) == dataset(tmp("parsing-stdin"))


@needs_clips
def t_positional_inputs_make_a_dataset(c):
    out = tmp("positional")
    rc, err = run(c[0], c[1], "-o", out, *OPTIONS)
    assert rc == 0, err
    assert complete_ids(out) == sorted(input_id(x) for x in c[:2])


@needs_clips
def t_ids_deterministic_and_distinct_for_one_basename(c):
    same = []
    for d in ("a", "b"):
        os.makedirs(tmp("names", d))
        os.symlink(c[0], tmp("names", d, "clip one.h264"))
        same.append(tmp("names", d, "clip one.h264"))
    out = tmp("names-out")
    rc, err = run(*same, "-o", out, *OPTIONS)
    assert rc == 0, err
    ids = complete_ids(out)
    assert ids == sorted(input_id(x) for x in same), (ids, same)
    assert len(set(ids)) == 2 and all(i.startswith("clip_one-") for i in ids), ids
    # the same video under two names: as many windows in each directory
    a, b = (digests(os.path.join(out, i)) for i in ids)
    assert a.keys() == b.keys() and a
    for i in ids:
        marker = json.load(open(os.path.join(out, i, ".cps-extract-done")))
        assert marker["id"] == i and marker["input"] in same, marker


@needs_clips
def t_windows_equal_single_input_runs(c):
    out = reference()
    for x in c:
        single = tmp("single", os.path.basename(x))
        rc, err = run(x, "-o", single, *OPTIONS)
        assert rc == 0, err
        assert digests(single) == digests(os.path.join(out, input_id(x))), x


@needs_clips
def t_index_lines_describe_the_windows(c):
    out = reference()
    lines = [json.loads(line) for line in open(os.path.join(out, "index.jsonl"))]
    assert {line["input"] for line in lines} == set(c)
    for line in lines:
        assert line["file"] == f"{line['id']}/window-{line['window']:05d}.safetensors", line
        assert os.path.exists(os.path.join(out, line["file"])), line
        assert line["frame_ids"][0] <= line["frame_ids"][1] and line["frames"] >= 1, line
    for x in c:
        marker = json.load(open(os.path.join(out, input_id(x), ".cps-extract-done")))
        mine = [line for line in lines if line["input"] == x]
        assert marker["windows"] == len(mine) and marker["options"] == "max-windows=3", marker
        assert marker["patches"] == sum(line["patches"] for line in mine), marker


# ---- shards -----------------------------------------------------------------

@needs_clips
def t_shards_cover_the_manifest_once(c):
    manifest = write_manifest("clips.txt", c)
    seen, union_windows, union_index = [], {}, []
    for i in range(3):
        out = tmp(f"shard-{i}")
        rc, err = run("--manifest", manifest, "--shard", f"{i}/3", "-o", out, *OPTIONS)
        assert rc == 0, err
        ids = complete_ids(out)
        assert ids == sorted(input_id(x) for p, x in enumerate(c) if p % 3 == i), (i, ids)
        seen += ids
        windows, index = dataset(out)
        union_windows.update(windows)
        union_index += index
    assert sorted(seen) == sorted(input_id(x) for x in c), seen
    assert (union_windows, sorted(union_index)) == dataset(reference())


def t_shard_out_of_range_refused():
    for shard in ("3/3", "-1/3", "0/0", "1", "a/b", "1/2/3"):
        rc, err = run("--manifest", "/dev/null", "--shard", shard, "-o", tmp("bad-shard"))
        assert rc == 2 and "--shard" in err, (shard, rc, err)


# ---- resumption and options -------------------------------------------------

@needs_clips
def t_rerun_skips_complete_inputs(c):
    out = tmp("resume")
    shutil.copytree(reference(), out)
    before = {x["file"]: os.stat(os.path.join(out, x["file"])).st_mtime_ns
              for x in map(json.loads, open(os.path.join(out, "index.jsonl")))}
    rc, err = run("--manifest", tmp("clips.txt"), "-o", out, *OPTIONS)
    assert rc == 0, err
    assert f"{len(c)} already complete" in err, err
    after = {p: os.stat(os.path.join(out, p)).st_mtime_ns for p in before}
    assert before == after
    assert dataset(out) == dataset(reference())


@needs_clips
def t_other_options_refused_then_overwrite(c):
    out = tmp("options")
    shutil.copytree(reference(), out)
    rc, err = run("--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--k", "100")
    assert rc == 2 and re.search(r"error: .*other options \(--k: the default then, 100 now\)",
                                 err), err
    assert dataset(out) == dataset(reference())
    rc, err = run("--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--k", "100", "-f")
    assert rc == 0, err
    lines = [json.loads(line) for line in open(os.path.join(out, "index.jsonl"))]
    assert lines and all(line["patches"] <= 100 for line in lines), lines
    assert len(lines) == len(dataset(reference())[1])
    marker = json.load(open(os.path.join(out, input_id(c[0]), ".cps-extract-done")))
    assert marker["options"] == "k=100 max-windows=3", marker


# ---- failures ---------------------------------------------------------------

@needs_clips
def t_broken_inputs_recorded_and_retried(c):
    junk, missing = tmp("broken", "junk.mp4"), tmp("broken", "missing.mp4")
    os.makedirs(tmp("broken"))
    with open(junk, "wb") as f:
        f.write(random.Random(SEED).randbytes(65536))
    manifest = write_manifest("broken.txt", [c[0], junk, missing, c[1]])
    out = tmp("broken-out")
    rc, err = run("--manifest", manifest, "-o", out, *OPTIONS, "--jobs", "1")
    assert rc == 1, err
    assert complete_ids(out) == sorted(input_id(x) for x in c[:2]), os.listdir(out)
    got = {f["input"]: f for f in failures(out)}
    assert set(got) == {junk, missing}, got
    assert all(f["exit_class"] == "open" and f["id"] == input_id(f["input"]) and f["error"]
               for f in got.values()), got
    assert "no such file" in got[missing]["error"], got
    # skipped on a rerun, the exit status still says the dataset lacks them
    rc, err = run("--manifest", manifest, "-o", out, *OPTIONS)
    assert rc == 1 and "2 skipped as failed before" in err, err
    # once the file is a video, --retry-failed extracts it
    shutil.copy(c[2], junk)
    os.symlink(c[3], missing)
    rc, err = run("--manifest", manifest, "-o", out, *OPTIONS, "--retry-failed")
    assert rc == 0, err
    assert failures(out) == [] and len(complete_ids(out)) == 4, err


def signal_first_child(c, out, sig):
    """Runs cps-extract on the whole foreman clip (299 frames: a child that
    lives long enough) then c[0], one at a time, sends @sig to the first
    child, and returns the exit status and stderr."""
    p = subprocess.Popen([EXTRACT, c[2], c[0], "-o", out, "-q", "--jobs", "1"],
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not children_of(out):
        assert time.monotonic() < deadline and p.poll() is None, p.stderr.read()
        time.sleep(0.01)
    os.kill(children_of(out)[0], sig)
    err = p.communicate(timeout=120)[1]
    return p.returncode, err


@needs_clips
def t_killed_child_is_a_crash(c):
    out = tmp("crash")
    returncode, err = signal_first_child(c, out, signal.SIGKILL)
    assert returncode == 1, err
    got = failures(out)
    assert [(f["input"], f["exit_class"]) for f in got] == [(c[2], "crash")], got
    assert "killed by signal 9" in got[0]["error"], got
    assert complete_ids(out) == [input_id(c[0])], err


@needs_clips
def t_sigterm_to_a_child_interrupts_the_run(c):
    # scancel, a preemption or a terminal's ^C signal every process, often
    # the child before the supervisor: the run stops, nothing has failed
    out = tmp("child-sigterm")
    returncode, err = signal_first_child(c, out, signal.SIGTERM)
    assert returncode == 130, err
    assert err.count("interrupted; a rerun continues the dataset") == 1, err
    assert failures(out) == [] and complete_ids(out) == [], err
    rc, err = run(c[2], c[0], "-o", out, "-q")
    assert rc == 0 and len(complete_ids(out)) == 2, err


# ---- SIGKILL, SIGTERM --------------------------------------------------------

def children_of(out):
    """Pids of the processes whose command line names @out (the children
    write into out/<id>)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if any(arg.startswith(out.encode() + b"/") for arg in cmdline):
            pids.append(int(pid))
    return pids


def no_children_left(out):
    deadline = time.monotonic() + 10
    while children_of(out):
        assert time.monotonic() < deadline, f"children survive: {children_of(out)}"
        time.sleep(0.05)


def kill_runs(args, out, rng, rounds, sig=signal.SIGKILL):
    """Starts cps-extract @args @rounds times and sends @sig at a random
    moment: to the whole process group, or every other time to the parent
    alone (its children must stop with it).  Returns the exit statuses."""
    statuses = []
    for round_ in range(rounds):
        p = subprocess.Popen([EXTRACT, *args], stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(rng.uniform(0.05, 2.5))
        if round_ % 2:
            os.kill(p.pid, sig)
        else:
            os.killpg(p.pid, sig)
        statuses.append(p.wait())
        no_children_left(out)
    return statuses


@needs_clips
def t_sigkill_at_random_moments_then_rerun(c):
    ref = reference()
    out = tmp("killed")
    args = ["--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--jobs", "2"]
    kill_runs(args, out, random.Random(SEED), 4)
    rc, err = run(*args)
    assert rc == 0, err
    assert dataset(out) == dataset(ref), f"seed {SEED}"


@needs_clips
def t_sigterm_at_random_moments_then_rerun(c):
    # like ^C or scancel: interrupted runs record no failure
    ref = reference()
    out = tmp("terminated")
    args = ["--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--jobs", "2"]
    statuses = kill_runs(args, out, random.Random(SEED + 2), 4, signal.SIGTERM)
    # 130, or the signal itself when it came before cps-extract's handler
    assert set(statuses) <= {0, 130, -signal.SIGTERM}, f"seed {SEED}: {statuses}"
    assert failures(out) == [], f"seed {SEED}: {failures(out)}"
    rc, err = run(*args)
    assert rc == 0, err
    assert dataset(out) == dataset(ref), f"seed {SEED}"


# ---- tar shards (--format wds) -----------------------------------------------

def check_wds(out, ref):
    """Every window of the reference dataset @ref is in a shard of @out, as
    its index says, byte for byte, next to its .json; no .partial is left."""
    index = [json.loads(line) for line in open(os.path.join(out, "index.jsonl"))]
    want = {f"{x['id']}/window-{x['window']:05d}" for x in index}
    assert len(want) == len(index) == len(dataset(ref)[1]), (len(index), len(want))
    assert not [n for n in os.listdir(os.path.join(out, "wds")) if n.endswith(".partial")]
    members = {}
    for shard in sorted({x["shard"] for x in index}):
        with tarfile.open(os.path.join(out, shard)) as tar:
            names = tar.getnames()
            for i in range(0, len(names), 2):
                key = names[i].rsplit(".", 1)[0]
                assert names[i:i + 2] == [key + ".safetensors", key + ".json"], names
                members[(shard, key)] = (tar.extractfile(names[i]).read(),
                                         json.loads(tar.extractfile(names[i + 1]).read()))
    for x in index:
        assert x["file"] is None and x["key"] == f"{x['id']}/window-{x['window']:05d}", x
        data, meta = members[(x["shard"], x["key"])]
        assert data == open(os.path.join(ref, x["key"] + ".safetensors"), "rb").read(), x
        assert meta == {k: v for k, v in x.items() if k != "shard"}, (meta, x)
        assert not os.path.exists(os.path.join(out, x["key"] + ".safetensors")), x


@needs_clips
def t_wds_shards_hold_the_windows(c):
    ref = reference()
    out = tmp("wds")
    rc, err = run("--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--format", "wds",
                  "--tar-size", "1M")
    assert rc == 0, err
    check_wds(out, ref)
    assert len(os.listdir(os.path.join(out, "wds"))) > 2, os.listdir(os.path.join(out, "wds"))
    rc, err = run("--manifest", tmp("clips.txt"), "-o", out, *OPTIONS)
    assert rc == 2 and "--format: wds then, the default now" in err, err


@needs_clips
def t_wds_sigkill_then_rerun(c):
    ref = reference()
    out = tmp("wds-killed")
    args = ["--manifest", tmp("clips.txt"), "-o", out, *OPTIONS, "--jobs", "2",
            "--format", "wds", "--tar-size", "1M"]
    kill_runs(args, out, random.Random(SEED + 1), 3)
    rc, err = run(*args)
    assert rc == 0, err
    check_wds(out, ref)


def t_wds_options_refused_where_without_effect():
    for args, pattern in ((["--format", "tar"], "--format tar"),
                          (["--format", "wds", "--tar-size", "0"], "--tar-size 0"),
                          (["--format", "wds", "--tar-size", "1T"], "--tar-size 1T"),
                          (["--tar-size", "1M"], "--tar-size has no effect")):
        rc, err = run("--manifest", "/dev/null", "-o", tmp("wds-bad"), *args)
        assert rc == 2 and pattern in err, (args, rc, err)


print(f"# seed {SEED}")
for name, fn in list(globals().items()):
    if name.startswith("t_"):
        check(name[2:].replace("_", " "), fn)
finish()
