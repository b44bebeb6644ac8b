"""MCP servers through `copilot-swift server`, driven by the official Python SDK 1.0.27 (`mcp_servers`), with
an MCP server on the official Python `mcp` package (mcp_server.py) and llmock as the model.

llmock calls the offered tool that best matches the conversation, with arguments made from its schema,
so the session runs end to end: the server's tool answers, its result reaches the model and the app,
the `tools` filter decides what the model is offered, and the server ends with the session."""
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copilot import CopilotClient
from copilot.session import PermissionHandler

from test_client_gone import alive
from test_python_sdk import chat_calls, provider, run, sdk_env  # noqa: F401 (fixture)

SERVER = str(Path(__file__).with_name("mcp_server.py"))


@pytest.fixture
def http_mcp_server():
    """mcp_server.py serving Streamable HTTP on a free loopback port; killed afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, SERVER, "http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the HTTP MCP server did not start")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()


def offered(call):
    return [tool["function"]["name"] for tool in call["body"].get("tools", [])]


def test_stdio_server_tool_through_the_official_sdk(fresh_llmock, sdk_env, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-runtime-only-7788")
    folder = tmp_path / "server-folder"
    folder.mkdir()
    asked = []

    def permission(request, invocation):
        asked.append(request)
        return PermissionHandler.approve_all(request, invocation)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=permission, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["mcp:*"],
                mcp_servers={"test": {
                    "command": sys.executable, "args": [SERVER], "env": {"MCP_TEST_VALUE": "through-the-sdk"},
                    "working_directory": str(folder), "tools": ["describe_process", "nap"], "timeout": 60000,
                }})
            events = []
            session.on(lambda event: events.append(event))
            reply = await session.send_and_wait("Describe the server process and its working directory", timeout=90)
            await session.disconnect()
            return reply, events

    reply, events = run(main(), timeout=120)
    assert reply is not None and reply.data.content
    calls = chat_calls(fresh_llmock)
    assert offered(calls[0]) == ["test-describe_process", "test-nap"]
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success, done
    text = done[0].data.result.content
    assert f"cwd={folder}" in text, text
    tool_messages = [m for m in calls[1]["body"]["messages"] if m["role"] == "tool"]
    assert tool_messages[0]["content"] == text
    assert [getattr(r.kind, "value", r.kind) for r in asked] == ["mcp"]
    assert (asked[0].server_name, asked[0].tool_name, asked[0].read_only) == ("test", "describe_process", False)
    pid = int(next(part for part in text.split() if part.startswith("pid="))[4:])
    assert not alive(pid), "the MCP server outlived its session"


def test_env_reaches_the_server_but_not_the_runtime_keys(fresh_llmock, sdk_env, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-runtime-only-7788")
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "test-describe_process", "arguments": {"names": ["MCP_TEST_VALUE", "OPENAI_API_KEY"]}}]}])

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["mcp:*"],
                mcp_servers={"test": {"command": sys.executable, "args": [SERVER], "env": {"MCP_TEST_VALUE": "through-the-sdk"}}})
            events = []
            session.on(lambda event: events.append(event))
            await session.send_and_wait("Describe the server process", timeout=90)
            await session.disconnect()
            return events

    events = run(main(), timeout=120)
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success, done
    text = done[0].data.result.content
    assert "MCP_TEST_VALUE=through-the-sdk" in text and "OPENAI_API_KEY=<unset>" in text, text


def test_run_with_mcp_config(fresh_llmock, cli, tmp_path):
    """`copilot-swift run --mcp-config FILE`: the file's server is started, its tool answers the model."""
    import json
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"test": {
        "command": sys.executable, "args": [SERVER], "env": {"MCP_TEST_VALUE": "from-the-file"}, "tools": ["describe_process"]}}}))
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "test-describe_process", "arguments": {"names": ["MCP_TEST_VALUE"]}}]}])
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--yes", "--events", "jsonl",
                 "--mcp-config", str(config), "Describe the server process", timeout=120)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    done = [e for e in events if e["type"] == "tool.execution_complete"]
    assert done and done[0]["data"]["success"], done
    assert "MCP_TEST_VALUE=from-the-file" in done[0]["data"]["result"]["content"]
    assert offered(chat_calls(fresh_llmock)[0]) == ["test-describe_process"]

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"mcpServers": {"x": {"type": "http"}}}))
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--mcp-config", str(broken), "Hi")
    assert result.returncode != 0 and "MCP server `x` needs a `url`" in result.stderr


def test_http_server_tool_through_the_official_sdk(fresh_llmock, sdk_env, tmp_path, http_mcp_server):
    """A Streamable HTTP server (`type: "http"`): its tool answers the model; the `tools` filter applies."""
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "web-forecast", "arguments": {"city": "Porto"}}]}])

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["mcp:*"],
                mcp_servers={"web": {"type": "http", "url": http_mcp_server, "tools": ["forecast", "failing"], "timeout": 60000}})
            events = []
            session.on(lambda event: events.append(event))
            await session.send_and_wait("What is the forecast for Porto?", timeout=90)
            await session.disconnect()
            return events

    events = run(main(), timeout=120)
    assert sorted(offered(chat_calls(fresh_llmock)[0])) == ["web-failing", "web-forecast"]
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success, done
    assert '"city": "Porto"' in done[0].data.result.content, done[0].data.result.content


def test_run_with_an_http_server_in_the_mcp_config(fresh_llmock, cli, tmp_path, http_mcp_server):
    """`copilot-swift run --mcp-config FILE` with a `type: "http"` server."""
    import json
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"web": {"type": "http", "url": http_mcp_server, "tools": ["forecast"]}}}))
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "web-forecast", "arguments": {"city": "Oslo"}}]}])
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--yes", "--events", "jsonl",
                 "--mcp-config", str(config), "Forecast for Oslo", timeout=120)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    done = [e for e in events if e["type"] == "tool.execution_complete"]
    assert done and done[0]["data"]["success"], done
    assert '"city": "Oslo"' in done[0]["data"]["result"]["content"]
    assert offered(chat_calls(fresh_llmock)[0]) == ["web-forecast"]


def test_session_mcp_host_operations(fresh_llmock, sdk_env, tmp_path, monkeypatch):
    """disable/enable/reload, the indirect env value mode, and the user's servers (`mcp.config.*`)
    reaching the next session, through the official SDK's generated RPC methods."""
    from copilot.rpc import (MCPConfigAddRequest, MCPConfigRemoveRequest, MCPDisableRequest, MCPEnableRequest,
                             MCPSerializableServerConfig, MCPSetEnvValueModeDetails, MCPSetEnvValueModeParams)
    monkeypatch.setenv("HOST_SIDE_VALUE", "read-from-the-runtime-env")
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "test-describe_process", "arguments": {"names": ["MCP_TEST_VALUE"]}}]}])

    async def status(session, name):
        servers = (await session.rpc.mcp.list()).servers
        return next((getattr(s.status, "value", s.status) for s in servers if s.name == name), None)

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["mcp:*"],
                mcp_servers={"test": {"command": sys.executable, "args": [SERVER], "env": {"MCP_TEST_VALUE": "HOST_SIDE_VALUE"}}})
            await session.rpc.mcp.disable(MCPDisableRequest(server_name="test"))
            disabled = await status(session, "test")
            await session.rpc.mcp.enable(MCPEnableRequest(server_name="test"))
            mode = await session.rpc.mcp.set_env_value_mode(MCPSetEnvValueModeParams(mode=MCPSetEnvValueModeDetails.INDIRECT))
            await session.rpc.mcp.reload()
            events = []
            session.on(lambda event: events.append(event))
            await session.send_and_wait("Describe the server process", timeout=90)
            await session.disconnect()

            await client.rpc.mcp.config.add(MCPConfigAddRequest(
                name="users-own", config=MCPSerializableServerConfig(command=sys.executable, args=[SERVER])))
            try:
                later = await client.create_session(
                    on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                    working_directory=str(tmp_path))
                listed = [s.name for s in (await later.rpc.mcp.list()).servers]
                await later.disconnect()
            finally:
                await client.rpc.mcp.config.remove(MCPConfigRemoveRequest(name="users-own"))
            return disabled, mode, events, listed

    disabled, mode, events, listed = run(main(), timeout=150)
    assert disabled == "disabled"
    assert getattr(mode.mode, "value", mode.mode) == "indirect"
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success, done
    assert "MCP_TEST_VALUE=read-from-the-runtime-env" in done[0].data.result.content, done[0].data.result.content
    assert listed == ["users-own"], listed


def test_a_servers_elicitation_reaches_the_app(fresh_llmock, sdk_env, tmp_path):
    """An MCP server's `elicitation/create` reaches the official SDK's `on_elicitation_request` as
    `elicitation.requested`; the app's answer goes back to the server and its result to the model."""
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [{"name": "test-pick_color", "arguments": {}}]}])
    asked = []

    async def on_elicitation(context):
        asked.append(context)
        return {"action": "accept", "content": {"color": "blue"}}

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), available_tools=["mcp:*"], on_elicitation_request=on_elicitation,
                mcp_servers={"test": {"command": sys.executable, "args": [SERVER], "tools": ["pick_color"]}})
            assert session.capabilities.get("ui", {}).get("elicitation") is True
            events = []
            session.on(lambda event: events.append(event))
            await session.send_and_wait("Ask me for a color", timeout=90)
            await session.disconnect()
            return events

    events = run(main(), timeout=120)
    assert len(asked) == 1 and asked[0]["message"] == "Pick a color.", asked
    assert "color" in (asked[0].get("requestedSchema") or {}).get("properties", {}), asked
    assert asked[0].get("elicitationSource") == "test"
    done = [e for e in events if e.type.value == "tool.execution_complete"]
    assert done and done[0].data.success and done[0].data.result.content == "action=accept color=blue", done
    completed = [e for e in events if e.type.value == "elicitation.completed"]
    assert completed and completed[0].data.action.value == "accept"


def test_run_with_mcp_servers_in_config_toml(fresh_llmock, cli, tmp_path, monkeypatch):
    """`[mcp_servers.NAME]` in config.toml: env values only by the name of a variable of the user's
    environment, read when `run` starts; a secret written in the file is refused."""
    import json
    monkeypatch.setenv("MY_SERVER_VALUE", "from-my-environment")
    config = tmp_path / "config.toml"
    config.write_text(
        "[mcp_servers.test]\n"
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(SERVER)}]\n"
        'env_vars = { "MCP_TEST_VALUE" = "MY_SERVER_VALUE" }\n'
        'tools = ["describe_process"]\n')
    fresh_llmock.scenario([{"type": "reply", "times": 1, "tool_calls": [
        {"name": "test-describe_process", "arguments": {"names": ["MCP_TEST_VALUE"]}}]}])
    result = cli("run", "--config", str(config), "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--yes",
                 "--events", "jsonl", "Describe the server process", timeout=120)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    done = [e for e in events if e["type"] == "tool.execution_complete"]
    assert done and "MCP_TEST_VALUE=from-my-environment" in done[0]["data"]["result"]["content"], done
    assert "from-my-environment" not in config.read_text()

    written = tmp_path / "written.toml"
    written.write_text('[mcp_servers.x]\ncommand = "x"\nenv = { "TOKEN" = "hunter2" }\n')
    result = cli("run", "--config", str(written), "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "Hi")
    assert result.returncode != 0 and "env_vars" in result.stderr and "hunter2" not in result.stderr, result.stderr
