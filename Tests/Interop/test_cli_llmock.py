"""`copilot-swift run` against llmock, a third-party OpenAI-compatible mock server (PyPI)."""
import json


def events_of(stdout: str):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def chat_calls(mock):
    return mock.model_calls()


def test_text_answer_streams_and_matches_final_message(fresh_llmock, cli):
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini",
                 "--events", "jsonl", "What is 2+2?")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    types = [e["type"] for e in events]
    assert types[-1] == "session.idle"
    assert "assistant.message_delta" in types
    final = [e for e in events if e["type"] == "assistant.message"][-1]["data"]
    deltas = "".join(e["data"]["deltaContent"] for e in events if e["type"] == "assistant.message_delta")
    assert final["content"] and final["content"] == deltas
    body = chat_calls(fresh_llmock)[0]["body"]
    assert body["stream"] is True and body["messages"][-1] == {"role": "user", "content": "What is 2+2?"}
    raw = [r for r in fresh_llmock.requests() if r["path"].endswith("/chat/completions")][0]["body"]["messages"][-1]["content"]
    assert raw.startswith("What is 2+2?\n\n<current_datetime>") and raw.endswith("Z</current_datetime>"), raw
    assert fresh_llmock.verdict()["passed"]


def test_plain_output_prints_the_answer(fresh_llmock, cli):
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "Hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and result.stdout.endswith("\n")
    assert result.stderr == ""
    assert len(chat_calls(fresh_llmock)) == 1


def test_tool_loop_runs_the_tool_and_sends_its_result_back(fresh_llmock, cli):
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--yes",
                 "--tool", "get_time=echo 12:34", "--events", "jsonl", "What time is it?")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    done = [e["data"] for e in events if e["type"] == "tool.execution_complete"]
    assert done and done[0]["success"] and done[0]["result"]["content"] == "12:34"
    assert events[-1]["type"] == "session.idle"
    answers = [e["data"] for e in events if e["type"] == "assistant.message"]
    assert answers[0]["toolRequests"][0]["name"] == "get_time"
    assert answers[-1]["content"]
    calls = chat_calls(fresh_llmock)
    assert len(calls) == 2
    tool_messages = [m for m in calls[1]["body"]["messages"] if m["role"] == "tool"]
    assert tool_messages == [{"role": "tool", "content": "12:34",
                              "tool_call_id": answers[0]["toolRequests"][0]["toolCallId"]}]
    assert fresh_llmock.verdict()["passed"]


def test_without_approval_the_tool_is_denied_and_the_model_is_told(fresh_llmock, cli):
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini",
                 "--tool", "get_time=echo 12:34", "--events", "jsonl", "What time is it?")
    assert result.returncode == 0, result.stderr
    done = [e["data"] for e in events_of(result.stdout) if e["type"] == "tool.execution_complete"]
    assert done and not done[0]["success"]
    tool_messages = [m for m in chat_calls(fresh_llmock)[1]["body"]["messages"] if m["role"] == "tool"]
    assert "Permission denied" in tool_messages[0]["content"]


def test_a_stream_that_is_always_cut_is_an_error_not_a_partial_answer(fresh_llmock, cli):
    fresh_llmock.scenario([{"type": "stream_fault", "kind": "truncate", "after_chunks": 3, "times": None}])
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "Tell me a story")
    assert result.returncode == 1
    assert "ended before the answer was complete" in result.stderr
    assert "Gave up after 3 attempts" in result.stderr
    assert len(chat_calls(fresh_llmock)) == 3


def test_connection_refused_names_the_url(cli):
    from conftest import free_port
    port = free_port()
    result = cli("run", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m", "Hi")
    assert result.returncode == 1
    assert f"Connection refused at http://127.0.0.1:{port}/v1/chat/completions" in result.stderr


def test_missing_key_variable_is_a_clear_error(cli):
    result = cli("run", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--api-key-env", "NO_SUCH_VAR_X", "Hi")
    assert result.returncode != 0
    assert "NO_SUCH_VAR_X is not set" in result.stderr


def test_a_non_loopback_host_without_a_token_refuses_to_start(cli):
    # Refused before anything is bound.
    result = cli("server", "--host", "0.0.0.0", "--port", "0", "--no-store", timeout=20)
    assert result.returncode != 0
    assert "without a connection token" in result.stderr
    assert "--allow-unauthenticated-remote" in result.stderr


def test_loopback_aliases_need_no_token(cli_binary):
    import os
    import subprocess
    environment = {key: value for key, value in os.environ.items() if key != "COPILOT_CONNECTION_TOKEN"}
    for host in ["127.0.0.2", "localhost"]:
        process = subprocess.Popen([str(cli_binary), "server", "--host", host, "--port", "0", "--no-store"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        try:
            assert "CLI server listening on port" in process.stdout.readline()
        finally:
            process.terminate()
            process.communicate(timeout=10)


def test_idle_timeout_is_set_on_the_command_line(fresh_llmock, cli):
    import time
    fresh_llmock.scenario([{"type": "slow_first_token", "seconds": 20, "times": None}])
    started = time.monotonic()
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--idle-timeout", "0.5", "Hi",
                 timeout=30)
    assert result.returncode == 1
    assert "idle timeout" in result.stderr or "did not start answering in time" in result.stderr
    # Three attempts of half a second each (plus backoff), long before the provider's 20 s.
    assert time.monotonic() - started < 12


def test_bad_timeouts_are_refused(cli):
    result = cli("run", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--connect-timeout", "0", "Hi")
    assert result.returncode != 0
    assert "--connect-timeout must be between" in result.stderr
