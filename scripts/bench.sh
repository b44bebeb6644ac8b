#!/usr/bin/env bash
# Runs the benchmarks: builds copilot-benchmarks in release mode, installs the Python peers
# (openai, anthropic, the Copilot SDK, psycopg) into ./.venv-bench, starts a PostgreSQL server on
# loopback for the PostgreSQL store's figures, and prints the table that BENCHMARKS.md records.
#   scripts/bench.sh [--runs N] [--chunks N] [--sessions N] [--only store]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
fi
.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r Benchmarks/requirements.txt

swift build -c release --product CopilotBenchmarks >&2
swift build -c release --product copilot-swift >&2
trap 'scripts/postgres.sh stop' EXIT
eval "$(scripts/postgres.sh start)"
.build/release/CopilotBenchmarks --python .venv-bench/bin/python --postgres "$COPILOT_TEST_POSTGRES_URL" "$@"
