#!/usr/bin/env python3
"""Minimal fake Copilot runtime used to capture what an SDK sends.

Speaks JSON-RPC 2.0 with LSP-style framing (``Content-Length: N\\r\\n\\r\\n<json>``)
over stdin/stdout, as the Copilot CLI does with ``--headless --stdio``.
Command-line flags are accepted and ignored.

Every request or notification received is appended as one JSON line
``{"method": ..., "params": ...}`` to the file named by ``FAKE_RUNTIME_CAPTURE``.
"""

import json
import os
import sys

CAPTURE_PATH = os.environ.get("FAKE_RUNTIME_CAPTURE")


def read_message(stream):
    headers = {}
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.decode("utf-8").strip()
        if not line:
            if headers:
                break
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    body = b""
    while len(body) < length:
        chunk = stream.read(length - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body.decode("utf-8"))


def write_message(stream, message):
    body = json.dumps(message).encode("utf-8")
    stream.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
    stream.flush()


def result_for(method, params):
    if method == "connect":
        return {"ok": True, "protocolVersion": 3, "version": "capture"}
    if method == "ping":
        return {"message": "pong", "timestamp": 0, "protocolVersion": 3}
    if method in ("session.create", "session.resume"):
        return {"sessionId": (params or {}).get("sessionId"), "workspacePath": None}
    if method == "session.detach":
        return {"success": True}
    return {}


def main():
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        message = read_message(stdin)
        if message is None:
            return
        method = message.get("method")
        if method is None:
            continue  # a response to something we never sent
        params = message.get("params")
        if CAPTURE_PATH:
            with open(CAPTURE_PATH, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": method, "params": params}) + "\n")
        if "id" in message:
            write_message(
                stdout,
                {"jsonrpc": "2.0", "id": message["id"], "result": result_for(method, params)},
            )
        if method == "runtime.shutdown":
            return


if __name__ == "__main__":
    main()
