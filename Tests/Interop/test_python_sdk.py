"""The official Python SDK (github-copilot-sdk 1.0.27, unmodified) driving `copilot-swift` as its runtime,
with llmock as the model provider."""
import asyncio
import json
import os
import re
import subprocess

import pytest
from pydantic import BaseModel

from copilot import CopilotClient, RuntimeConnection
from copilot.generated.rpc import PermissionDecisionReject
from copilot.session import PermissionHandler
from copilot.tools import define_tool


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture()
def sdk_env(monkeypatch, cli_binary, tmp_path):
    monkeypatch.setenv("COPILOT_CLI_PATH", str(cli_binary))
    monkeypatch.setenv("COPILOT_SKIP_CLI_DOWNLOAD", "1")
    monkeypatch.setenv("COPILOT_SWIFT_HOME", str(tmp_path / "copilot-home"))


def provider(mock):
    return {"type": "openai", "base_url": f"{mock.base}/v1", "api_key": "sk-interop-test"}


# llmock calls the first tool it is offered, and the runtime lists its built-in tools first: tests
# of an app's own tool offer only that (with the official selector).
ONLY_APP_TOOLS = ["custom:*"]


def chat_calls(mock):
    return mock.model_calls()


def test_byok_doc_example(fresh_llmock, sdk_env):
    """The BYOK doc's Python example: create with provider, `on`, send, wait for idle, disconnect, stop."""
    async def main():
        client = CopilotClient()
        await client.start()
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
        done = asyncio.Event()
        seen = []

        def on_event(event):
            seen.append(event.type.value)
            if event.type.value == "assistant.message":
                seen.append(event.data.content)
            if event.type.value == "session.idle":
                done.set()

        session.on(on_event)
        await session.send("What is 2+2?")
        await done.wait()
        await session.disconnect()
        await client.stop()
        return seen

    seen = run(main())
    # The queue taking the message in comes first (pending_messages.modified), then the turn.
    seen = [kind for kind in seen if kind != "pending_messages.modified"]
    assert seen[0] == "user.message" and seen[-1] == "session.idle"
    assert "assistant.message" in seen
    # llmock calls the first tool it is offered (the built-in bash) before it answers: the answer
    # is the last assistant message.
    answer = seen[len(seen) - 1 - seen[::-1].index("assistant.message") + 1]
    assert isinstance(answer, str) and answer
    assert chat_calls(fresh_llmock)[0]["body"]["messages"][-1] == {"role": "user", "content": "What is 2+2?"}


def test_send_and_wait_and_get_messages(fresh_llmock, sdk_env):
    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider=provider(fresh_llmock), streaming=True)
            reply = await session.send_and_wait("Say hello", timeout=30)
            messages = await session.get_events()
            await session.disconnect()
            return reply, messages

    reply, messages = run(main())
    assert reply is not None and reply.data.content
    types = [m.type.value for m in messages]
    assert types[0] == "session.start" and "user.message" in types and "assistant.message" in types
    assert "assistant.message_delta" not in types, "ephemeral events are not persisted"


class Secret(BaseModel):
    text: str


def encrypt_tool(calls):
    """An app tool that upper-cases its text and records each call in `calls`."""
    def encrypt(params: Secret, invocation) -> str:
        calls.append(params.text)
        return params.text.upper()

    return define_tool("encrypt_string", description="Encrypts a string", handler=encrypt, params_type=Secret)


def test_custom_tool(fresh_llmock, sdk_env):
    calls = []
    tool = encrypt_tool(calls)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider=provider(fresh_llmock), tools=[tool], available_tools=ONLY_APP_TOOLS)
            events = []
            session.on(lambda e: events.append(e))
            reply = await session.send_and_wait("Encrypt something", timeout=30)
            await session.disconnect()
            return reply, events

    reply, events = run(main())
    assert len(calls) == 1
    assert reply is not None and reply.data.content
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success and done[0].data.result.content == calls[0].upper()
    types = [e.type.value for e in events]
    assert types.index("permission.requested") < types.index("external_tool.requested") < types.index("tool.execution_complete")
    tool_messages = [m for m in chat_calls(fresh_llmock)[1]["body"]["messages"] if m["role"] == "tool"]
    assert tool_messages[0]["content"] == calls[0].upper()


def test_custom_tool_on_gemini(fresh_llmock, sdk_env):
    """The official SDK names a provider type it does not know (`gemini`); this runtime speaks it natively."""
    calls = []
    tool = encrypt_tool(calls)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gemini-2.5-flash",
                provider={"type": "gemini", "base_url": f"{fresh_llmock.base}/gemini", "api_key": "goog-interop-test"},
                tools=[tool], available_tools=ONLY_APP_TOOLS)
            reply = await session.send_and_wait("Encrypt something", timeout=30)
            await session.disconnect()
            return reply

    reply = run(main())
    assert len(calls) == 1
    assert reply is not None and reply.data.content
    path = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    bodies = [r["body"] for r in fresh_llmock.requests() if r["path"] == path]
    assert len(bodies) == 2
    answer = bodies[1]["contents"][-1]["parts"][0]["functionResponse"]
    assert answer["name"] == "encrypt_string" and answer["response"] == {"result": calls[0].upper()}


def test_denied_permission(fresh_llmock, sdk_env):
    calls = []
    tool = define_tool("encrypt_string", description="Encrypts a string",
                       handler=lambda params, inv: calls.append(params) or "x", params_type=Secret)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=lambda request, invocation: PermissionDecisionReject(feedback="not allowed"),
                model="gpt-4o-mini", provider=provider(fresh_llmock), tools=[tool], available_tools=ONLY_APP_TOOLS)
            events = []
            session.on(lambda e: events.append(e))
            await session.send_and_wait("Encrypt something", timeout=30)
            await session.disconnect()
            return events

    events = run(main())
    assert calls == []
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and not done[0].data.success
    assert "The user rejected this tool call." in done[0].data.error.message
    assert len(chat_calls(fresh_llmock)) == 1, "a rejection ends the turn"


def test_pre_tool_use_hook_denies(fresh_llmock, sdk_env):
    seen = []
    calls = []
    tool = define_tool("encrypt_string", description="Encrypts a string",
                       handler=lambda params, inv: calls.append(params) or "x", params_type=Secret)

    def pre_tool_use(input, invocation):
        seen.append(input)
        return {"permissionDecision": "deny", "permissionDecisionReason": "blocked by policy"}

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider=provider(fresh_llmock), tools=[tool], available_tools=ONLY_APP_TOOLS, hooks={"on_pre_tool_use": pre_tool_use})
            await session.send_and_wait("Encrypt something", timeout=30)
            await session.disconnect()

    run(main())
    assert calls == []
    assert seen and seen[0]["toolName"] == "encrypt_string"
    tool_messages = [m for m in chat_calls(fresh_llmock)[1]["body"]["messages"] if m["role"] == "tool"]
    assert "blocked by policy" in tool_messages[0]["content"]


def test_on_list_models_never_asks_the_server(sdk_env):
    from copilot.client import ModelCapabilities, ModelInfo, ModelLimits, ModelSupports

    def models():
        return [ModelInfo(id="local", name="Local", capabilities=ModelCapabilities(
            supports=ModelSupports(vision=False, reasoning_effort=False),
            limits=ModelLimits(max_context_window_tokens=8192)))]

    async def main():
        client = CopilotClient(on_list_models=models)
        await client.start()
        first = await client.list_models()
        second = await client.list_models()
        await client.stop()
        return first, second

    first, second = run(main())
    assert [m.id for m in first] == ["local"] and [m.id for m in second] == ["local"]


def test_abort_mid_stream(fresh_llmock, sdk_env):
    fresh_llmock.scenario([{"type": "slow_first_token", "seconds": 5}])

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider=provider(fresh_llmock), streaming=True)
            events = []
            idle = asyncio.Event()

            def on_event(event):
                events.append(event)
                if event.type.value == "session.idle":
                    idle.set()

            session.on(on_event)
            await session.send("Tell me a long story")
            while not any(e.type.value == "assistant.turn_start" for e in events):
                await asyncio.sleep(0.05)
            await session.abort()
            await idle.wait()
            after = await session.send_and_wait("Are you there?", timeout=30)
            await session.disconnect()
            return events, after

    events, after = run(main())
    types = [e.type.value for e in events]
    first_idle = types.index("session.idle")
    assert types[first_idle - 1] == "abort"
    assert events[first_idle].data.aborted is True
    assert after is not None and after.data.content


def start_server(cli_binary, *arguments, env=None):
    """`copilot-swift server --port 0` with a connection token and extra arguments; returns (process, port)."""
    env = dict(env or os.environ, COPILOT_CONNECTION_TOKEN="interop-token-123")
    process = subprocess.Popen([str(cli_binary), "server", "--port", "0", *arguments], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=env, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on port (\d+)", line)
    assert match, f"unexpected banner: {line!r}"
    return process, int(match.group(1))


@pytest.fixture()
def tcp_server(cli_binary, tmp_path):
    """`copilot-swift server --port 0` with a connection token, as a long-running shared runtime."""
    process, port = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "copilot-home")))
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_resume_after_a_client_restart(fresh_llmock, tcp_server):
    async def first_client():
        client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{tcp_server}", connection_token="interop-token-123"))
        await client.start()
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
        await session.send_and_wait("Remember the word pineapple.", timeout=30)
        session_id = session.session_id
        await session.disconnect()
        await client.stop()
        return session_id

    async def second_client(session_id):
        client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{tcp_server}", connection_token="interop-token-123"))
        await client.start()
        session = await client.resume_session(session_id, on_permission_request=PermissionHandler.approve_all)
        reply = await session.send_and_wait("What was the word?", timeout=30)
        await session.disconnect()
        await client.stop()
        return reply

    session_id = run(first_client())
    reply = run(second_client(session_id))
    assert reply is not None and reply.data.content
    messages = chat_calls(fresh_llmock)[-1]["body"]["messages"]
    users = [m["content"] for m in messages if m["role"] == "user"]
    assert users == ["Remember the word pineapple.", "What was the word?"]


def test_wrong_connection_token_is_refused(tcp_server):
    async def main():
        client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{tcp_server}", connection_token="wrong"))
        try:
            await client.start()
        finally:
            try:
                await client.force_stop()
            except Exception:
                pass

    with pytest.raises(Exception, match="AUTHENTICATION_FAILED"):
        run(main())


def test_sdk_spawned_tcp(fresh_llmock, cli_binary):
    async def main():
        client = CopilotClient(connection=RuntimeConnection.for_tcp(path=str(cli_binary), port=0))
        await client.start()
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
        reply = await session.send_and_wait("Hello over TCP", timeout=30)
        await session.disconnect()
        await client.stop()
        return reply

    reply = run(main())
    assert reply is not None and reply.data.content


def test_bearer_token_provider_is_asked_before_every_model_call(fresh_llmock, sdk_env):
    asked = []

    def tokens(args):
        asked.append(args["provider_name"])
        return f"entra-token-{len(asked)}"

    tool = define_tool("encrypt_string", description="Encrypts a string",
                       handler=lambda params, inv: params.text.upper(), params_type=Secret)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", tools=[tool], available_tools=ONLY_APP_TOOLS,
                provider={"type": "openai", "base_url": f"{fresh_llmock.base}/v1", "bearer_token_provider": tokens})
            reply = await session.send_and_wait("Encrypt something", timeout=30)
            await session.disconnect()
            return reply

    reply = run(main())
    assert reply is not None and reply.data.content
    assert len(chat_calls(fresh_llmock)) == 2
    assert asked == ["default", "default"]


def test_ask_user_reaches_the_sdk_handler(fresh_llmock, sdk_env):
    questions = []

    def on_user_input(request, invocation):
        questions.append(request)
        return {"answer": "blue", "wasFreeform": True}

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider=provider(fresh_llmock), on_user_input_request=on_user_input)
            reply = await session.send_and_wait("Ask me my favourite colour", timeout=30)
            await session.disconnect()
            return reply

    reply = run(main())
    assert reply is not None
    assert len(questions) == 1 and questions[0]["question"]
    calls = chat_calls(fresh_llmock)
    assert "ask_user" in [t["function"]["name"] for t in calls[0]["body"]["tools"]]
    tool_messages = [m for m in calls[1]["body"]["messages"] if m["role"] == "tool"]
    assert tool_messages[0]["content"] == "User responded: blue"


def test_sessions_outlive_the_server_process(fresh_llmock, sdk_env):
    """stdio: each client spawns its own server; the second finds the first one's session on disk."""
    async def first():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
            await session.send_and_wait("Remember the word mango.", timeout=30)
            await session.disconnect()
            return session.session_id

    async def second(session_id):
        async with CopilotClient() as client:
            listed = [s.session_id for s in await client.list_sessions()]
            last = await client.get_last_session_id()
            session = await client.resume_session(
                session_id, on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
            reply = await session.send_and_wait("What was the word?", timeout=30)
            history = [e.type.value for e in await session.get_events()]
            await session.disconnect()
            await client.delete_session(session_id)
            after = [s.session_id for s in await client.list_sessions()]
            return listed, last, reply, history, after

    session_id = run(first())
    listed, last, reply, history, after = run(second(session_id))
    assert session_id in listed and last == session_id
    assert reply is not None and reply.data.content
    assert history.count("user.message") == 2 and "session.resume" in history
    users = [m["content"] for m in chat_calls(fresh_llmock)[-1]["body"]["messages"] if m["role"] == "user"]
    assert users == ["Remember the word mango.", "What was the word?"]
    assert session_id not in after



@pytest.mark.skipif(not os.environ.get("COPILOT_TEST_POSTGRES_URL"), reason="needs COPILOT_TEST_POSTGRES_URL (scripts/test.sh)")
def test_session_moves_between_servers_sharing_postgres(fresh_llmock, cli_binary):
    """The official SDK creates a session through server A and continues it through server B."""
    base = os.environ["COPILOT_TEST_POSTGRES_URL"]
    url = base + ("&" if "?" in base else "?") + "schema=copilot_interop"
    server_a, port_a = start_server(cli_binary, "--store", url)
    server_b, port_b = start_server(cli_binary, "--store", url)

    async def main():
        client_a = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port_a}", connection_token="interop-token-123"))
        client_b = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port_b}", connection_token="interop-token-123"))
        await client_a.start()
        await client_b.start()
        session = await client_a.create_session(
            on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
        await session.send_and_wait("Remember the word pineapple.", timeout=30)
        session_id = session.session_id
        await session.disconnect()

        listed = [s.session_id for s in await client_b.list_sessions()]
        resumed = await client_b.resume_session(
            session_id, on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock))
        reply = await resumed.send_and_wait("What was the word?", timeout=30)
        history = [event.type.value for event in await resumed.get_events()]
        await resumed.disconnect()
        await client_b.delete_session(session_id)
        remaining = [s.session_id for s in await client_a.list_sessions()]
        await client_a.stop()
        await client_b.stop()
        return session_id, listed, reply, history, remaining

    try:
        session_id, listed, reply, history, remaining = run(main())
    finally:
        for process in (server_a, server_b):
            process.terminate()
            process.wait(timeout=10)
    assert session_id in listed
    assert session_id not in remaining, "deleted through B, gone for A too"
    assert reply is not None and reply.data.content
    assert history.count("user.message") == 2 and "session.resume" in history
    messages = chat_calls(fresh_llmock)[-1]["body"]["messages"]
    users = [m["content"] for m in messages if m["role"] == "user"]
    assert users == ["Remember the word pineapple.", "What was the word?"]


def test_sigterm_tells_connected_clients_abort_and_idle(fresh_llmock, cli_binary, tmp_path):
    """A server stopped with SIGTERM mid-answer ends the message first: the official SDK sees
    `abort` and `session.idle` before the connection closes, and the server exits cleanly."""
    fresh_llmock.scenario([{"type": "slow_first_token", "seconds": 30, "times": None}])
    process, port = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home")))
    try:
        async def main():
            client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123"))
            await client.start()
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                streaming=True)
            types = []
            calling = asyncio.Event()
            idle = asyncio.Event()

            def on_event(event):
                types.append(event.type.value)
                if event.type.value == "assistant.turn_start":
                    calling.set()
                if event.type.value == "session.idle":
                    idle.set()

            session.on(on_event)
            await session.send("Take your time")
            # The model call is under way (llmock holds its first token for 30 s).
            await asyncio.wait_for(calling.wait(), timeout=10)
            await asyncio.sleep(0.5)
            process.terminate()
            await asyncio.wait_for(idle.wait(), timeout=10)
            try:
                await client.force_stop()
            except Exception:
                pass
            return types

        types = run(main())
        assert "abort" in types and types.index("abort") < types.index("session.idle")
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
