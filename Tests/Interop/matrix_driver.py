"""Runs one scenario of the Swift mode-matrix test with the official Python SDK.

The Swift test (ModeMatrixTests) starts a scripted model server, writes the scenario as JSON and runs
this script with COPILOT_CLI_PATH pointing at copilot-swift. The script creates the session the
scenario describes, sends its prompts one after the other, and prints the type of every event from
each `user.message` to the `session.idle` that ends it, one JSON line each (`hook.start:TYPE` for a
hook event).
"""
import asyncio
import json
import sys

from pydantic import BaseModel

from copilot import CopilotClient, PermissionHandler
from copilot.session import ModelCapabilitiesOverride, ModelLimitsOverride, ModelSupportsOverride
from copilot.generated.rpc import PermissionDecisionReject
from copilot.tools import define_tool


class City(BaseModel):
    city: str


get_weather = define_tool("get_weather", description="Current weather for a city",
                          handler=lambda params, invocation: f"18C in {params.city}", params_type=City)
get_time = define_tool("get_time", description="The current time", handler=lambda params, invocation: "12:00",
                       params_type=City)


def deny(request, invocation):
    return PermissionDecisionReject(feedback="not allowed here")


def deny_pre_tool_use(hook_input, invocation):
    return {"permissionDecision": "deny", "permissionDecisionReason": "blocked by policy"}


async def main(scenario):
    options = dict(
        model=scenario["model"],
        provider={"type": "openai", "base_url": scenario["baseURL"]},
        on_permission_request=deny if scenario.get("permission") == "deny" else PermissionHandler.approve_all,
        streaming=scenario.get("streaming", False),
    )
    if scenario.get("tools"):
        options["tools"] = [tool for tool in (get_weather, get_time) if tool.name in scenario["tools"]]
    for key, kwarg in [("availableTools", "available_tools"), ("excludedTools", "excluded_tools"),
                       ("systemMessage", "system_message")]:
        if key in scenario:
            options[kwarg] = scenario[key]
    if "modelCapabilities" in scenario:
        wire = scenario["modelCapabilities"]
        limits, supports = wire.get("limits", {}), wire.get("supports")
        options["model_capabilities"] = ModelCapabilitiesOverride(
            supports=ModelSupportsOverride(vision=supports.get("vision")) if supports else None,
            limits=ModelLimitsOverride(max_prompt_tokens=limits.get("maxPromptTokens"),
                                       max_output_tokens=limits.get("maxOutputTokens"),
                                       max_context_window_tokens=limits.get("maxContextWindowTokens")))
    if "skillDirectories" in scenario:
        options["skill_directories"] = scenario["skillDirectories"]
    if "customAgents" in scenario:
        options["custom_agents"] = scenario["customAgents"]
    if scenario.get("hooks") == "deny":
        options["hooks"] = {"on_pre_tool_use": deny_pre_tool_use}
    events = []
    async with CopilotClient() as client:
        session = await client.create_session(**options)
        for prompt in scenario["prompts"]:
            done = asyncio.Event()
            seen = []

            def on_event(event, seen=seen, done=done):
                kind = event.type.value
                if kind in ("hook.start", "hook.end"):
                    kind += ":" + event.data.hook_type
                if kind == "user.message" or seen:
                    seen.append(kind)
                if seen and kind == "session.idle":
                    done.set()

            unsubscribe = session.on(on_event)
            await session.send(prompt)
            await asyncio.wait_for(done.wait(), timeout=30)
            unsubscribe()
            events += seen
        await session.disconnect()
    for kind in events:
        print(json.dumps(kind))


asyncio.run(main(json.loads(sys.argv[1])))
