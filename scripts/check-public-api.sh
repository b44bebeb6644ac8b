#!/usr/bin/env bash
# Checks what `import CopilotSDK` shows an app, against the debug build (run `swift build` first):
# the README's Swift example type-checks, and naming the engine or the plumbing does not.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/swift-module-flags.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
typecheck() { swiftc -typecheck -I "$bin/Modules" "${maps[@]}" "$1"; }

# The README's first Swift block, as an app would write it.
awk '/^```swift$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' README.md > "$work/main.swift"
if ! typecheck "$work/main.swift"; then
    echo "FAIL: the README's Swift example does not type-check against import CopilotSDK" >&2
    exit 1
fi
echo "ok: the README's Swift example type-checks"

for name in SessionEngine SSEParser ShellCommand SessionRecorder SecretRedactor ProviderEndpoint RuntimeServer RPCConnection; do
    printf 'import CopilotSDK\nlet value: %s? = nil\n' "$name" > "$work/$name.swift"
    if output=$(typecheck "$work/$name.swift" 2>&1); then
        echo "FAIL: $name is visible to a file that imports only CopilotSDK" >&2
        exit 1
    fi
    if ! grep -q "cannot find type '$name' in scope" <<<"$output"; then
        echo "FAIL: naming $name failed for another reason:" >&2
        echo "$output" >&2
        exit 1
    fi
    echo "ok: $name is not part of CopilotSDK's public API"
done
