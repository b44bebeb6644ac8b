#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/Corpus/<target>/: small, valid and nearly valid inputs for each
fuzz target, so libFuzzer starts from the shapes real peers send. Run it again after editing; the
files it writes are committed (scripts/fuzz.sh and scripts/test.sh read them)."""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent / "Corpus"


def sse(*payloads, event_names=None, crlf=False):
    end = "\r\n" if crlf else "\n"
    out = []
    for index, payload in enumerate(payloads):
        text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        if event_names:
            out.append(f"event: {event_names[index]}{end}")
        out.append(f"data: {text}{end}{end}")
    return "".join(out)


def frame(body):
    data = body.encode() if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def completions():
    def chunk(delta, finish=None, **extra):
        return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    usage = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    yield "text", sse(chunk({"role": "assistant", "content": "Hi"}), chunk({"content": " there."}),
                      chunk({}, "stop"), {"id": "chatcmpl-1", "choices": [], "usage": usage}, "[DONE]")
    yield "tool_call", sse(
        chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                                     "function": {"name": "get_weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_2", "type": "function",
                               "function": {"name": "now", "arguments": "{}"}}]}),
        chunk({}, "tool_calls"), "[DONE]")
    yield "reasoning", sse(chunk({"reasoning_content": "Think"}), chunk({"reasoning": " more"}),
                           chunk({"content": "42"}, "stop", usage=usage), "[DONE]", crlf=True)
    yield "error", sse({"error": {"message": "overloaded", "type": "server_error", "code": None}})
    yield "no_done", sse(chunk({"content": "cut"}, "length"))
    yield "cut", sse(chunk({"content": "never finished"}))


def responses():
    def ev(kind, **fields):
        return {"type": kind, **fields}
    created = ev("response.created", response={"id": "resp_1", "status": "in_progress", "output": []})
    message = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "Hi there.", "annotations": []}]}
    usage = {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15,
             "input_tokens_details": {"cached_tokens": 4}, "output_tokens_details": {"reasoning_tokens": 1}}
    yield "text", sse(
        created,
        ev("response.output_item.added", output_index=0, item={"type": "message", "id": "msg_1", "role": "assistant", "content": []}),
        ev("response.output_text.delta", item_id="msg_1", output_index=0, content_index=0, delta="Hi"),
        ev("response.output_text.delta", item_id="msg_1", output_index=0, content_index=0, delta=" there."),
        ev("response.output_item.done", output_index=0, item=message),
        ev("response.completed", response={"id": "resp_1", "status": "completed", "output": [message], "usage": usage}))
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
            "arguments": "{\"city\":\"Paris\"}", "status": "completed"}
    reasoning = {"type": "reasoning", "id": "rs_1", "encrypted_content": "enc",
                 "summary": [{"type": "summary_text", "text": "Look it up."}]}
    yield "tool_call", sse(
        created,
        ev("response.output_item.added", output_index=0, item={"type": "reasoning", "id": "rs_1", "summary": []}),
        ev("response.reasoning_summary_text.delta", item_id="rs_1", output_index=0, summary_index=0, delta="Look it up."),
        ev("response.output_item.done", output_index=0, item=reasoning),
        ev("response.output_item.added", output_index=1, item={**call, "arguments": "", "status": "in_progress"}),
        ev("response.function_call_arguments.delta", item_id="fc_1", output_index=1, delta="{\"city\":"),
        ev("response.function_call_arguments.delta", item_id="fc_1", output_index=1, delta="\"Paris\"}"),
        ev("response.output_item.done", output_index=1, item=call),
        ev("response.completed", response={"id": "resp_1", "status": "completed", "output": [reasoning, call], "usage": usage}),
        event_names=None)
    yield "failed", sse(created, ev("response.failed", response={"id": "resp_1", "status": "failed",
                                                                  "error": {"code": "server_error", "message": "boom"}}))
    yield "error", sse(ev("error", code="rate_limit_exceeded", message="slow down"))
    yield "incomplete", sse(created, ev("response.incomplete", response={"id": "resp_1", "status": "incomplete",
                                                                         "incomplete_details": {"reason": "max_output_tokens"},
                                                                         "output": [message]}))


def anthropic():
    def ev(kind, **fields):
        return {"type": kind, **fields}
    start = ev("message_start", message={"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
                                          "content": [], "stop_reason": None,
                                          "usage": {"input_tokens": 12, "output_tokens": 1, "cache_read_input_tokens": 2}})
    names = lambda events: [e["type"] for e in events]
    text = [start, ev("ping"),
            ev("content_block_start", index=0, content_block={"type": "text", "text": ""}),
            ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hi"}),
            ev("content_block_delta", index=0, delta={"type": "text_delta", "text": " there."}),
            ev("content_block_stop", index=0),
            ev("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 3}),
            ev("message_stop")]
    yield "text", sse(*text, event_names=names(text))
    tools = [start,
             ev("content_block_start", index=0, content_block={"type": "thinking", "thinking": "", "signature": ""}),
             ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Look it up."}),
             ev("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "sig"}),
             ev("content_block_stop", index=0),
             ev("content_block_start", index=1, content_block={"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
             ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": "{\"city\":"}),
             ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": "\"Paris\"}"}),
             ev("content_block_stop", index=1),
             ev("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 9}),
             ev("message_stop")]
    yield "tool_call", sse(*tools, event_names=names(tools), crlf=True)
    error = [ev("error", error={"type": "overloaded_error", "message": "Overloaded"})]
    yield "error", sse(*error, event_names=names(error))
    yield "cut", sse(*text[:4], event_names=names(text[:4]))


def gemini():
    def chunk(parts, finish=None, usage=None):
        candidate = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        out = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}
        if usage:
            out["usageMetadata"] = usage
        return out
    usage = {"promptTokenCount": 12, "candidatesTokenCount": 5, "thoughtsTokenCount": 3, "cachedContentTokenCount": 8, "totalTokenCount": 20}
    text = [chunk([{"text": "Thinking.", "thought": True}]), chunk([{"text": "Hello "}]), chunk([{"text": "there."}], "STOP", usage)]
    yield "text", sse(*text)
    calls = [chunk([{"text": "Let me check."}]),
             chunk([{"functionCall": {"id": "fc-1", "name": "get_weather", "args": {"city": "Paris", "days": [1, 2]}}, "thoughtSignature": "U0lH"},
                    {"functionCall": {"name": "get_time", "args": {}}}], "STOP", usage)]
    yield "tool_call", sse(*calls, crlf=True)
    yield "error", sse(text[1], {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}})
    yield "cut", sse(*text[:2])
    yield "blocked", sse({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 3}})


def sse_seeds():
    yield "simple", "data: hello\n\n"
    yield "fields", "event: update\r\ndata: a\r\ndata: b\r\nid: 7\r\nretry: 1500\r\n\r\n"
    yield "bom_cr_comment", "\ufeffdata: x\r\r: a comment\n\ndata:no-space\nid\n\n"
    yield "unterminated", "data: {\"a\":1}\n\ndata: [DONE]"
    yield "odd_fields", "data\n\nevent:\n:\nid: a\x00b\nretry: x\nunknown: y\n\n"


def json_seeds():
    yield "object", '{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\\u00e9\\n"}, "e": ""}'
    yield "numbers", "[0, -0, 1.0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1e308, 5e-324, 0.1]"
    yield "strings", '["\\ud83d\\ude00", "\\"\\\\\\/\\b\\f\\n\\r\\t", "plain"]'
    yield "nested", "[" * 40 + "]" * 40
    yield "scalar", '  "text"  '
    yield "duplicate", '{"k": 1, "k": 2}'


def frame_seeds():
    request = {"jsonrpc": "2.0", "id": 1, "method": "session.create", "params": {"model": "m", "sessionId": "s-1"}}
    notification = {"jsonrpc": "2.0", "method": "session.event", "params": {"sessionId": "s-1", "event": {"type": "session.idle"}}}
    response = {"jsonrpc": "2.0", "id": "a", "result": {"ok": True}}
    error = {"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "Unhandled method x"}}
    yield "request", frame(json.dumps(request))
    yield "two_frames", frame(json.dumps(notification)) + frame(json.dumps(response))
    yield "error", frame(json.dumps(error))
    yield "headers", b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}"
    yield "bad_header", b"Content-Length: x\r\n\r\n" + frame('{"jsonrpc":"2.0","method":"ping"}')
    yield "too_large", b"Content-Length: 1099511627776\r\n\r\n{}"
    yield "wrong_version", frame('{"jsonrpc":"1.0","id":3,"method":"ping"}')


def event_seeds():
    base = {"id": "0b7a5c1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b", "timestamp": "2026-12-02T18:00:00.123Z", "parentId": None}
    events = {
        "user_message": {"type": "user.message", "data": {"content": "Hi", "attachments": [{"type": "file", "path": "a.txt", "displayName": "a.txt"}]}},
        "delta": {"type": "assistant.message_delta", "ephemeral": True, "data": {"messageId": "m1", "deltaContent": "Hi"}},
        "message": {"type": "assistant.message", "data": {"messageId": "m1", "content": "Hi there.",
                                                          "toolRequests": [{"toolCallId": "c1", "name": "view", "arguments": {"path": "a"}}]}},
        "tool_done": {"type": "tool.execution_complete", "data": {"toolCallId": "c1", "success": True, "result": {"content": "ok"}}},
        "error": {"type": "session.error", "data": {"errorType": "model", "message": "boom", "statusCode": 500}},
        "unknown": {"type": "vendor.custom", "data": {"anything": [1, 2.5, None]}},
        "idle": {"type": "session.idle", "ephemeral": True, "data": {}},
        "start": {"type": "session.start", "data": {"sessionId": "s-1", "version": 1, "producer": "copilot-swift",
                                                    "copilotVersion": "0", "startTime": "2026-12-02T18:00:00Z",
                                                    "selectedModel": "m", "context": {"cwd": "/tmp"}}},
    }
    for name, event in events.items():
        yield name, json.dumps({**base, **event})


def url_seeds():
    urls = {
        "ollama": "http://localhost:11434/v1", "azure": "https://res.openai.azure.com/openai/v1/",
        "ipv4_port": "http://127.0.0.1:8080/v1", "ipv6": "http://[::1]:11434/v1", "big_port": "http://127.0.0.1:99999/v1",
        "negative_port": "http://127.0.0.1:-1/v1", "userinfo": "https://user:pw@example.com/v1",
        "space": "http://local host/v1", "encoded_host": "http://exa%6Dple.com/v1", "query": "https://api.example.com/v1?x=1#f",
        "backslash": "http://example.com\\@evil.test/v1", "no_scheme": "localhost:11434/v1", "ftp": "ftp://example.com/",
        "upper": "HTTPS://API.EXAMPLE.COM:443/V1", "idn": "https://b\u00fccher.example/v1",
    }
    for name, url in urls.items():
        yield name, url


def path_seeds():
    # Names in the fuzz target's folder (Sources/CopilotFuzz/FuzzTarget.swift, `pathSandbox`).
    paths = ["file", "sub/deeper", "out/secret", "abs/secret", "dang", "loop", "up/wd/file", "self/self/file",
             "sub/back", "sub/deeper/esc", "chain", "ping", "../outside/secret", "/etc/passwd", "./sub/../file",
             "sub/deeper/../../dang", "out/../wd/file", "missing/dir/new", "//file", "up/up/up"]
    for index, path in enumerate(paths):
        yield f"p{index:02d}", path


def main():
    targets = {"url": url_seeds(), "path": path_seeds(), "sse": sse_seeds(), "json": json_seeds(), "frame": frame_seeds(), "completions": completions(),
               "responses": responses(), "anthropic": anthropic(), "gemini": gemini(), "event": event_seeds()}
    for target, seeds in targets.items():
        folder = ROOT / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, content in seeds:
            data = content if isinstance(content, bytes) else content.encode()
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
