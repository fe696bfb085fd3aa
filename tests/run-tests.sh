#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs meson test,
# then the core tests again on an unoptimised build, and ends with
# "N passed, N failed, N skipped" counted from every test case's TAP result
# in both runs (a test binary that crashes counts as a failure), after the
# failed cases with their TAP comments (meson prints only stderr).
set -u
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh tests || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
builddir=${BUILDDIR:-build}
meson test -C "$builddir" --print-errorlogs --num-processes 2
logs=("$builddir/meson-logs/testlog.json")

# An unoptimised build compiles the vector code differently: -O0 inlines
# nothing unless told to, and once every input crashed there (see
# CPS_ALWAYS_INLINE in common/cps_inline.h).  A second build directory with
# -Dbuildtype=debug runs the tests that put frames through every vector
# path; a meson test setup would not do, as it changes how the tests run,
# not how the code is compiled.  This adds about a minute.
debugdir=$builddir-debug
debug_build_failed=0
if { [ -f "$debugdir/build.ninja" ] ||
    meson setup "$debugdir" -Dbuildtype=debug >/dev/null; } &&
    ninja -C "$debugdir" --quiet; then
  meson test -C "$debugdir" --print-errorlogs --num-processes 2 \
    algo elements cuda-negotiation pipeline
  logs+=("$debugdir/meson-logs/testlog.json")
else
  echo "the -Dbuildtype=debug build in $debugdir failed"
  debug_build_failed=1
fi

/usr/bin/python3 - "$debug_build_failed" "${logs[@]}" <<'PY'
import json, re, sys
passed = skipped = 0
failed = int(sys.argv[1])
explained = []   # each failed case with its TAP comments, for the CI log's tail


def explain(name, out):
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("not ok "):
            # its comments: up to the next case's result
            why = []
            for x in lines[i + 1:]:
                if x.startswith(("ok ", "not ok ")):
                    break
                if x.startswith("#"):
                    why.append(x)
            explained.append(f"{name}: {line}")
            explained.extend("    " + x for x in why[:20])


for log in sys.argv[2:]:
    for line in open(log):
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = len(re.findall(r"^ok \d+.*$(?<!# SKIP)", out, re.M))
        skip = len(re.findall(r"^ok \d+ .*# SKIP", out, re.M))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        ok -= skip
        good = t["result"] in ("OK", "SKIP", "EXPECTEDFAIL")
        if not re.search(r"^1\.\.\d+", out, re.M):
            ok, bad = (1, 0) if good else (0, 1)   # not a TAP test: one result
        elif not good and bad == 0:
            bad = 1          # crashed, timed out or exited non-zero
        passed, failed, skipped = passed + ok, failed + bad, skipped + skip
        if bad:
            explain(t["name"], out)
if passed + failed == 0:
    failed = 1           # a run that executes no test is a failure
if explained:
    print("what failed:")
    print("\n".join(explained))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
