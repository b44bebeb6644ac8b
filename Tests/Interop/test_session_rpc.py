"""The official Python SDK's typed session RPCs (github-copilot-sdk 1.0.27, unmodified) against
`copilot-swift`: mode, plan, workspace files, name, event log, usage, approve-all and shutdown,
with the events each change announces."""
import asyncio
import time

import pytest

from copilot import CopilotClient, RuntimeConnection
from copilot.rpc import (
    EventLogReadRequest,
    ModeSetRequest,
    NameSetRequest,
    PermissionsSetApproveAllRequest,
    PlanUpdateRequest,
    ShutdownRequest,
    WorkspacesCreateFileRequest,
    WorkspacesReadFileRequest,
)
from copilot.session import PermissionHandler
from copilot.session_events import SessionMode

from test_python_sdk import chat_calls, provider, run, sdk_env  # noqa: F401  (sdk_env is a fixture)


def test_session_state_methods(fresh_llmock, sdk_env, tmp_path):
    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["custom:*"])
            seen = []
            session.on(lambda event: seen.append(event))
            rpc = session.rpc

            assert await rpc.mode.get() == SessionMode.INTERACTIVE
            await rpc.mode.set(ModeSetRequest(mode=SessionMode.PLAN))
            assert await rpc.mode.get() == SessionMode.PLAN

            assert (await rpc.plan.read()).exists is False
            await rpc.plan.update(PlanUpdateRequest(content="# Plan\n- one"))
            await rpc.plan.update(PlanUpdateRequest(content="# Plan\n- one\n- two"))
            plan = await rpc.plan.read()
            assert plan.exists and plan.content == "# Plan\n- one\n- two"
            await rpc.plan.delete()
            assert (await rpc.plan.read()).exists is False

            assert (await rpc.workspaces.list_files()).files == []
            await rpc.workspaces.create_file(WorkspacesCreateFileRequest(path="notes/a.txt", content="v1"))
            await rpc.workspaces.create_file(WorkspacesCreateFileRequest(path="notes/a.txt", content="v2"))
            assert (await rpc.workspaces.list_files()).files == ["notes/a.txt"]
            assert (await rpc.workspaces.read_file(WorkspacesReadFileRequest(path="notes/a.txt"))).content == "v2"
            for escape in ["../outside.txt", "notes/../../outside.txt", "/etc/passwd"]:
                with pytest.raises(Exception) as refused:
                    await rpc.workspaces.create_file(WorkspacesCreateFileRequest(path=escape, content="x"))
                assert "workspace files directory" in str(refused.value).lower()
            assert not (tmp_path.parent / "outside.txt").exists()

            with pytest.raises(Exception) as empty:
                await rpc.name.set(NameSetRequest(name="   "))
            assert "empty" in str(empty.value).lower()
            await rpc.name.set(NameSetRequest(name="Quarterly report"))
            assert (await rpc.name.get()).name == "Quarterly report"

            tail = await rpc.event_log.tail()
            waiting = asyncio.create_task(rpc.event_log.read(EventLogReadRequest(
                cursor=tail.cursor, max=10, wait_ms=5000, types=["session.title_changed"])))
            await asyncio.sleep(0.2)
            await rpc.name.set(NameSetRequest(name="Renamed"))
            woken = await asyncio.wait_for(waiting, 10)
            assert [event.data.title for event in woken.events] == ["Renamed"]

            await rpc.permissions.set_approve_all(PermissionsSetApproveAllRequest(enabled=True))
            reply = await session.send_and_wait("Hello", timeout=30)
            assert reply is not None and reply.data.content
            metrics = await rpc.usage.get_metrics()
            assert sum(metric.requests.count for metric in metrics.model_metrics.values()) == 1
            assert metrics.total_user_requests == 1

            await rpc.shutdown(ShutdownRequest())
            await asyncio.sleep(0.3)
            return seen

    seen = run(main())
    types = [event.type.value for event in seen]
    assert [e.data.new_mode for e in seen if e.type.value == "session.mode_changed"] == [SessionMode.PLAN]
    assert [e.data.operation.value for e in seen if e.type.value == "session.plan_changed"] == ["create", "update", "delete"]
    assert [e.data.operation.value for e in seen if e.type.value == "session.workspace_file_changed"] == ["create", "update"]
    assert [e.data.title for e in seen if e.type.value == "session.title_changed"] == ["Quarterly report", "Renamed"]
    assert "session.usage_info" in types and "pending_messages.modified" in types
    shutdown = [e for e in seen if e.type.value == "session.shutdown"]
    assert len(shutdown) == 1 and shutdown[0].data.shutdown_type.value == "routine"
    assert len(chat_calls(fresh_llmock)) == 1


def test_fork(fresh_llmock, sdk_env, tmp_path):
    from copilot.rpc import SessionsForkRequest

    async def main():
        async with CopilotClient() as client:
            config = dict(on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                          working_directory=str(tmp_path), available_tools=["custom:*"])
            source = await client.create_session(**config)
            await source.send_and_wait("First question", timeout=30)
            await source.send_and_wait("Second question", timeout=30)
            events = await source.get_events()
            second = [e for e in events if e.type.value == "user.message"][1]
            with pytest.raises(Exception) as unknown:
                await client.rpc.sessions.fork(SessionsForkRequest(session_id=source.session_id, to_event_id="00000000-0000-4000-8000-000000000000"))
            assert "event 00000000-0000-4000-8000-000000000000 not found" in str(unknown.value).lower()
            fork = await client.rpc.sessions.fork(SessionsForkRequest(session_id=source.session_id, to_event_id=str(second.id)))
            assert fork.session_id and fork.session_id != source.session_id
            resumed = await client.resume_session(fork.session_id, **config)
            forked = await resumed.get_events()
            prompts = [e.data.content for e in forked if e.type.value == "user.message"]
            await resumed.send_and_wait("Third question", timeout=30)
            after = [e.data.content for e in await source.get_events() if e.type.value == "user.message"]
            return prompts, after, [str(e.id) for e in forked]

    prompts, source_prompts, forked_ids = run(main())
    assert prompts == ["First question"], "the fork ends before the boundary event"
    assert source_prompts == ["First question", "Second question"], "the source does not see the fork's turns"
    last = chat_calls(fresh_llmock)[-1]["body"]["messages"]
    assert [m["content"] for m in last if m["role"] == "user"][-2:] == ["First question", "Third question"]


def test_request_handler_carries_model_calls(fresh_llmock, sdk_env, tmp_path):
    """The SDK's `request_handler` (llmInference.setProvider): the runtime hands each model request to
    the client, whose default handler sends it on with httpx, here to llmock. The model is a named
    provider's (`provider/id`), whose bearer token comes from the client's callback for each request."""
    from copilot import CopilotRequestHandler

    class Recording(CopilotRequestHandler):
        def __init__(self):
            self.seen = []

        async def send_request(self, request, ctx):
            self.seen.append((str(request.url), request.headers.get("authorization"), ctx.session_id))
            return await super().send_request(request, ctx)

    handler = Recording()
    tokens = []

    async def token(args):
        tokens.append(args["provider_name"])
        return f"tok-{len(tokens)}"

    async def main():
        async with CopilotClient(request_handler=handler) as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="mock/mini", working_directory=str(tmp_path),
                available_tools=["custom:*"],
                providers=[{"name": "mock", "type": "openai", "base_url": f"{fresh_llmock.base}/v1", "bearer_token_provider": token}],
                models=[{"id": "mini", "provider": "mock", "wire_model": "gpt-4o-mini"}])
            first = await session.send_and_wait("Hello", timeout=30)
            second = await session.send_and_wait("Again", timeout=30)
            return session.session_id, first.data.content, second.data.content

    session_id, first, second = run(main())
    assert first and second
    url = f"{fresh_llmock.base}/v1/chat/completions"
    assert handler.seen == [(url, "Bearer tok-1", session_id), (url, "Bearer tok-2", session_id)]
    assert tokens == ["mock", "mock"]
    calls = chat_calls(fresh_llmock)
    assert [call["body"]["model"] for call in calls] == ["gpt-4o-mini", "gpt-4o-mini"]


def test_a_silent_request_handler_is_bounded_by_the_idle_timeout(fresh_llmock, sdk_env, cli_binary, tmp_path):
    """A client that takes the model calls (`request_handler`) and never answers holds a turn only as
    long as `--idle-timeout` allows for each attempt, as a silent provider would (it held 3 × 120 s)."""
    from copilot import CopilotRequestHandler

    class Silent(CopilotRequestHandler):
        async def send_request(self, request, ctx):
            await asyncio.sleep(3600)

    async def main():
        connection = RuntimeConnection.for_stdio(path=str(cli_binary), args=["--idle-timeout", "1"])
        async with CopilotClient(connection=connection, request_handler=Silent()) as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["custom:*"])
            started = time.monotonic()
            with pytest.raises(Exception) as failed:
                await session.send_and_wait("Hello", timeout=120)
            return time.monotonic() - started, str(failed.value)

    elapsed, error = run(main(), timeout=150)
    assert elapsed < 30, f"the turn was held {elapsed:.0f} s"
    assert "sent no response head within" in error or "sent nothing for" in error, error
