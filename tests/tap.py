# cps — a minimal TAP reporter for the Python tests: one result per
# check, failures explained in comments, exit status 1 if any failed.
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

_results = []


def check(name, fn):
    try:
        r = fn()
        # a check that cannot run here returns "skip REASON"
        if isinstance(r, str) and r.startswith("skip "):
            name += " # SKIP " + r[5:]
        _results.append((True, name, ""))
    except Exception as e:  # report and go on: one result per check
        _results.append((False, name, f"{type(e).__name__}: {e}"))


def finish():
    print(f"1..{len(_results)}")
    for i, (ok, name, why) in enumerate(_results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
        if why:
            print("# " + why.replace("\n", "\n# "))
    sys.exit(0 if all(ok for ok, _, _ in _results) else 1)
