#!/usr/bin/env bash
# The README's demo command and the example launch lines in pipelines/
# really run; the build tree's plugin is the one the suite tests, even with
# a copy installed; installed programs start in any prefix.  TAP output.
set -u
cd "$(dirname "$0")/.."
echo "1..6"

# README: scripts/run-demo.sh builds build/ (as the README's first command
# does, whatever tree the suite runs from), installs it into /usr and
# writes the dataset of the bundled 100-frame clip (6 full windows of 16
# and one of 4) and its preview video.
out=$(env -u BUILDDIR bash scripts/run-demo.sh 2>&1)
rc=$?
windows=$(ls cps-output/cps-demo 2>/dev/null | grep -c '^window-0000[0-6]\.safetensors$')
if [ $rc -eq 0 ] && [ "$windows" -eq 7 ] && [ -s cps-output/cps-demo/preview.mp4 ] &&
  printf '%s\n' "$out" | grep -q '^cps-extract: 100 frames decoded .* 7 windows, 3584 patches'; then
  echo "ok 1 run-demo.sh: 7 window files and preview.mp4 in cps-output/cps-demo"
else
  echo "not ok 1 run-demo.sh: rc $rc, $windows window files"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

# pipelines/cpu-pipelines.sh: every launch line ends at EOS, no error
out=$(bash pipelines/cpu-pipelines.sh 2>&1)
rc=$?
ended=$(printf '%s\n' "$out" | grep -c '^Got EOS from element')
files=$(ls cps-output/pipelines 2>/dev/null | grep -c '^window-0000[0-6]\.safetensors$')
if [ $rc -eq 0 ] && [ "$ended" -eq 6 ] && [ "$files" -eq 7 ] &&
  [ -s cps-output/pipelines/selection.mp4 ] && ! printf '%s\n' "$out" | grep -q '^ERROR'; then
  echo "ok 2 cpu-pipelines.sh: 6 pipelines reached EOS, 7 window files, selection.mp4"
else
  echo "not ok 2 cpu-pipelines.sh: rc $rc, $ended of 6 reached EOS, $files files"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

# pipelines/decode-process.sh: cpu->cpu runs; the others run or say why not
err=$(mktemp)
out=$(bash pipelines/decode-process.sh 2>"$err")
rc=$?
done_or_skipped=$(printf '%s\n' "$out" | grep -Ec '^(EOS|== [a-z]+->[a-z]+: SKIP .+)$')
if [ $rc -eq 0 ] && printf '%s\n' "$out" | head -2 | grep -q '^EOS$' && [ "$done_or_skipped" -eq 4 ]; then
  echo "ok 3 decode-process.sh: cpu->cpu reached EOS, each other combination ran or gave its reason"
else
  echo "not ok 3 decode-process.sh: rc $rc"
  printf '%s\n' "$out" "$(grep -v GST_TRACER "$err")" | sed 's/^/# /'
fi
rm -f "$err"

# The suite tests the build tree, not the copy run-demo.sh installed into
# /usr: GST_PLUGIN_PATH (set by meson test) is scanned before the system's
# plugin directory, and GStreamer keeps the first plugin of a file name.
build=$(cd "${BUILDDIR:-build}" && pwd)
installed=/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstcps.so
file=$(gst-inspect-1.0 cps 2>/dev/null | sed -n 's/^ *Filename *//p')
if [ -e "$installed" ] && [ -n "$file" ] &&
  [ "$(realpath "$file")" = "$(realpath "$build/gst/libgstcps.so")" ]; then
  echo "ok 4 with a copy installed in /usr, the suite's gst-inspect-1.0 cps loads $file"
else
  echo "not ok 4 the suite's gst-inspect-1.0 cps loads '${file:-nothing}', not $build/gst/libgstcps.so (installed copy: $(ls "$installed" 2>&1))"
fi

# An install into a prefix the loader does not search: the installed
# cps-extract starts (RPATH to the prefix's libdir) in a clean environment,
# and the plugin links the prefix's libcps-1.0.  Only what is installed is
# built (no tests, no CUDA), into a temporary directory.
tmp=$(mktemp -d)
log=$tmp/log
prefix=$tmp/prefix
if meson setup "$tmp/build" --prefix="$prefix" -Dtests=disabled -Dcuda=disabled >"$log" 2>&1 &&
  ninja -C "$tmp/build" >>"$log" 2>&1 && meson install -C "$tmp/build" --no-rebuild >>"$log" 2>&1; then
  libdir=$prefix/$(meson introspect "$tmp/build" --buildoptions |
    /usr/bin/python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
  help=$(env -i PATH=/usr/bin:/bin HOME="$HOME" "$prefix/bin/cps-extract" --help 2>&1)
  rc=$?
  # the prefix's own libcps-1.0, not a copy elsewhere (say in /usr)
  linked() { env -i PATH=/usr/bin:/bin ldd "$1" | awk '/libcps-1.0.so/ {print $3}'; }
  tool_lib=$(linked "$prefix/bin/cps-extract")
  plugin_lib=$(linked "$libdir/gstreamer-1.0/libgstcps.so")
  if [ $rc -eq 0 ] && printf '%s\n' "$help" | grep -q -- '--output' &&
    [ "$tool_lib" = "$libdir/libcps-1.0.so.0" ] && [ "$plugin_lib" = "$tool_lib" ]; then
    echo "ok 5 --prefix=$prefix: cps-extract --help runs in a clean environment; it and the plugin link $tool_lib"
  else
    echo "not ok 5 --prefix=$prefix: cps-extract --help exit $rc; libcps-1.0 of cps-extract: '${tool_lib:-?}', of the plugin: '${plugin_lib:-?}'"
    printf '%s\n' "$help" | tail -5 | sed 's/^/# /'
    readelf -d "$prefix/bin/cps-extract" | grep -Ei 'rpath|runpath' | sed 's/^/# /'
  fi
else
  echo "not ok 5 --prefix=$prefix: configuring, building or installing failed"
  tail -20 "$log" | sed 's/^/# /'
fi
rm -rf "$tmp"

# The documentation is self-contained: README.md, docs/*.md and the
# installed header cite docs/algorithm.md, not a SPEC outside the
# repository, and every relative link of README.md and docs/*.md names a
# file of the repository.
out=$(/usr/bin/python3 - <<'PY'
import glob, os, re
bad = []
docs = ["README.md"] + sorted(glob.glob("docs/*.md"))
for path in docs + ["gst/cpsmeta.h"]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if re.search(r"\bSPEC\b", line):
            bad.append(f"{path}:{n}: cites SPEC: {line.strip()}")
for path in docs:
    text = open(path, encoding="utf-8").read()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        target = target.split("#")[0]
        if not target or re.match(r"^[a-z]+:", target):
            continue
        if not os.path.exists(os.path.join(os.path.dirname(path), target)):
            bad.append(f"{path}: link to a missing file: {target}")
if not os.path.exists("docs/algorithm.md"):
    bad.append("docs/algorithm.md is missing")
print("\n".join(bad))
PY
)
if [ -z "$out" ]; then
  echo "ok 6 README.md, docs/*.md and cpsmeta.h cite no SPEC; every relative link resolves"
else
  echo "not ok 6 the documentation cites what the repository lacks"
  printf '%s\n' "$out" | sed 's/^/# /'
fi
