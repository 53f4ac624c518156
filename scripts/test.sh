#!/usr/bin/env bash
# Builds xcr and runs every test. This is the README's test command, and exactly what CI runs.
#
#   scripts/test.sh            all three stages below
#   scripts/test.sh --quick    stage 1 only (the everyday developer loop)
#
#   1. build/       RelWithDebInfo: unit, integration (real sockets, xapi-sim) and interop
#                   (qemu-img, Xen Orchestra's vhd-lib and xen-api) tests
#   2. build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer: unit and integration tests
#   3. build-fuzz/  clang libFuzzer targets, each run for a bounded time from its seed corpus
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
jobs=$(nproc)
# ccache keyed on paths relative to the checkout, so a fresh clone reuses earlier builds.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
stage() { printf '\n==== %s ====\n' "$*"; }

stage "0/3 formatting (clang-format, .clang-format at the root)"
if ! git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror; then
  echo "files above are not formatted: run clang-format -i on them" >&2
  exit 1
fi

stage "1/3 build and test (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXCR_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" -LE fuzz

[ "$quick" -eq 1 ] && exit 0

stage "2/3 ASan + UBSan: unit and integration tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DXCR_SANITIZE=ON \
  -DXCR_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|integration'

stage "3/3 libFuzzer targets (bounded time each)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXCR_FUZZ=ON \
  -DXCR_BUILD_TESTS=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
# Fuzz targets are the executables named *_fuzz or *_fuzzer.
fuzzers=$(ninja -C build-fuzz -t targets all | sed -nE 's/^([A-Za-z0-9_]*_fuzz(er)?): .*/\1/p' | grep -v '^cmake_' | sort -u)
if [ -z "$fuzzers" ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
cmake --build build-fuzz -j"$jobs" --target $fuzzers
ctest --test-dir build-fuzz --output-on-failure -L fuzz
