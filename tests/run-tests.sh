#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs meson test
# and ends with "N passed, N failed, N skipped" counted from every test
# case's TAP result (a test binary that crashes counts as a failure).
set -u
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
builddir=${BUILDDIR:-build}
meson test -C "$builddir" --print-errorlogs --num-processes 2
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
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
if passed + failed == 0:
    failed = 1           # a run that executes no test is a failure
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
