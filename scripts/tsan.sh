#!/usr/bin/env bash
# Runs the Swift tests under ThreadSanitizer (its own build in .build-tsan; the first takes ~20 min).
#
#   scripts/tsan.sh [--filter REGEX]
#
# Suppressions (with their reasons) are in scripts/tsan-suppressions.txt. The script fails on any
# race TSan reports. TSan slows code 5-15x: tests with time limits of their own can run out of time
# (those are not races; see the tests' output). Not part of CI (the build is long).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests --sanitize=thread --scratch-path .build-tsan 2>&1 | tail -1
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt halt_on_error=0 second_deadlock_stack=1"
swift test --skip-build --sanitize=thread --scratch-path .build-tsan "$@" 2>&1 | tee .build-tsan/test.log | grep -E "ThreadSanitizer|Test run with" || true
if grep -q "WARNING: ThreadSanitizer" .build-tsan/test.log; then
    echo "ThreadSanitizer reported races: see .build-tsan/test.log"
    exit 1
fi
echo "no races reported"
