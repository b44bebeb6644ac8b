"""The official Python SDK (1.0.27) delegates through copilot-swift to a custom agent, against llmock.

The session has one custom agent, which preloads a skill from `skill_directories`; llmock calls the
first tool that matches the prompt, so the main agent calls `task`, the sub-agent (offered no tools)
answers in text, and the main agent answers with that result.
"""
import json

from copilot import CopilotClient, PermissionHandler

from test_python_sdk import chat_calls, provider, run, sdk_env  # noqa: F401  (sdk_env is a fixture)


def test_delegation_to_a_custom_agent_with_a_skill(fresh_llmock, sdk_env, tmp_path):
    skill = tmp_path / "skills" / "house-style"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: house-style\ndescription: How reports are written\n---\nHOUSE_STYLE_MARKER: write in short sentences.\n")
    researcher = {"name": "researcher", "display_name": "Researcher", "description": "Researches a question",
                  "prompt": "You are the researcher.", "tools": [], "skills": ["house-style"]}

    async def main():
        async with CopilotClient() as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                custom_agents=[researcher], skill_directories=[str(tmp_path / "skills")],
                excluded_builtin_agents=["explore", "task", "general-purpose"], available_tools=["builtin:task"])
            events = []
            session.on(lambda e: events.append(e))
            reply = await session.send_and_wait("Delegate this research task to the researcher", timeout=30)
            tasks = await session.rpc.tasks.list()
            await session.disconnect()
            return reply, events, tasks

    reply, events, tasks = run(main())
    calls = chat_calls(fresh_llmock)
    assert len(calls) == 3, [c["body"]["messages"][0]["content"][:40] for c in calls]
    main_tools = calls[0]["body"]["tools"]
    assert [t["function"]["name"] for t in main_tools] == ["task"]
    assert main_tools[0]["function"]["parameters"]["properties"]["agent_type"]["enum"] == ["researcher"]
    sub_system = calls[1]["body"]["messages"][0]["content"]
    assert sub_system.startswith("You are the researcher.") and "HOUSE_STYLE_MARKER" in sub_system
    assert not calls[1]["body"].get("tools"), "the researcher is offered no tools"
    task_result = [m for m in calls[2]["body"]["messages"] if m["role"] == "tool"][0]["content"]
    assert task_result, "the main agent got the researcher's answer"
    types = [e.type.value for e in events]
    assert types.index("subagent.started") < types.index("subagent.completed") < types.index("session.idle")
    started = next(e for e in events if e.type.value == "subagent.started")
    assert started.data.agent_name == "researcher"
    sub_messages = [e for e in events if e.type.value == "assistant.message" and e.agent_id]
    assert sub_messages and task_result.endswith(sub_messages[0].data.content)
    # llmock fills every argument, `model` too: a model the provider does not list is named, and
    # the agent runs on its own.
    assert "mock-model" in task_result and "ran on gpt-4o-mini instead" in task_result
    assert reply is not None and reply.data.content
    assert [t.status.value for t in tasks.tasks] == ["completed"]


def test_run_with_an_agent_file_and_skills(fresh_llmock, cli, tmp_path):
    skill = tmp_path / "skills" / "checklist"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: checklist\ndescription: The review checklist\n---\nCHECKLIST_MARKER\n")
    agent = tmp_path / "reviewer.agent.md"
    agent.write_text("---\ndescription: Reviews a change\ntools: []\nskills: [checklist]\n---\nYou are the reviewer.\n")
    result = cli("run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini", "--agent", str(agent),
                 "--skills", str(tmp_path / "skills"), "--events", "jsonl", "Delegate the review with the task tool")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    started = [e for e in events if e["type"] == "subagent.started"]
    assert started and started[0]["data"]["agentName"] == "reviewer", [e["type"] for e in events]
    assert any(e["type"] == "subagent.completed" for e in events)
    calls = chat_calls(fresh_llmock)
    system = calls[1]["body"]["messages"][0]["content"]
    assert system.startswith("You are the reviewer.") and "CHECKLIST_MARKER" in system
    assert events[-1]["type"] == "session.idle"
