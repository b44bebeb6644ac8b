#!/usr/bin/env bash
# Builds the DocC catalogue of every documented module against the debug build (run `swift build`
# first) and fails on any warning: a link to a symbol that moved, became `package`, or never existed.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/swift-module-flags.sh
target=$(swiftc -print-target-info | sed -n 's/.*"triple": "\(.*\)".*/\1/p' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for catalogue in Sources/*/*.docc; do
    module=$(basename "$catalogue" .docc)
    mkdir -p "$work/$module"
    swift symbolgraph-extract -module-name "$module" -I "$bin/Modules" "${maps[@]}" -target "$target" \
        -output-dir "$work/$module" -minimum-access-level public
    # Only the module's own symbol graph: extensions of other modules are documented there.
    find "$work/$module" -name '*@*.symbols.json' -delete
    if ! docc convert "$catalogue" --additional-symbol-graph-dir "$work/$module" --fallback-display-name "$module" \
        --fallback-bundle-identifier "copilot-swift.$module" --output-path "$work/$module.doccarchive" --warnings-as-errors --diagnostic-level warning \
        >"$work/$module.log" 2>&1; then
        grep -E "warning|error" "$work/$module.log" >&2 || cat "$work/$module.log" >&2
        echo "FAIL: the DocC catalogue of $module has warnings" >&2
        status=1
    else
        echo "ok: $module's documentation builds without warnings"
    fi
done
exit $status
