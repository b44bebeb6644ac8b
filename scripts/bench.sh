#!/usr/bin/env bash
# Runs the benchmarks: builds copilot-benchmarks in release mode, installs the Python peers
# (openai, anthropic) into ./.venv-bench, and prints the table that BENCHMARKS.md records.
#   scripts/bench.sh [--runs N] [--chunks N] [--sessions N]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
fi
.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r Benchmarks/requirements.txt

swift build -c release --product CopilotBenchmarks >&2
swift build -c release --product copilot-swift >&2
exec .build/release/CopilotBenchmarks --python .venv-bench/bin/python "$@"
