"""Plugin folders through the official Python SDK (1.0.27), against llmock.

One plugin comes as a trusted built-in folder (`builtin_plugin_directories`, sent as
`plugins.builtin.set`), the other as `--plugin-dir` on the runtime's command line (the SDK's
`StdioRuntimeConnection(args=…)`), as the official plugin-directories guide shows. The session
lists both, offers the first's skill and the second's agent, and delegates to that agent.
"""
import json

from copilot import CopilotClient, PermissionHandler
from copilot.client import StdioRuntimeConnection

from test_python_sdk import chat_calls, provider, run, sdk_env  # noqa: F401  (sdk_env is a fixture)


def make_plugins(tmp_path):
    house = tmp_path / "house-pack"
    (house / "skills" / "house-style").mkdir(parents=True)
    (house / "plugin.json").write_text(json.dumps({"name": "house-pack", "version": "1.2.0", "description": "House rules"}))
    (house / "skills" / "house-style" / "SKILL.md").write_text(
        "---\nname: house-style\ndescription: How reports are written\n---\nHOUSE_STYLE_MARKER\n")
    (house / "hooks.json").write_text("{}")
    research = tmp_path / "research-pack"
    (research / "agents").mkdir(parents=True)
    (research / ".github").mkdir()
    (research / ".github" / "plugin.json").write_text(json.dumps({"name": "research-pack"}))
    (research / "agents" / "researcher.md").write_text(
        "---\nname: researcher\ndescription: Researches a question\ntools: []\n---\nYou are the researcher.\n")
    return house, research


def test_builtin_and_command_line_plugins(fresh_llmock, sdk_env, cli_binary, tmp_path):
    house, research = make_plugins(tmp_path)

    async def main():
        connection = StdioRuntimeConnection(path=str(cli_binary), args=("--plugin-dir", str(research)))
        async with CopilotClient(connection=connection, builtin_plugin_directories=[str(house)]) as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                excluded_builtin_agents=["explore", "task", "general-purpose"], available_tools=["builtin:task"])
            events = []
            session.on(lambda e: events.append(e))
            plugins = await session.rpc.plugins.list()
            skills = await session.rpc.skills.list()
            agents = await session.rpc.agent.list()
            reply = await session.send_and_wait("Delegate this research task to the researcher", timeout=30)
            await session.disconnect()
            return plugins, skills, agents, reply, events

    plugins, skills, agents, reply, events = run(main())
    assert [(p.name, p.version, p.enabled, p.marketplace) for p in plugins.plugins] == [
        ("house-pack", "1.2.0", True, ""), ("research-pack", None, True, "")]
    house_style = next(s for s in skills.skills if s.name == "house-style")
    assert house_style.source.value == "plugin" and house_style.plugin_name == "house-pack"
    assert [a.name for a in agents.agents] == ["researcher"]
    started = [e for e in events if e.type.value == "subagent.started"]
    assert started and started[0].data.agent_name == "researcher"
    calls = chat_calls(fresh_llmock)
    assert calls[1]["body"]["messages"][0]["content"].startswith("You are the researcher.")
    assert reply is not None and reply.data.content


def test_a_folder_that_is_not_a_plugin_is_refused(sdk_env, cli_binary, tmp_path):
    async def main():
        async with CopilotClient(builtin_plugin_directories=[str(tmp_path)]) as client:
            await client.create_session(on_permission_request=PermissionHandler.approve_all)

    try:
        run(main())
    except Exception as error:  # the SDK raises its own error type for the refused request
        assert "no plugin.json or SKILL.md found in" in str(error), error
    else:
        raise AssertionError("an empty folder was accepted as a plugin")


def test_run_with_a_plugin_dir(fresh_llmock, cli, tmp_path):
    _, research = make_plugins(tmp_path)
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--plugin-dir", str(research),
                 "--events", "jsonl", "Delegate the research with the task tool")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    started = [e for e in events if e["type"] == "subagent.started"]
    assert started and started[0]["data"]["agentName"] == "researcher", [e["type"] for e in events]
    bad = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--plugin-dir", str(tmp_path / "nothing"), "hi")
    assert bad.returncode != 0 and "--plugin-dir" in bad.stderr and "does not exist" in bad.stderr
