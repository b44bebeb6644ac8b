#!/usr/bin/env bash
# Checks what `import CopilotSDK` shows an app, against the debug build (run `swift build` first):
# the README's Swift example is the ReadmeExample target (which the build compiles and the tests
# run), and naming the engine or the plumbing does not type-check.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/swift-module-flags.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
typecheck() { swiftc -typecheck -I "$bin/Modules" "${maps[@]}" "$1"; }

# The README's first Swift block, as an app would write it, is the ReadmeExample target's source.
awk '/^```swift$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' README.md > "$work/main.swift"
if ! diff -u Examples/ReadmeExample/main.swift "$work/main.swift" >&2; then
    echo "FAIL: the README's Swift example and Examples/ReadmeExample/main.swift differ" >&2
    exit 1
fi
echo "ok: the README's Swift example is Examples/ReadmeExample/main.swift (built with the package)"

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
