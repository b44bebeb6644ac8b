#!/usr/bin/env python3
"""Capture the JSON-RPC params the official Python Copilot SDK sends.

Drives the unmodified ``github-copilot-sdk`` (PyPI) against ``fake_runtime.py``
and writes the ``session.create`` / ``session.resume`` params of each case to
``Tests/Fixtures/python-sdk-<version>-payloads.json``.

Run with the interpreter of a venv that has the SDK installed, e.g.::

    python3 -m venv .venv-capture
    .venv-capture/bin/pip install github-copilot-sdk==1.0.27
    .venv-capture/bin/python Tests/Fixtures/capture/capture_payloads.py
"""

import asyncio
import json
import os
import sys
import tempfile
from importlib.metadata import version as pkg_version
from pathlib import Path

from pydantic import BaseModel, Field

from copilot import (
    CopilotClient,
    ModelCapabilitiesOverride,
    ModelLimitsOverride,
    ModelSupportsOverride,
    PermissionHandler,
    RuntimeConnection,
    Tool,
    define_tool,
)

HERE = Path(__file__).resolve().parent
FAKE_RUNTIME = HERE / "fake_runtime.py"
SDK_VERSION = pkg_version("github-copilot-sdk")
OUTPUT = HERE.parent / f"python-sdk-{SDK_VERSION}-payloads.json"


# --- tools -------------------------------------------------------------------


class WeatherParams(BaseModel):
    city: str = Field(description="City to look up")


def _get_weather(params: WeatherParams, invocation) -> str:
    return f"Sunny in {params.city}"


get_weather = define_tool(
    "get_weather",
    description="Get the current weather for a city",
    handler=_get_weather,
    params_type=WeatherParams,
)

get_time = Tool(
    name="get_time",
    description="Get the current time",
    handler=lambda invocation: "12:00",
    parameters={"type": "object", "properties": {}},
    skip_permission=True,
)


# --- handlers ----------------------------------------------------------------


def on_pre_tool_use(hook_input, invocation):
    return {"permissionDecision": "allow"}


def on_user_input_request(request, invocation):
    return {"answer": "yes", "wasFreeform": True}


# --- cases -------------------------------------------------------------------

TOOLS_AND_FILTERS = dict(
    on_permission_request=PermissionHandler.approve_all,
    tools=[get_weather, get_time],
    available_tools=["get_weather", "view", "encrypt"],
    excluded_tools=["bash"],
    system_message={"mode": "append", "content": "Be brief."},
    reasoning_effort="high",
    working_directory="/tmp/work",
)

CASES = {
    "byok_minimal": (
        "create",
        dict(
            session_id="00000000-0000-4000-8000-00000000000a",
            model="gpt-test",
            provider={
                "type": "openai",
                "base_url": "http://127.0.0.1:9/v1",
                "api_key": "sk-test",
            },
            on_permission_request=PermissionHandler.approve_all,
            streaming=True,
        ),
    ),
    "tools_and_filters": (
        "create",
        dict(session_id="00000000-0000-4000-8000-00000000000b", **TOOLS_AND_FILTERS),
    ),
    "replace_and_caps": (
        "create",
        dict(
            session_id="00000000-0000-4000-8000-00000000000c",
            on_permission_request=PermissionHandler.approve_all,
            system_message={"mode": "replace", "content": "You are a test."},
            model_capabilities=ModelCapabilitiesOverride(
                supports=ModelSupportsOverride(vision=False),
                limits=ModelLimitsOverride(max_context_window_tokens=4096),
            ),
            hooks={"on_pre_tool_use": on_pre_tool_use},
            on_user_input_request=on_user_input_request,
            provider={
                "type": "azure",
                "base_url": "https://capture-test.openai.azure.com",
                "bearer_token": "bearer-test",
                "azure": {"api_version": "2024-10-21"},
                "headers": {"X-Test": "1"},
            },
        ),
    ),
    "anthropic": (
        "create",
        dict(
            session_id="00000000-0000-4000-8000-00000000000d",
            model="claude-test",
            provider={
                "type": "anthropic",
                "base_url": "http://127.0.0.1:9",
                "api_key": "k",
            },
            streaming=False,
        ),
    ),
    "resume": (
        "resume",
        dict(
            **TOOLS_AND_FILTERS,
            continue_pending_work=True,
            suppress_resume_event=True,
            allow_transcript_recovery=True,
        ),
    ),
}
RESUME_SESSION_ID = "11111111-2222-3333-4444-555555555555"


async def run_case(name, kind, kwargs, capture_file):
    os.environ["FAKE_RUNTIME_CAPTURE"] = str(capture_file)
    client = CopilotClient(
        connection=RuntimeConnection.for_stdio(path=sys.executable, args=[str(FAKE_RUNTIME)]),
        log_level="error",
    )
    try:
        if kind == "create":
            await client.create_session(**kwargs)
        else:
            await client.resume_session(RESUME_SESSION_ID, **kwargs)
    finally:
        await client.stop()
    requests = [json.loads(line) for line in capture_file.read_text().splitlines() if line]
    method = f"session.{kind}"
    matches = [r for r in requests if r["method"] == method]
    if len(matches) != 1:
        raise RuntimeError(f"{name}: expected one {method}, got {[r['method'] for r in requests]}")
    print(f"{name}: {' -> '.join(r['method'] for r in requests)}", file=sys.stderr)
    return {"method": method, "params": matches[0]["params"]}


async def main():
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, kwargs) in CASES.items():
            cases[name] = await run_case(name, kind, kwargs, Path(tmp) / f"{name}.jsonl")
    fixture = {"sdkVersion": SDK_VERSION, "cases": cases}
    OUTPUT.write_text(json.dumps(fixture, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
