#!/usr/bin/env bash
# Checks that the protocol is named in one place: no JSON-RPC method name appears as a string outside
# CopilotProtocol's table (Sources/CopilotProtocol/RPCMethod.swift), and no untyped event payload is
# built for an event type we emit (every emitted type is a SessionEventData in CopilotCore's registry).
set -euo pipefail
cd "$(dirname "$0")/.."

table=Sources/CopilotProtocol/RPCMethod.swift
names=$(grep -o '("[A-Za-z.]*")' "$table" | tr -d '()"' | sort -u)
[ -n "$names" ] || { echo "FAIL: no method names found in $table" >&2; exit 1; }
status=0
for name in $names; do
    # The modules that speak JSON-RPC; an event type of the same name (`session.resume`) is not a method.
    if hits=$(grep -rnF "\"$name\"" Sources/CopilotProtocol Sources/CopilotServer Sources/CopilotSDK Sources/CopilotRuntime \
        Sources/CopilotCLI --include='*.swift' | grep -v "^$table:" | grep -v 'static let eventType = '); then
        echo "FAIL: the method name \"$name\" is spelled outside $table:" >&2
        echo "$hits" >&2
        status=1
    fi
done
# `.unknown(type:data:)` is what decoding makes of a type from a newer peer; nothing else builds one.
if hits=$(grep -rnE '\.(other|unknown)\(type:' Sources --include='*.swift' | grep -v '^Sources/CopilotCore/SessionEvent+Codable.swift:'); then
    echo "FAIL: an untyped event payload is built in Sources:" >&2
    echo "$hits" >&2
    status=1
fi
[ $status -eq 0 ] && echo "ok: $(echo "$names" | wc -l) method names, each spelled once; no untyped event payloads built"
exit $status
