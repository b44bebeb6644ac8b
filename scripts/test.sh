#!/usr/bin/env bash
# Runs every test: builds once, then the interop tests against third-party peers, then the Swift tests,
# then a minute of fuzzing per parser (a separate, instrumented build).
# Installs what it needs (a Python venv in ./.venv for the peers, PostgreSQL from Debian's packages
# for the shared session store, tmux for the chat's terminal tests); needs only Swift 6.1+ and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/Interop/requirements.txt

if ! command -v tmux >/dev/null && command -v apt-get >/dev/null; then
    echo "== tmux from Debian's packages (the chat is tested in a terminal)"
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux
fi

# Sessions the tests store go here, not into the user's state folder.
export COPILOT_SWIFT_HOME="$PWD/.build/test-state"
rm -rf "$COPILOT_SWIFT_HOME"

echo "== PostgreSQL on loopback (for the shared session store's tests)"
if [ -z "${COPILOT_TEST_POSTGRES_URL:-}" ]; then
    trap 'scripts/postgres.sh stop' EXIT
    eval "$(scripts/postgres.sh start)"
else
    echo "using the server in COPILOT_TEST_POSTGRES_URL"
fi

echo "== build (debug, tests included; every imported module must be a declared dependency)"
swift build --build-tests --explicit-target-dependency-import-check error

echo "== public API: what import CopilotSDK shows; the protocol named in one place; DocC without warnings"
scripts/check-public-api.sh
scripts/check-contract.sh
scripts/check-docs.sh

echo "== fuzz corpus: every seed and every input fuzzing once failed on, through its target (ordinary build)"
for corpus in Fuzz/Corpus/*/; do
    target=$(basename "$corpus")
    .build/debug/CopilotFuzz "$target" "$corpus" $( [ -d Fuzz/Found/"$target" ] && echo Fuzz/Found/"$target" )
done

echo "== interop: copilot-swift against llmock"
COPILOT_SWIFT_BIN="$PWD/.build/debug/copilot-swift" .venv/bin/python -m pytest -q -p no:cacheprovider Tests/Interop

echo "== swift test"
swift test --skip-build

echo "== fuzzing: each parser for 60 s (libFuzzer + AddressSanitizer; its own build in .build-fuzz)"
scripts/fuzz.sh all 60
