#!/usr/bin/env bash
# Runs the benchmarks: builds copilot-benchmarks in release mode, installs the Python peers
# (openai, anthropic, the Copilot SDK, psycopg) into ./.venv-bench, starts a PostgreSQL server on
# loopback for the PostgreSQL store's figures, and prints the table that BENCHMARKS.md records. The
# MCP round trip (`--only mcp` alone) runs its server and its peer (scripts/mcp_bench_peer.py) in
# ./.venv, the interop tests' venv with the mcp package.
#   scripts/bench.sh [--runs N] [--chunks N] [--sessions N] [--only streams|store|concurrency|mcp|spawn]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
fi
.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r Benchmarks/requirements.txt
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/Interop/requirements.txt

swift build -c release --product CopilotBenchmarks >&2
swift build -c release --product copilot-swift >&2
trap 'scripts/postgres.sh stop' EXIT
eval "$(scripts/postgres.sh start)"
.build/release/CopilotBenchmarks --python .venv-bench/bin/python --postgres "$COPILOT_TEST_POSTGRES_URL" "$@"
