#!/usr/bin/python3
# cps — cps-extract's data safety and correctness (issue 9): outputs that
# would destroy the input, --overwrite, concurrent runs, paths as bytes,
# start-up errors, a failing preview, conversion, shared options,
# interruptions, options without effect, and small ones.  No assertion
# depends on timing: fifos make "the run has started" observable.  TAP.
# SPDX-License-Identifier: LGPL-2.1-or-later
import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from tap import check, finish
from safetensors_reader import read_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
EXTRACT = os.path.join(BUILD, "tools", "cps-extract")
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")
MEDIA = os.environ.get("CPS_MEDIA_DIR", os.path.join(ROOT, "..", "shared", "media"))
TMP = tempfile.TemporaryDirectory(prefix="cps-safety-")
WINDOW = re.compile(r"^window-\d{5}\.safetensors$")


def tmp(*names):
    return os.path.join(TMP.name, *names)


def run(*args, timeout=120):
    """(exit status, stderr) of cps-extract ARGS."""
    p = subprocess.run([EXTRACT, *args], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stderr


def errors(stderr):
    return [l for l in stderr.splitlines() if l.startswith("cps-extract: error:")]


def expect_error(rc, stderr, status, pattern):
    """Exit @status and exactly one error line matching @pattern."""
    lines = errors(stderr)
    assert rc == status and len(lines) == 1 and re.search(pattern, lines[0]), \
        f"exit {rc}: {stderr}"


def windows(directory):
    return sorted(n for n in os.listdir(directory) if WINDOW.match(n))


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def digests(directory):
    return {n: digest(os.path.join(directory, n)) for n in windows(directory)}


def manifest_started(directory):
    text = open(os.path.join(directory, ".cps-extract-manifest")).read()
    return int(re.search(r"^started=(\d+)$", text, re.M).group(1))


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def media(name):
    path = os.path.join(MEDIA, name)
    if not os.path.exists(path):
        raise Skip(f"{path} is absent")
    return path


class Skip(Exception):
    pass


def check_or_skip(name, fn):
    """check(), but a test that raises Skip is reported as a SKIP."""
    def wrapped():
        try:
            fn()
        except Skip as e:
            skipped.append((name, str(e)))
    check(name, wrapped)


skipped = []


class FifoRun:
    """cps-extract reading a fifo.  Entering returns once it has opened the
    fifo: its lock is taken and its signal handlers are installed."""

    def __init__(self, *args):
        self.fifo = tmp(f"fifo-{len(os.listdir(TMP.name))}")
        os.mkfifo(self.fifo)
        self.err_path = self.fifo + ".err"
        self.args = args

    def __enter__(self):
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([EXTRACT, self.fifo, *self.args],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        self.open_writer()
        return self

    def open_writer(self):
        """Waits for a reader of the fifo and opens it for writing."""
        deadline = time.monotonic() + 60
        while True:
            try:
                self.writer = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:
                if e.errno != errno.ENXIO or self.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    raise AssertionError(f"cps-extract did not open the fifo: {self.stderr()}")
                time.sleep(0.01)
        os.set_blocking(self.writer, True)

    def feed(self, data):
        """Writes @data whole.  If the reader closes the fifo before it has
        read everything (filesrc restarted while the pipeline starts: its
        next open is a new stream), the pipe breaks: the data goes again,
        from the start, to the next reader."""
        for _ in range(3):
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.writer, view):]
                return
            except BrokenPipeError:
                self.close_writer()
                self.open_writer()
        raise AssertionError(f"the fifo's reader kept closing it: {self.stderr()}")

    def stderr(self):
        return open(self.err_path).read()

    def wait_for(self, condition, what):
        deadline = time.monotonic() + 60
        while not condition():
            assert self.proc.poll() is None and time.monotonic() < deadline, \
                f"never saw {what}: {self.stderr()}"
            time.sleep(0.02)

    def close_writer(self):
        if self.writer is not None:
            os.close(self.writer)
            self.writer = None

    def release(self):
        """Ends the input.  filesrc may open the fifo again while the
        pipeline shuts down (a scheduling query restarts it): each such open
        gets a writer that closes at once, that is an empty stream."""
        self.close_writer()
        deadline = time.monotonic() + 60
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.release()
        try:
            self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.err.close()
        return False


# ---- 1: no output may be the input -------------------------------------

def t_preview_is_not_the_input():
    src = tmp("in.mp4")
    shutil.copy(CLIP, src)
    os.symlink(src, tmp("in-link.mp4"))
    before = digest(src)
    for preview, given in ((src, src), (src, "file://" + src),
                           (tmp("in-link.mp4"), src)):
        rc, err = run("-q", given, "-o", tmp("p1"), "--preview", preview)
        expect_error(rc, err, 2, r"--preview .*: is the input")
        assert digest(src) == before, "the input was changed"
    assert not os.path.exists(tmp("p1")), "an output directory was made"


def t_preview_is_not_the_output_directory():
    rc, err = run("-q", CLIP, "-o", tmp("p2.mp4"), "--preview", tmp("p2.mp4"))
    expect_error(rc, err, 2, r"--preview .*: is a directory")
    assert not os.path.exists(tmp("p2.mp4"))
    os.makedirs(tmp("p3.mp4"))
    rc, err = run("-q", CLIP, "-o", tmp("p3"), "--preview", tmp("p3.mp4"))
    expect_error(rc, err, 2, r"--preview .*: is a directory")


def t_input_is_not_removed_by_overwrite():
    d = tmp("p4")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", "--preview", os.path.join(d, "p.mp4"))
    assert rc == 0, err
    before = digest(os.path.join(d, "p.mp4"))
    rc, err = run("-q", os.path.join(d, "p.mp4"), "-o", d, "-f")
    expect_error(rc, err, 2, r"p\.mp4: is a file of the earlier run .* which --overwrite would remove")
    assert digest(os.path.join(d, "p.mp4")) == before and windows(d) == ["window-00000.safetensors"]


# ---- 2: --overwrite --------------------------------------------------------

def t_overwrite_validates_before_touching_the_disk():
    d = tmp("ow1")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "3")
    assert rc == 0, err
    before = digests(d)
    rc, err = run("-q", CLIP, "-o", d, "-f", "--selection-unit", "block2x2",
                  "--k", "510")
    expect_error(rc, err, 2, r"cpstopk: selection-unit=block2x2 needs k divisible by 4")
    assert digests(d) == before and len(before) == 3, (before, digests(d))
    rc, err = run("-q", CLIP, "-o", d, "-f", "--min-pixels", "16777216")
    expect_error(rc, err, 2, r"--min-pixels 16777216 has no effect")
    assert digests(d) == before


def t_overwrite_removes_exactly_what_a_run_wrote():
    d = tmp("ow2")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "4")
    assert rc == 0, err
    started = manifest_started(d)
    # what a run killed while writing window 3 leaves (GLib's temporary
    # file), and foreign files, one named like a temporary file but older
    # than the run
    stale = "window-00003.safetensors.Ab3xY9"
    foreign = ["notes.txt", "window-00002.safetensors.bak",
               "window-00001.safetensors.Zz9yX1"]
    for name in [stale] + foreign:
        open(os.path.join(d, name), "w").write("x")
    os.utime(os.path.join(d, foreign[2]), (started - 3600, started - 3600))
    rc, err = run("-q", CLIP, "-o", d, "-f", "--max-windows", "2")
    assert rc == 0, err
    names = sorted(os.listdir(d))
    assert windows(d) == ["window-00000.safetensors", "window-00001.safetensors"], names
    assert stale not in names, names
    assert all(n in names for n in foreign), names


def t_overwrite_refuses_foreign_window_files():
    d = tmp("ow3")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "2")
    assert rc == 0, err
    open(os.path.join(d, "window-00050.safetensors"), "w").write("not ours")
    before = digests(d)
    rc, err = run("-q", CLIP, "-o", d, "-f")
    expect_error(rc, err, 1, r"holds window-00050\.safetensors, which no cps-extract run recorded")
    assert digests(d) == before


def t_overwrite_with_the_preview_inside():
    d = tmp("ow4")
    for _ in range(2):
        rc, err = run("-q", CLIP, "-o", d, "-f", "--preview", os.path.join(d, "preview.mp4"))
        assert rc == 0, err
    assert len(windows(d)) == 7 and os.path.getsize(os.path.join(d, "preview.mp4")) > 0


# ---- 3: one run per directory ----------------------------------------------

def t_concurrent_runs_are_refused():
    d = tmp("lock")
    with FifoRun("-q", "-o", d) as first:
        for extra in ([], ["--overwrite"]):
            rc, err = run("-q", CLIP, "-o", d, *extra)
            expect_error(rc, err, 1, rf"another cps-extract run \(process {first.proc.pid}\) "
                         "is writing into this directory")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1")
    assert rc == 0, err


# ---- 4: paths are bytes ----------------------------------------------------

def t_paths_pass_unchanged():
    for name in ("café", "tab\there", "100% %d %s"):
        d = tmp(name)
        preview = os.path.join(d, f"{name}.mp4")
        rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", "--preview", preview)
        assert rc == 0, f"{name!r}: {err}"
        assert windows(d) == ["window-00000.safetensors"], (name, os.listdir(TMP.name))
        assert os.path.getsize(preview) > 0, name


# ---- 5: start-up errors say what failed ------------------------------------

def t_startup_errors_name_the_cause():
    cases = [
        (["--preview", "nodir/p.mp4"], CLIP,
         r'--preview nodir/p\.mp4: Could not open file "nodir/p\.mp4\.partial" for writing.*No such file'),
        ([], "file:///nonexistent.mp4",
         r"file:///nonexistent\.mp4: Resource not found.*/nonexistent\.mp4"),
        ([], "bogus://x", r'bogus://x: No URI handler implemented for "bogus"'),
    ]
    if os.geteuid() == 0:  # root writes into any directory mode: use sysfs
        cases.append((["--preview", "/sys/p.mp4"], CLIP,
                      r"--preview /sys/p\.mp4: Could not open file.*Permission denied"))
    else:
        os.makedirs(tmp("ro"))
        os.chmod(tmp("ro"), 0o555)
        cases.append((["--preview", tmp("ro", "p.mp4")], CLIP,
                      r"--preview .*ro/p\.mp4: Could not open file.*Permission denied"))
    for options, given, pattern in cases:
        rc, err = run("-q", given, "-o", tmp("start"), *options)
        expect_error(rc, err, 1, pattern)
        assert "could not start the pipeline" not in err, err
        assert not os.path.exists(tmp("start")), "an empty output directory was left"


# ---- 6: the preview never fails the dataset --------------------------------

def t_failing_preview_keeps_the_windows():
    d = tmp("full")
    os.makedirs(d)
    # the preview's .partial file is /dev/full: every write fails mid-run
    os.symlink("/dev/full", os.path.join(d, "p.mp4.partial"))
    rc, err = run("-q", CLIP, "-o", d, "--preview", os.path.join(d, "p.mp4"))
    assert rc == 0 and not errors(err), err
    assert re.search(r"^cps-extract: warning: --preview .*p\.mp4: .*the preview is abandoned",
                     err, re.M), err
    assert len(windows(d)) == 7, os.listdir(d)
    assert not os.path.lexists(os.path.join(d, "p.mp4")), "an abandoned preview is claimed"
    assert not os.path.lexists(os.path.join(d, "p.mp4.partial"))
    assert "preview in" not in err, err


def t_annex_b_without_timing():
    clip = media("talkinghead_foreman_cif.h264")
    d = tmp("foreman")
    rc, err = run("-q", clip, "-o", d, "--preview", os.path.join(d, "p.mp4"))
    assert rc == 0 and not errors(err), err
    assert len(windows(d)) >= 1 and not [n for n in os.listdir(d) if n.endswith(".partial")]


# ---- the preview: encodebin, cpsviz's options ------------------------------

def probe(path):
    return subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                           "stream=codec_name,width,height", "-of", "csv=p=0", path],
                          capture_output=True, text=True).stdout.strip()


def t_preview_formats_through_encodebin():
    for ext, codec in (("mp4", "h264"), ("mov", "h264"), ("mkv", "h264"), ("webm", "vp8")):
        d = tmp("fmt-" + ext)
        preview = os.path.join(d, "p." + ext)
        rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", "--preview", preview)
        assert rc == 0, f"{ext}: {err}"
        assert probe(preview) == f"{codec},640,360", (ext, probe(preview))


def t_preview_options_reach_cpsviz():
    d = tmp("viz")
    preview = os.path.join(d, "p.mp4")
    rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", "--preview", preview,
                  "--preview-max-width", "320", "--preview-caption")
    assert rc == 0, err
    assert probe(preview) == "h264,320,180", probe(preview)


def t_preview_encoder_choice():
    env = dict(os.environ, GST_PLUGIN_FEATURE_RANK="x264enc:NONE")
    d = tmp("openh264")
    p = subprocess.run([EXTRACT, "-q", CLIP, "-o", d, "--max-windows", "1",
                        "--preview", os.path.join(d, "p.mp4")],
                       capture_output=True, text=True, env=env, timeout=120)
    if "openh264" in subprocess.run(["gst-inspect-1.0", "openh264enc"], capture_output=True,
                                    text=True).stdout:
        assert p.returncode == 0 and probe(os.path.join(d, "p.mp4")).startswith("h264,"), p.stderr
    env["GST_PLUGIN_FEATURE_RANK"] = "x264enc:NONE,openh264enc:NONE"
    p = subprocess.run([EXTRACT, "-q", CLIP, "-o", tmp("noenc"), "--preview", tmp("noenc.mp4")],
                       capture_output=True, text=True, env=env, timeout=120)
    expect_error(p.returncode, p.stderr, 2,
                 r"--preview .*noenc\.mp4: no H\.264 encoder is installed \(x264enc or openh264enc\)")
    assert not os.path.exists(tmp("noenc"))


# ---- 7: formats cpsmotion does not read are converted ----------------------

def t_ten_bit_and_rgb_input():
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "20",
           "-pix_fmt", "yuv420p10le", "-c:v", "libx264", tmp("ten.mkv"))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "20",
           "-c:v", "png", tmp("rgb.mkv"))
    for name, fmt in (("ten.mkv", "I420_10LE"), ("rgb.mkv", "RGB")):
        rc, err = run(tmp(name), "-o", tmp(name + ".out"))
        assert rc == 0, f"{name}: {err}"
        assert f"cps-extract: converting {fmt} video to 8-bit YUV" in err, err
        assert len(windows(tmp(name + ".out"))) == 2, err


def t_no_conversion_when_not_needed():
    rc, err = run(CLIP, "-o", tmp("noconv"), "--max-windows", "1")
    assert rc == 0 and "converting" not in err, err


# ---- 8: a property of several elements is one option ------------------------

def t_shared_property_is_one_option():
    out = subprocess.run([EXTRACT, "--help-all"], capture_output=True, text=True).stdout
    lines = [l for l in out.splitlines() if "cuda-device-id" in l]
    assert len(lines) == 1 and "cpsmotion, cpsenergy, cpstopk:" in lines[0], lines
    rc, err = run("-q", "--cuda-device-id", "5", "--k", "100", CLIP, "-o", tmp("cuda"))
    assert "Unknown option" not in err and "input given" not in err, err
    caps = subprocess.run(["gst-inspect-1.0", "cpsmotion"], capture_output=True, text=True).stdout
    if "CUDAMemory" not in caps:  # no CUDA path: the value would do nothing
        expect_error(rc, err, 2, r"--cuda-device-id has no effect: cps runs on the CPU")


# ---- 9: interruptions ------------------------------------------------------

def early_interrupt(sig):
    d = tmp(f"early-{sig}")
    with FifoRun("-o", d) as r:
        r.proc.send_signal(sig)
        r.wait_for(lambda: "interrupted" in r.stderr(), "the interruption")
    err = r.stderr()
    assert r.proc.returncode == 130 and not errors(err), f"exit {r.proc.returncode}: {err}"
    assert "no video stream" not in err, err
    assert re.search(r"^cps-extract: 0 frames decoded .* 0 windows, 0 patches", err, re.M), err
    assert not os.path.exists(d), "an empty output directory was left"


def t_interrupt_before_the_video_started():
    early_interrupt(signal.SIGINT)


def t_sigterm_is_an_interruption():
    early_interrupt(signal.SIGTERM)


def t_double_interrupt_summary_is_what_is_on_disk():
    d = tmp("double")
    preview = os.path.join(d, "p.mp4")
    with FifoRun("-o", d, "--preview", preview, "--progress-interval", "0.05") as r:
        # the whole clip, but no end of stream: the decoder and the last
        # windows wait for more
        r.feed(open(CLIP, "rb").read())
        r.wait_for(lambda: os.path.isdir(d) and len(windows(d)) == 5, "5 windows")
        r.proc.send_signal(signal.SIGINT)
        r.wait_for(lambda: "finishing the current window" in r.stderr(), "the first ^C")
        r.proc.send_signal(signal.SIGINT)
        r.wait_for(lambda: r.stderr().count("interrupted") == 2, "the second ^C")
    err = r.stderr()
    assert r.proc.returncode == 130, err
    on_disk = len(windows(d))
    m = re.search(r"^cps-extract: \d+ frames decoded .*, (\d+) windows?, (\d+) patch", err, re.M)
    assert m and int(m.group(1)) == on_disk and int(m.group(2)) == 512 * on_disk, (on_disk, err)
    assert ("preview in" in err) == os.path.exists(preview), err


# ---- 10: options without effect are refused --------------------------------

def t_options_without_effect():
    cases = [
        (["--min-pixels", "16777216"], r"--min-pixels 16777216 has no effect on frames larger than input-size"),
        (["--max-pixels", "1000"], r"--max-pixels 1000 is below input-size"),
        (["--input-size", "300", "--min-pixels", "1000", "--max-pixels", "90000"],
         r"--input-size has no effect when --min-pixels and --max-pixels"),
        (["--sampling-frames", "8"], r"--sampling-frames has no effect without --sampling uniform"),
        (["--sampling-rate", "2"], r"--sampling-rate has no effect without --sampling rate"),
        (["--static-fallback", "false", "--static-abs-thresh", "3"],
         r"--static-abs-thresh has no effect without --static-fallback true"),
        (["--motion-weight", "0", "--residual-weight", "0"], r"both 0"),
        (["--progress-interval", "1"], r"--progress-interval has no effect with --quiet"),
        (["--preview-caption", "false"], r"--preview-… options have no effect without --preview"),
        (["-o", ""], r"-o: the output directory name is empty"),
        (["-o", tmp("x.safetensors")], r"-o .*x\.safetensors: names a file"),
    ]
    for options, pattern in cases:
        rc, err = run("-q", CLIP, "-o", tmp("nil"), *options)
        expect_error(rc, err, 2, pattern)
    assert not os.path.exists(tmp("nil")) and not os.path.exists(tmp("x.safetensors"))


# ---- 16: small ones --------------------------------------------------------

def t_version():
    p = subprocess.run([EXTRACT, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and re.match(r"^cps-extract \d+\.\d+\.\d+ \(GStreamer \d+\.\d+", p.stdout), p


def t_singular():
    rc, err = run("-q", CLIP, "-o", tmp("one"), "--max-windows", "1")
    assert rc == 0 and re.search(r", 1 window, 512 patches in ", err), err


def t_reference_dtype_names():
    for alias, dtype in (("float32", "F32"), ("bfloat16", "BF16"), ("float16", "F16"), ("uint8", "U8")):
        d = tmp("dtype-" + alias)
        rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", "--dtype", alias)
        assert rc == 0, err
        meta, tensors = read_safetensors(os.path.join(d, "window-00000.safetensors"))
        assert tensors["patches"][0] == dtype, (alias, tensors["patches"][0])


def t_boolean_options_without_value():
    for form in (["--static-fallback"], ["--static-fallback", "true"],
                 ["--static-fallback=false"], ["--static-fallback", "false"]):
        d = tmp("bool-" + "-".join(form))
        rc, err = run("-q", CLIP, "-o", d, "--max-windows", "1", *form)
        assert rc == 0, f"{form}: {err}"
        meta, _ = read_safetensors(os.path.join(d, "window-00000.safetensors"))
        want = "false" not in form[-1]
        assert f"static-fallback={'true' if want else 'false'}" in meta["elements"], (form, meta["elements"])


def t_undecodable_input_leaves_no_directory():
    open(tmp("random.mp4"), "wb").write(os.urandom(65536))
    rc, err = run("-q", tmp("random.mp4"), "-o", tmp("rnd", "sub"))
    expect_error(rc, err, 1, r"Could not determine type of stream")
    assert not os.path.exists(tmp("rnd")), os.listdir(TMP.name)


for name, fn in list(globals().items()):
    if name.startswith("t_"):
        check_or_skip(name[2:].replace("_", " "), fn)
for name, why in skipped:
    print(f"# SKIP {name}: {why}")
finish()
