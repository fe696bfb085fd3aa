#!/usr/bin/env bash
# Coverage-guided fuzzing of the project's parsers with libFuzzer and
# AddressSanitizer/UBSan (clang and libclang-rt-14-dev from Debian; the
# writer needs libjson-glib-dev).
#   bash tests/fuzz/run-fuzz.sh [seconds per target, default 60]
# Crash reproducers land in build-fuzz/; replay one through the plain
# driver: build/tests/fuzz/fuzz_location build-fuzz/crash-…
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out"
for target in fuzz_location fuzz_safetensors; do
  # shellcheck disable=SC2046  # pkg-config's words are separate flags
  clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
    "tests/fuzz/$target.c" common/cps_safetensors.c -o "$out/$target" \
    $(pkg-config --cflags --libs json-glib-1.0)
  mkdir -p "$out/corpus-$target"
  (cd "$out" && "./$target" -max_total_time="$seconds" -max_len=512 \
    "corpus-$target" 2>&1 | tail -3)
done
