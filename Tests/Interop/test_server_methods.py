"""The official Python SDK (github-copilot-sdk 1.0.27, unmodified) calling the methods its generated client
has beyond sessions and turns, against `copilot-swift` with llmock as the provider: the default provider's
models, resume on the default provider, a provider without a model, named providers added at run time,
the session's queue, tools, context and visibility, secrets kept out of the session log, and the
unavailable-feature error for what needs GitHub (remote sessions, the Copilot CLI's settings)."""
import asyncio
import json
from pathlib import Path

import pytest

from copilot import CopilotClient, RuntimeConnection
from copilot.generated.rpc import (
    ProviderType,
    CompletionsRequestRequest,
    ConnectRemoteSessionParams,
    ModelsListRequest,
    ModelSwitchToRequest,
    NamedProviderConfig,
    ProviderAddRequest,
    ProviderModelConfig,
    SecretsAddFilterValuesRequest,
    SessionsOpenResume,
    SessionsOpenResumeLast,
    SessionsOpenStatus,
    SessionsSaveRequest,
    SessionVisibilityStatus,
    ToolsListRequest,
    VisibilitySetRequest,
)
from copilot.session import PermissionHandler

from test_python_sdk import ONLY_APP_TOOLS, provider, run, sdk_env  # noqa: F401  (sdk_env is a fixture)


def with_default_provider(cli_binary, mock, *extra):
    """A client whose runtime has a default provider (`copilot-swift --base-url …`), as an app passes it through `args`."""
    return CopilotClient(connection=RuntimeConnection.for_stdio(
        path=str(cli_binary), args=["--base-url", f"{mock.base}/v1", *extra]))


def posts(mock):
    return [r["path"] for r in mock.requests() if r["method"] == "POST"]


def test_models_list_lists_the_default_providers_models(fresh_llmock, sdk_env, cli_binary):
    async def main():
        async with with_default_provider(cli_binary, fresh_llmock) as client:
            listed = await client.rpc.models.list(ModelsListRequest())
            return [model.id for model in listed.models], [model.id for model in await client.list_models()]

    raw, through_sdk = run(main())
    served = [entry["id"] for entry in fresh_llmock.call("GET", "/v1/models")["data"]]
    assert served and raw == served and through_sdk == served


def test_models_list_without_a_default_provider_is_empty(fresh_llmock, sdk_env):
    async def main():
        async with CopilotClient() as client:
            return (await client.rpc.models.list(ModelsListRequest())).models

    assert run(main()) == []


def test_resume_on_the_default_provider_keeps_its_wire_api(fresh_llmock, sdk_env, cli_binary):
    async def main():
        async with with_default_provider(cli_binary, fresh_llmock, "--wire-api", "responses", "--model", "gpt-4o-mini") as client:
            session = await client.create_session(on_permission_request=PermissionHandler.approve_all, available_tools=ONLY_APP_TOOLS)
            first = await session.send_and_wait("What is 2+2?")
            session_id = session.session_id
            await session.disconnect()
            resumed = await client.resume_session(session_id, on_permission_request=PermissionHandler.approve_all,
                                                  available_tools=ONLY_APP_TOOLS)
            second = await resumed.send_and_wait("And 3+3?")
            await resumed.disconnect()
            return first, second

    first, second = run(main())
    assert first.data.content and second.data.content
    paths = posts(fresh_llmock)
    assert len(paths) == 2 and all(path.endswith("/responses") for path in paths), paths
    # The resumed turn carries the first exchange.
    body = fresh_llmock.requests()[-1]["body"]
    assert "What is 2+2?" in json.dumps(body["input"])


def test_a_provider_without_a_model_opens_and_asks_for_a_model(fresh_llmock, sdk_env):
    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(on_permission_request=PermissionHandler.approve_all,
                                                  provider=provider(fresh_llmock), available_tools=ONLY_APP_TOOLS)
            assert session.session_id
            endpoint = await session.rpc.provider.get_endpoint()
            assert endpoint.base_url == f"{fresh_llmock.base}/v1"
            with pytest.raises(Exception) as refused:
                await session.send_and_wait("What is 2+2?")
            nothing_sent = posts(fresh_llmock)
            await session.rpc.model.switch_to(ModelSwitchToRequest(model_id="gpt-4o-mini"))
            answer = await session.send_and_wait("What is 2+2?")
            await session.disconnect()
            return str(refused.value), nothing_sent, answer

    refusal, nothing_sent, answer = run(main())
    assert "Model required when a custom provider is set" in refusal
    assert nothing_sent == []
    assert answer.data.content
    assert fresh_llmock.requests()[-1]["body"]["model"] == "gpt-4o-mini"


def test_named_provider_added_at_run_time_carries_the_calls(fresh_llmock, sdk_env):
    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                                                  provider=provider(fresh_llmock), available_tools=ONLY_APP_TOOLS)
            added = await session.rpc.provider.add(ProviderAddRequest(
                providers=[NamedProviderConfig(name="second", base_url=f"{fresh_llmock.base}/v1", type=ProviderType.OPENAI,
                                               api_key="sk-second-provider", headers={"X-Which": "second-provider"})],
                models=[ProviderModelConfig(id="small", provider="second", name="Second Small", wire_model="gpt-4o")]))
            with pytest.raises(Exception) as unknown:
                await session.rpc.provider.add(ProviderAddRequest(models=[ProviderModelConfig(id="x", provider="nobody")]))
            listed = await session.rpc.model.list()
            assert [entry["id"] for entry in listed.list] == ["gpt-4o-mini", "second/small"]
            await session.rpc.model.switch_to(ModelSwitchToRequest(model_id="second/small"))
            current = await session.rpc.model.get_current()
            answer = await session.send_and_wait("What is 2+2?")
            assert fresh_llmock.requests()[-1]["body"]["model"] == "gpt-4o"
            endpoint = await session.rpc.provider.get_endpoint()
            # Back to the session's own model: its own provider again.
            await session.rpc.model.switch_to(ModelSwitchToRequest(model_id="gpt-4o-mini"))
            await session.send_and_wait("And 3+3?")
            assert fresh_llmock.requests()[-1]["body"]["model"] == "gpt-4o-mini"
            assert (await session.rpc.provider.get_endpoint()).api_key == "sk-interop-test"
            await session.disconnect()
            return added, str(unknown.value), current, answer, endpoint

    added, unknown, current, answer, endpoint = run(main())
    assert len(added.models) == 1
    listed = json.dumps(added.models[0])
    assert "second/small" in listed and "Second Small" in listed
    assert "nobody" in unknown
    assert current.model_id == "second/small" and answer.data.content
    # The call went out under the added model's wire name, and the session's endpoint was the added provider.
    assert endpoint.headers.get("X-Which") == "second-provider" and endpoint.api_key == "sk-second-provider"


def test_session_introspection_methods(fresh_llmock, sdk_env, tmp_path):
    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                                                  provider=provider(fresh_llmock), working_directory=str(tmp_path))
            rpc = session.rpc
            empty = await rpc.queue.pending_items()
            await session.send_and_wait("What is 2+2?")
            tools = await rpc.tools.get_current_metadata()
            attribution = await rpc.metadata.get_context_attribution()
            visibility = await rpc.visibility.get()
            shared = await rpc.visibility.set(VisibilitySetRequest(status=SessionVisibilityStatus.REPO))
            triggers = await rpc.completions.get_trigger_characters()
            assert triggers.trigger_characters == []
            completions = await rpc.completions.request(CompletionsRequestRequest(text="Use @", offset=5))
            rewind = await rpc.history.list_rewind_points()
            await session.disconnect()
            return empty, tools, attribution, visibility, shared, completions, rewind

    empty, tools, attribution, visibility, shared, completions, rewind = run(main())
    assert empty.items == [] and empty.steering_messages == []
    names = [tool.name for tool in tools.tools]
    assert "bash" in names and "view" in names and all(tool.description is not None for tool in tools.tools)
    context = attribution.context_attribution
    assert context is not None and context.total_tokens > 0 and context.entries
    assert context.categories.messages > 0 and context.categories.system_tools > 0
    assert all(entry.id.strip() and entry.kind.strip() and entry.label.strip() and entry.tokens >= 0 for entry in context.entries)
    for answer in (visibility, shared):
        assert answer.synced is False and answer.status is None and answer.share_url is None
    assert completions.items == []
    assert rewind.file_change_tracking_enabled is False and rewind.points == [] and rewind.unavailable_reason is not None


def test_server_methods(fresh_llmock, sdk_env, tmp_path):
    secret = "sk-filtered-value-0123456789"

    async def main():
        async with CopilotClient() as client:
            tools = await client.rpc.tools.list(ToolsListRequest())
            nothing = await client.rpc.sessions.open(SessionsOpenResumeLast())
            unknown = await client.rpc.sessions.open(SessionsOpenResume(session_id="no-such-session"))
            assert unknown.status == SessionsOpenStatus.NOT_FOUND and unknown.session_id is None
            filtered = await client.rpc.secrets.add_filter_values(SecretsAddFilterValuesRequest(values=[secret]))
            session = await client.create_session(on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                                                  provider=provider(fresh_llmock), available_tools=ONLY_APP_TOOLS,
                                                  working_directory=str(tmp_path))
            await session.send_and_wait(f"Remember {secret} for me.")
            saved = await client.rpc.sessions.save(SessionsSaveRequest(session_id=session.session_id))
            session_id = session.session_id
            await session.disconnect()
            reopened = await client.rpc.sessions.open(SessionsOpenResumeLast())
            with pytest.raises(Exception) as remote:
                await client.rpc.sessions.connect(ConnectRemoteSessionParams(session_id="remote-1234"))
            with pytest.raises(Exception) as settings:
                await client.rpc.user.settings.get()
            return tools, nothing, filtered, saved, session_id, reopened, str(remote.value), str(settings.value)

    tools, nothing, filtered, saved, session_id, reopened, remote, settings = run(main())
    assert tools.tools and all(tool.name.strip() and tool.description for tool in tools.tools)
    assert nothing.status == SessionsOpenStatus.NOT_FOUND and nothing.session_id is None
    assert filtered.ok is True and saved is not None
    assert reopened.status == SessionsOpenStatus.RESUMED and reopened.session_id == session_id
    for error, method in ((remote, "sessions.connect"), (settings, "user.settings.get")):
        assert "Unhandled method" not in error and "-32601" not in error and "Not available" in error, error
    assert "remote-1234" in remote
    # The prompt reached the model as written, but the session's log has the value filtered out.
    log = next(Path(sdk_home()).rglob(f"{session_id}*/events.jsonl"), None) or next(Path(sdk_home()).rglob("events.jsonl"))
    stored = log.read_text()
    assert secret not in stored and "<redacted>" in stored
    assert secret in json.dumps(fresh_llmock.requests()[-1]["body"])


def sdk_home():
    import os
    return os.environ["COPILOT_SWIFT_HOME"]


def test_permission_flags_answer_before_the_handler(fresh_llmock, sdk_env, cli_binary, tmp_path):
    """`--deny-tool shell` (as an app passes the Copilot CLI's flags through `args`) refuses the shell
    command llmock asks for, even though the app's handler approves everything; the handler is not asked."""
    async def main():
        client = CopilotClient(connection=RuntimeConnection.for_stdio(path=str(cli_binary), args=["--deny-tool", "shell", "--yolo"]))
        async with client:
            asked = []

            def handler(request, invocation):
                asked.append(request)
                return PermissionHandler.approve_all(request, invocation)

            session = await client.create_session(on_permission_request=handler, model="gpt-4o-mini",
                                                  provider=provider(fresh_llmock), working_directory=str(tmp_path),
                                                  available_tools=["bash"])
            events = []
            session.on(events.append)
            await session.send_and_wait("List the files.")
            await session.disconnect()
            return asked, events

    asked, events = run(main())
    completions = [event for event in events if event.type.value == "tool.execution_complete"]
    assert asked == [] and completions, [event.type.value for event in events]
    started = [event.data.tool_name for event in events if event.type.value == "tool.execution_start"]
    assert started[0] == "bash", started
    assert completions[0].data.success is False and "shell" in json.dumps(completions[0].data.to_dict()), completions[0]
