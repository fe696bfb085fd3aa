#!/usr/bin/python3
# cps — every shell command in README.md runs.  Each line of each ```sh
# block is one TAP result: run (with placeholders such as clip.mp4 and
# output directories pointed at the bundled clip and a temporary
# directory), or skipped with the reason (covered elsewhere, or an element
# this machine lacks).
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILDDIR", os.path.join(ROOT, "build"))
CLIP = os.path.join(ROOT, "assets", "cps-demo.mp4")

# Lines other tests run: the README's two set-up commands (scripts test and
# .ci/run) and configuring the tree the suite is running from.
COVERED = {
    "bash scripts/run-demo.sh": "run by the scripts test",
    "bash tests/run-tests.sh": "this is the suite itself (.ci/run)",
    "meson setup build && ninja -C build": "scripts/build.sh did this before the suite",
}


def commands():
    """(line, comment-stripped command) of every ```sh block."""
    in_sh = False
    for line in open(os.path.join(ROOT, "README.md")):
        if line.startswith("```"):
            in_sh = line.strip() == "```sh"
            continue
        if in_sh and line.strip():
            yield re.sub(r"\s+# .*$", "", line.strip())


def missing_elements(cmd):
    if not cmd.startswith("gst-launch-1.0"):
        return []
    names = [w for w in shlex.split(cmd) if re.fullmatch(r"(nvh264dec|cudaupload)", w)]
    return [n for n in names if subprocess.run(
        ["gst-inspect-1.0", n], capture_output=True).returncode != 0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def main():
    tmp = tempfile.mkdtemp(prefix="cps-readme-")
    port = free_port()
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(BUILD, "gst"))
    background = []
    results = []
    for cmd in commands():
        if cmd in COVERED:
            results.append(("skip", cmd, COVERED[cmd]))
            continue
        absent = missing_elements(cmd)
        if "cudaupload" in cmd or re.search(r"nvh264dec ! cpsmotion", cmd):
            # cps on CUDA memory: needs the CUDA path (issue 4)
            if subprocess.run("gst-inspect-1.0 cpsmotion | grep -q CUDAMemory",
                              shell=True, env=env).returncode != 0:
                results.append(("skip", cmd, "cps was built without its CUDA path"))
                continue
        if absent:
            results.append(("skip", cmd, f"{', '.join(absent)} not available here"))
            continue
        run = (cmd.replace("clip.mp4", CLIP)
               .replace("cps-output/", f"{tmp}/cps-output/")
               .replace(" out/", f" {tmp}/out/")
               .replace(":8554", f":{port}").replace(" 8554 ", f" {port} ")
               .replace("build/", f"{BUILD}/")
               .replace("$PWD/" + BUILD + "/", BUILD + "/"))
        if cmd.startswith("meson install"):
            run += f" --destdir {tmp}/destdir"
        if run.endswith("&"):
            proc = subprocess.Popen(run[:-1], shell=True, cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            background.append(proc)
            time.sleep(1.5)  # the server listens within a second
            ok = proc.poll() is None
            results.append(("ok" if ok else "fail", cmd, "" if ok else "exited"))
            continue
        try:
            p = subprocess.run(run, shell=True, cwd=ROOT, env=env, timeout=120,
                               capture_output=True, text=True,
                               executable="/bin/bash")
            ok, why = p.returncode == 0, f"rc {p.returncode}: {p.stderr[-800:]}"
        except subprocess.TimeoutExpired:
            ok, why = False, "timed out after 120 s"
        results.append(("ok" if ok else "fail", cmd, "" if ok else why))
    for proc in background:
        os.killpg(proc.pid, 15)
        proc.wait()
    subprocess.run(["rm", "-rf", tmp])

    print(f"1..{len(results)}")
    for i, (state, cmd, why) in enumerate(results, 1):
        if state == "skip":
            print(f"ok {i} README: {cmd} # SKIP {why}")
        else:
            print(f"{'ok' if state == 'ok' else 'not ok'} {i} README: {cmd}")
            if why:
                print("# " + why.replace("\n", "\n# "))
    return 0 if all(s != "fail" for s, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
