#!/usr/bin/python3
# cps — every shell command of README.md and docs/cookbook.md runs EXACTLY
# as printed, the way a new user runs it: in a clean environment (env -i
# with a default PATH and HOME, nothing else: no GST_PLUGIN_PATH,
# PYTHONPATH or LD_LIBRARY_PATH), from the repository root, through
# `bash -c LINE`, one document's lines in order (README's first line,
# `bash scripts/run-demo.sh`, builds and installs what the others use).
# No text is substituted.  One TAP result per command; a command spread
# over lines with a trailing backslash is one command.
#
# Skipped, with the reason: `bash tests/run-tests.sh` (the suite that runs
# this test), and lines needing hardware this machine lacks (nvh264dec, or
# cps on CUDA memory).  A line ending in `&` is a server: it is started,
# must listen on the port it names, and is killed after the document's
# last line.  Everything a line writes must be in a gitignored place; what
# did not exist before is removed at the end.
#   /usr/bin/python3 tests/test_readme.py [DOC.md ...]
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", os.path.join("docs", "cookbook.md")]
CLEAN_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": os.environ.get("HOME") or os.path.expanduser("~"),
}
SUITE = {"bash tests/run-tests.sh":
         "the test suite itself, which runs this test"}
# seconds per line: the first command may install packages and build
TIMEOUTS = {"bash scripts/run-demo.sh": 500}
DEFAULT_TIMEOUT = 180


def commands(doc):
    """Each command of each ```sh block of @doc, as printed (lines ending
    in a backslash continue on the next)."""
    in_sh, pending = False, ""
    for line in open(os.path.join(ROOT, doc), encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("```"):
            in_sh = line.strip() == "```sh"
            continue
        if not in_sh or not (pending or line.strip()):
            continue
        pending += line
        if line.endswith("\\"):
            pending += "\n"
            continue
        yield pending
        pending = ""


def code(cmd):
    """The command without its trailing comment, for deciding how to run
    it (it still runs as printed)."""
    out = []
    for line in cmd.split("\n"):
        out.append(re.sub(r"(^|\s)#\s.*$", "", line).rstrip())
    return "\n".join(out).strip()


def clean_run(argv):
    return subprocess.run(argv, cwd=ROOT, env=CLEAN_ENV,
                          capture_output=True, text=True)


def element_exists(name):
    return clean_run(["gst-inspect-1.0", name]).returncode == 0


def cps_on_cuda():
    p = clean_run(["gst-inspect-1.0", "cpsmotion"])
    return p.returncode == 0 and "memory:CUDAMemory" in p.stdout


def hardware_skip(cmd):
    """Why a line cannot run on this machine, or None."""
    c = code(cmd)
    if "gst-launch-1.0" not in c:
        return None
    if re.search(r"\b(autovideosink|xvimagesink|ximagesink|glimagesink)\b", c):
        return "shows a window: needs a display, which this clean environment has not"
    if re.search(r"\bnvh264dec\b", c) and not element_exists("nvh264dec"):
        return "nvh264dec not available here (needs an NVIDIA GPU and driver)"
    if (re.search(r"\bcudaupload\b", c) or
            re.search(r"nvh264dec\s*!\s*cpsmotion", c)) and not cps_on_cuda():
        return "cps offers no CUDA memory here (its CUDA path is not enabled)"
    if re.search(r"\bcudaupload\b", c) and not element_exists("cudaupload"):
        return "cudaupload not available here"
    return None


def port_of(cmd):
    m = re.search(r"(?:127\.0\.0\.1|localhost)?[: ](\d{4,5})\b", code(cmd))
    return int(m.group(1)) if m else None


def port_busy(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def outputs(cmd):
    """Paths @cmd writes (relative to the repository root)."""
    try:
        words = shlex.split(code(cmd).replace("\\\n", " "), comments=True)
    except ValueError:
        return []
    out = []
    for i, w in enumerate(words):
        if w in ("-o", "--output", "--preview") and i + 1 < len(words):
            out.append(words[i + 1])
        elif w.startswith(("--output=", "--preview=")):
            out.append(w.split("=", 1)[1])
        elif w.startswith("location=") and i > 0 and words[i - 1] in (
                "filesink", "cpspatchsink", "multifilesink", "splitmuxsink"):
            loc = w.split("=", 1)[1]
            # a pattern (window-%05d…) names files in its directory
            out.append(os.path.dirname(loc) if "%" in loc else loc)
        elif w == "mkdir":
            for a in words[i + 1:]:
                if a in ("&&", "||", ";", "|", "&"):
                    break
                if not a.startswith("-"):
                    out.append(a)
    return [o for o in out if o and not re.match(r"^[a-z]+://", o)]


def top_new(path, existed):
    """The outermost component of @path that did not exist before (what to
    remove afterwards), or None.  A shared top directory (cps-output/) is
    never removed whole: only its entries, then itself if empty."""
    parts = os.path.normpath(path).split(os.sep)
    for i in range(min(2, len(parts)), len(parts) + 1):
        p = os.sep.join(parts[:i])
        if p not in existed:
            return p
    return None


def stop_group(proc):
    """SIGTERM to a background line's process group (bash has exited, its
    server lives on in the group); waits until the group is gone, SIGKILL
    after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.time() + wait
        while time.time() < deadline:
            proc.poll()
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                proc.wait()
                return
            time.sleep(0.1)
    proc.wait()


def run_doc(doc, results):
    cmds = list(commands(doc))
    if not cmds:
        results.append(("fail", f"{doc}: no ```sh block", "nothing to run"))
        return
    # what exists before, for cleaning up only what the lines create
    existed = set()
    for cmd in cmds:
        for o in outputs(cmd):
            parts = os.path.normpath(o).split(os.sep)
            for i in range(1, len(parts) + 1):
                p = os.sep.join(parts[:i])
                if os.path.lexists(os.path.join(ROOT, p)):
                    existed.add(p)
    created = set()
    background = []
    try:
        for cmd in cmds:
            name = f"{doc}: {cmd}"
            c = code(cmd)
            if c in SUITE:
                results.append(("skip", name, SUITE[c]))
                continue
            why = hardware_skip(cmd)
            if why:
                results.append(("skip", name, why))
                continue
            bad = [o for o in outputs(cmd) if subprocess.run(
                ["git", "check-ignore", "-q", o], cwd=ROOT).returncode != 0]
            for o in outputs(cmd):
                new = top_new(o, existed)
                if new:
                    created.add(new)
            if bad:
                results.append(("fail", name, "writes outside gitignored "
                                "places: " + ", ".join(bad)))
                continue
            if c.endswith("&"):
                port = port_of(cmd)
                if port and port_busy(port):
                    results.append(("fail", name, f"port {port} is already "
                                    "in use on this machine: stop what "
                                    "listens there, the line uses it as "
                                    "printed"))
                    continue
                log = tempfile.TemporaryFile()
                proc = subprocess.Popen(["bash", "-c", cmd], cwd=ROOT,
                                        env=CLEAN_ENV, stdout=log,
                                        stderr=subprocess.STDOUT,
                                        start_new_session=True)
                background.append(proc)
                deadline = time.time() + 20
                up = False
                while time.time() < deadline:
                    if port is None:
                        up = True
                        break
                    if port_busy(port):
                        up = True
                        break
                    time.sleep(0.2)
                if up:
                    results.append(("ok", name, ""))
                else:
                    log.seek(0)
                    results.append(("fail", name, f"nothing listens on port "
                                    f"{port} after 20 s: " +
                                    log.read().decode(errors="replace")[-800:]))
                continue
            timeout = TIMEOUTS.get(c, DEFAULT_TIMEOUT)
            try:
                p = subprocess.run(["bash", "-c", cmd], cwd=ROOT,
                                   env=CLEAN_ENV, timeout=timeout,
                                   capture_output=True, text=True,
                                   errors="replace", start_new_session=True)
                if p.returncode == 0:
                    results.append(("ok", name, ""))
                else:
                    results.append(("fail", name, f"exit {p.returncode}: "
                                    f"{(p.stdout + p.stderr)[-1500:]}"))
            except subprocess.TimeoutExpired:
                results.append(("fail", name, f"still running after "
                                f"{timeout} s"))
    finally:
        for proc in background:
            stop_group(proc)
        for p in sorted(created):
            full = os.path.join(ROOT, p)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            elif os.path.lexists(full):
                os.unlink(full)
            parent = os.path.dirname(p)
            if parent and parent not in existed:
                try:
                    os.rmdir(os.path.join(ROOT, parent))
                except OSError:
                    pass


def may_install():
    """The README's first command installs into /usr: root, or sudo
    without a password."""
    return os.geteuid() == 0 or subprocess.run(
        ["sudo", "-n", "true"], capture_output=True).returncode == 0


def main():
    docs = sys.argv[1:] or DOCS
    results = []
    if not may_install():
        for doc in docs:
            for cmd in commands(doc):
                results.append(("skip", f"{doc}: {cmd}", "the README's first "
                                "command installs into /usr: needs root or "
                                "sudo without a password"))
        docs = []
    for doc in docs:
        run_doc(doc, results)
    for i, (state, name, why) in enumerate(results, 1):
        title = name.replace("\n", " ")
        if state == "skip":
            print(f"ok {i} {title} # SKIP {why}")
        else:
            print(f"{'ok' if state == 'ok' else 'not ok'} {i} {title}")
            if why:
                print("# " + why.replace("\n", "\n# "))
    print(f"1..{len(results)}")
    return 0 if all(s != "fail" for s, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
