#!/usr/bin/env bash
# Fuzzes the parsers that read what peers send, with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]   one target (see below)
#   scripts/fuzz.sh all SECONDS                            every target, one after the other
#   scripts/fuzz.sh event 3600 -fork=2                     with two worker processes
#
# Targets: sse json frame completions responses anthropic gemini event url path (Sources/CopilotFuzz/FuzzTarget.swift
# says what each checks). Each starts from the seed corpus in Fuzz/Corpus/TARGET (Fuzz/make_seeds.py
# writes it) and the inputs fuzzing once failed on, Fuzz/Found/TARGET, and keeps what it finds in
# .build-fuzz/corpus/TARGET; a failing input is written to .build-fuzz/artifacts/TARGET/ and the
# script fails (once fixed, keep the input in Fuzz/Found/TARGET). The build goes to .build-fuzz,
# apart from the ordinary one, because every module is instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
target=$1
seconds=$2
shift 2
# Every target has its seed corpus folder.
all_targets=()
for corpus in Fuzz/Corpus/*/; do all_targets+=("$(basename "$corpus")"); done
if [ "$target" = all ]; then targets=("${all_targets[@]}"); else targets=("$target"); fi

scratch=.build-fuzz
flags=(-c release --product CopilotFuzz --scratch-path "$scratch"
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
echo "== building the fuzz targets (libFuzzer + AddressSanitizer, in $scratch)"
swift build "${flags[@]}" 2>&1 | grep -v "unhandled; explicitly declare" | tail -3
binary="$(swift build "${flags[@]}" --show-bin-path)/CopilotFuzz"

failed=()
for name in "${targets[@]}"; do
    corpus="$scratch/corpus/$name"
    artifacts="$scratch/artifacts/$name/"
    # Artifacts are this run's failures only (keep a fixed one in Fuzz/Found/).
    rm -rf "$artifacts"
    mkdir -p "$corpus" "$artifacts"
    log="$scratch/$name.log"
    echo "== fuzzing $name for ${seconds}s"
    # libFuzzer reports crashes itself (and saves the input) only when Swift's backtracer stays out.
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$binary" "$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$@" "$corpus" "Fuzz/Corpus/$name" \
        $( [ -d "Fuzz/Found/$name" ] && echo "Fuzz/Found/$name" ) >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$name")
        grep -v '^#' "$log" | tail -40
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "$name: $status, ${runs:-?} executions (${speed:-?}/s), $coverage, corpus $(ls "$corpus" | wc -l) files, failures $(ls "$artifacts" | grep -vc "^slow-unit-")"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found failures in: ${failed[*]} (inputs in $scratch/artifacts/)"
    exit 1
fi
