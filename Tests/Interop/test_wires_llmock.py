"""Every wire format against llmock: text, a tool loop, and llmock's fault scenarios graded by its verdict."""
import json

import pytest

WIRES = {
    "completions": lambda base: ["--base-url", f"{base}/v1", "--model", "gpt-4o-mini"],
    "responses": lambda base: ["--base-url", f"{base}/v1", "--wire-api", "responses", "--model", "gpt-4o-mini"],
    "anthropic": lambda base: ["--provider-type", "anthropic", "--base-url", f"{base}/anthropic", "--model", "claude-sonnet-4-5"],
    "gemini": lambda base: ["--provider-type", "gemini", "--base-url", f"{base}/gemini", "--model", "gemini-2.5-flash"],
}
PATHS = {
    "completions": "/v1/chat/completions", "responses": "/v1/responses", "anthropic": "/anthropic/v1/messages",
    "gemini": "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent",
}


def events_of(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def model_calls(mock, wire):
    return [r for r in mock.requests() if r["path"] == PATHS[wire]]


def assert_verdict_passed(mock):
    verdict = mock.verdict()
    assert verdict["passed"], json.dumps(verdict["findings"], indent=1)


@pytest.mark.parametrize("wire", WIRES)
def test_text(fresh_llmock, cli, wire):
    result = cli("run", *WIRES[wire](fresh_llmock.base), "--events", "jsonl", "Say hello")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["type"] == "session.idle"
    final = [e["data"] for e in events if e["type"] == "assistant.message"][-1]
    deltas = "".join(e["data"]["deltaContent"] for e in events if e["type"] == "assistant.message_delta")
    assert final["content"] and final["content"] == deltas
    assert len(model_calls(fresh_llmock, wire)) == 1
    assert_verdict_passed(fresh_llmock)


@pytest.mark.parametrize("wire", WIRES)
def test_tool_loop(fresh_llmock, cli, wire):
    result = cli("run", *WIRES[wire](fresh_llmock.base), "--yes", "--tool", "get_time=echo 12:34",
                 "--events", "jsonl", "What time is it?")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    done = [e["data"] for e in events if e["type"] == "tool.execution_complete"]
    assert done and done[0]["success"] and done[0]["result"]["content"] == "12:34"
    answers = [e["data"] for e in events if e["type"] == "assistant.message"]
    assert answers[-1]["content"] and not answers[-1].get("toolRequests")
    calls = model_calls(fresh_llmock, wire)
    assert len(calls) == 2
    call_id = answers[0]["toolRequests"][0]["toolCallId"]
    second = json.dumps(calls[1]["body"])
    if wire == "gemini":
        # llmock's calls carry no id; the result answers the call by name, after the call it answers.
        contents = calls[1]["body"]["contents"]
        assert contents[-2]["role"] == "model" and contents[-2]["parts"][0]["functionCall"]["name"] == "get_time"
        response = contents[-1]["parts"][0]["functionResponse"]
        assert response["name"] == "get_time" and response["response"] == {"result": "12:34"} and "id" not in response
    else:
        assert call_id in second and "12:34" in second
    assert_verdict_passed(fresh_llmock)


@pytest.mark.parametrize("wire", WIRES)
def test_rate_limited_twice_then_success(fresh_llmock, cli, wire):
    fresh_llmock.scenario([{"type": "fail", "status": 429, "retry_after": 1, "times": 2}])
    result = cli("run", *WIRES[wire](fresh_llmock.base), "Say hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert len(model_calls(fresh_llmock, wire)) == 3
    assert_verdict_passed(fresh_llmock)


@pytest.mark.parametrize("wire", WIRES)
def test_truncated_stream_is_retried(fresh_llmock, cli, wire):
    fresh_llmock.scenario([{"type": "stream_fault", "kind": "truncate", "after_chunks": 3}])
    result = cli("run", *WIRES[wire](fresh_llmock.base), "--events", "jsonl", "Tell me a story")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["type"] == "session.idle"
    assert [e for e in events if e["type"] == "assistant.message"][-1]["data"]["content"]
    assert len(model_calls(fresh_llmock, wire)) == 2
    assert_verdict_passed(fresh_llmock)


@pytest.mark.parametrize("wire", WIRES)
def test_bad_request_is_not_retried(fresh_llmock, cli, wire):
    fresh_llmock.scenario([{"type": "fail", "status": 400, "message": "bad request from the mock"}])
    result = cli("run", *WIRES[wire](fresh_llmock.base), "Say hello")
    assert result.returncode == 1
    assert "HTTP 400" in result.stderr
    assert len(model_calls(fresh_llmock, wire)) == 1
    assert_verdict_passed(fresh_llmock)


def test_models_lists_llmock_models(llmock, cli):
    result = cli("models", "--base-url", f"{llmock.base}/v1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["ID", "NAME"]
    assert "gpt-4o-mini" in result.stdout
    result = cli("models", "--provider-type", "anthropic", "--base-url", f"{llmock.base}/anthropic", "--json")
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)
    assert models and all({"id", "name", "capabilities"} <= set(m) for m in models)
    result = cli("models", "--provider-type", "gemini", "--base-url", f"{llmock.base}/gemini", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["id"]: m for m in json.loads(result.stdout)}
    assert "gemini-2.5-pro" in models, models
    assert models["gemini-2.5-pro"]["capabilities"]["limits"]["max_prompt_tokens"] > 0
